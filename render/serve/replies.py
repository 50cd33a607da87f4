"""What the kiosk's routes answer with beyond JSON: the error every route raises for a 4xx or 5xx
(:class:`ApiError`, said as ``{"error": ...}``), and a visitor's files as phones' players need them."""

from __future__ import annotations

import hashlib
import os
import re

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from render.ground.formats import media_type
from render.serve.kiosk import UnknownVisitor, Visitor
from render.serve.season import open_inside

__all__ = ["ApiError", "served"]


class ApiError(Exception):
    """A request refused: its HTTP status and one readable sentence (said as ``{"error": ...}``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def served(request: Request, visitor: Visitor, name: str, as_name: str | None = None,
                 gone: str | None = None) -> Response:
    """One of a visitor's files, as phones' players need it: byte ranges (206), an ETag and
    Last-Modified (304 when unchanged). Opened, link by link refused, before the answer starts: what is
    sent is the file inside the scene's folder that was opened, whatever is swapped in meanwhile, and a
    DELETE meanwhile cannot cut it short. ``as_name`` and ``gone`` (the wall's) name nothing of the
    visitor."""
    missing = gone or f"visitor {visitor.id} has no file {name!r} (yet)"
    try:
        request.app.state.kiosk.path(visitor, name)  # a name their record lists, of their own film's files
        fd = await run_in_threadpool(open_inside, request.app.state.kiosk.folder, name)
    except (UnknownVisitor, OSError):
        raise ApiError(404, missing) from None
    stat = os.fstat(fd)
    shown_name = as_name or name.rsplit("/", 1)[-1]
    etag = '"' + hashlib.sha256(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:32] + '"'
    asked = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in asked or "*" in asked:
        os.close(fd)
        return Response(status_code=304, headers={"ETag": etag})
    asked_range = request.headers.get("range")
    if asked_range is not None and not _readable(asked_range.strip()):
        asked_range = None  # not a byte range this server reads (another unit, malformed): the whole file, as RFC 9110 says
    elif asked_range is not None and all((start.isdigit() and int(start) >= stat.st_size) or (not start and int(end) == 0)
                                         for start, end in (r.strip().split("-", 1) for r in asked_range[6:].split(","))):
        os.close(fd)
        return JSONResponse({"error": f"the range {asked_range[:60]!r} asks for nothing within the file's "
                                      f"{stat.st_size} bytes"},
                            status_code=416, headers={"Content-Range": f"bytes */{stat.st_size}"})
    # /proc/self/fd/N opens the very file this descriptor holds, not whatever the path names now.
    return _FileAnswer(asked_range is not None, f"/proc/self/fd/{fd}", media_type=media_type(name), stat_result=stat,
                        content_disposition_type="inline", filename=shown_name,
                        headers={"ETag": etag, "Cache-Control": "private, max-age=3600"},
                        background=BackgroundTask(os.close, fd))


#: Byte ranges as RFC 9110 writes them: ``bytes=0-99``, ``bytes=100-``, ``bytes=-50``, several by commas.
_RANGES = re.compile(r"bytes=\s*(\d+-\d*|-\d+)(\s*,\s*(\d+-\d*|-\d+))*")


def _readable(asked: str) -> bool:
    """Whether a Range header is byte ranges, each in order (a range ending before it starts is none)."""
    if not _RANGES.fullmatch(asked):
        return False
    for first, _, last in (r.strip().partition("-") for r in asked[6:].split(",")):
        if first and last and int(last) < int(first):
            return False
    return True


class _FileAnswer(FileResponse):
    """Starlette's file answer, told whether to read the request's Range header at all."""

    def __init__(self, ranged: bool, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.ranged = ranged

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if not self.ranged:
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"range"]}
        await super().__call__(scope, receive, send)


