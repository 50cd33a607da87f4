"""The kiosk's HTTP interface, kept stable for other front ends (an ASGI app, run by uvicorn).

    GET    /healthz                        200 once the studio is warm
    POST   /api/visitors                   multipart field ``photo`` -> 201 {id, face, projection, readout, viewer, ...}
    GET    /api/visitors/{id}              {id, state: rendering | done | failed, reason, files: {name: url}}
    GET    /api/visitors/{id}/qr.svg       a QR code of the visitor's film's address
    GET    /api/visitors/{id}/{file}       one of the files their state lists
    DELETE /api/visitors/{id}              204: everything kept of the visitor removed
    GET    /                               the kiosk page (with /kiosk.js and /viewer.js)

Bad input gets a 4xx and ``{"error": "one readable sentence"}``; the server goes on serving. With a
token, every ``/api/`` request must carry it (``Authorization: Bearer ...`` or ``?token=...``).
Request bodies are read into memory up to the scene's ``serve.max_upload_mb`` and never spooled to
disk; file names never come from the client (only names a visitor's record lists are served).
"""

from __future__ import annotations

import hmac
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from render.errors import InputError
from render.faces.portrait import NoFaceError
from render.serve.studio import Studio, UnknownVisitor, Visitor
from render.serve.upload import UploadError, photo_field

__all__ = ["kiosk_app"]

_PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data: blob:; "
                "media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; form-action 'none'")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def kiosk_app(studio: Studio, token: str | None = None) -> Starlette:
    """The ASGI app of a warm studio."""
    limit = int(studio.scene.serve.max_upload_mb * 1_000_000)

    def authorised(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or request.query_params.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise ApiError(401, "this kiosk needs its access token: send Authorization: Bearer <token>")

    def found(visitor_id: str) -> Visitor:
        try:
            return studio.visitor(visitor_id)
        except UnknownVisitor:
            raise ApiError(404, f"no visitor {visitor_id!r} here (never seen, or deleted)") from None

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ready", "scene": studio.scene.name,
                             "visitor_seconds": studio.scene.serve.visitor_seconds})

    async def create(request: Request) -> Response:
        authorised(request)
        photo = photo_field(request.headers.get("content-type", ""), await _body(request, limit))
        try:
            visitor, page = await run_in_threadpool(studio.welcome, photo)
        except NoFaceError:
            raise ApiError(422, "no face found in the photo: step closer and face the camera") from None
        except InputError as exc:
            raise ApiError(415 if "not a JPEG or PNG" in str(exc) else 422, str(exc)) from None
        return JSONResponse({**page, "links": _links(request, visitor)}, status_code=201,
                            headers={"Location": f"/api/visitors/{visitor.id}"})

    async def state(request: Request) -> Response:
        authorised(request)
        visitor = found(request.path_params["id"])
        if request.method == "DELETE":
            studio.delete(visitor.id)
            return Response(status_code=204)
        return JSONResponse({"id": visitor.id, "state": visitor.state, "reason": visitor.reason,
                             "files": {name: f"/api/visitors/{visitor.id}/{name}" for name in visitor.files},
                             "links": _links(request, visitor)})

    async def qr(request: Request) -> Response:
        authorised(request)
        visitor = found(request.path_params["id"])
        return Response(_qr_svg(_links(request, visitor)["film"]), media_type="image/svg+xml")

    async def file(request: Request) -> Response:
        authorised(request)
        visitor = found(request.path_params["id"])
        try:
            path = studio.path(visitor, request.path_params["file"])
        except UnknownVisitor:
            raise ApiError(404, f"visitor {visitor.id} has no file {request.path_params['file']!r} (yet)") from None
        return FileResponse(path)

    def _links(request: Request, visitor: Visitor) -> dict[str, str]:
        base = (studio.scene.serve.public_url or str(request.base_url)).rstrip("/")
        films = [f"{visitor.name}.{ext}" for ext in ("mp4", "gif", "html")]
        film = next((n for n in films if n in visitor.files), films[0])
        return {"self": f"{base}/api/visitors/{visitor.id}", "film": f"{base}/api/visitors/{visitor.id}/{film}",
                "qr": f"{base}/api/visitors/{visitor.id}/qr.svg"}

    async def page(request: Request) -> Response:
        return _asset("kiosk.html", "text/html; charset=utf-8", {"Content-Security-Policy": _PAGE_POLICY})

    async def script(request: Request) -> Response:
        return _asset(request.path_params["name"] + ".js", "text/javascript; charset=utf-8", {})

    async def failed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, (ApiError, UploadError))
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    routes = [
        Route("/", page),
        Route("/{name:str}.js", script),
        Route("/healthz", healthz),
        Route("/api/visitors", create, methods=["POST"]),
        Route("/api/visitors/{id:str}", state, methods=["GET", "DELETE"]),
        Route("/api/visitors/{id:str}/qr.svg", qr),
        Route("/api/visitors/{id:str}/{file:path}", file),
    ]
    return Starlette(routes=routes, exception_handlers={ApiError: failed, UploadError: failed})


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, in memory, refused past ``limit`` bytes (before reading, when it says so)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the upload is {int(declared) / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit; send a smaller photo")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the upload is over the {limit / 1e6:g} MB limit; send a smaller photo")
        chunks.append(chunk)
    return b"".join(chunks)


_ASSETS = {"kiosk.html": "render.serve", "kiosk.js": "render.serve", "viewer.js": "render.encode"}


def _asset(name: str, media_type: str, headers: dict[str, str]) -> Response:
    if name not in _ASSETS:
        return JSONResponse({"error": "not found"}, status_code=404)
    text = resources.files(_ASSETS[name]).joinpath(name).read_text(encoding="utf-8")
    return Response(text, media_type=media_type, headers={"Cache-Control": "no-cache", **headers})


def _qr_svg(url: str) -> str:
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False)
    return out.getvalue().decode("utf-8")
