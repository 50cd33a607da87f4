"""The wall: a second screen that cycles through the films of visitors who chose to keep theirs,
newest first. Never a visitor who chose ``none`` (they have no record), was deleted or purged (their
record is read again for every film). The wall never learns a visitor's id (the key to delete
their film): its films are listed and served under keys of this run's own.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from render.ground.formats import link_order, media_type

__all__ = ["wall_films", "wall_film", "WALL_FILMS"]

#: The most films the wall cycles through.
WALL_FILMS = 24


def _playable(scene, visitor_id: str, files: tuple[str, ...]) -> str | None:  # noqa: ANN001
    """The visitor's film a browser plays on its own (a video, an animation), the first of the link order."""
    for fmt in link_order(scene.output.formats):
        name = f"visitor-{visitor_id}{fmt.suffix}"
        if (fmt.video or fmt.played) and fmt.name != "html" and name in files:
            return name
    return None


async def wall_films(request: Request) -> Response:
    from render.serve.http import authorised

    authorised(request)
    kiosk = request.app.state.kiosk
    records = await run_in_threadpool(kiosk.registry.newest_done, WALL_FILMS)
    keys, films = {}, []
    for record in records:
        name = _playable(kiosk.scene, record.id, record.files)
        if name is None:
            continue
        key = hmac.new(request.app.state.secret, record.id.encode(), hashlib.sha256).hexdigest()[:24]
        keys[key] = record.id
        films.append({"film": f"/wall/films/{key}", "type": media_type(name)})
    request.app.state.wall = keys
    return JSONResponse({"films": films}, headers={"Cache-Control": "no-store"})


async def wall_film(request: Request) -> Response:
    from render.serve.http import authorised
    from render.serve.replies import ApiError, served
    from render.serve.kiosk import UnknownVisitor

    authorised(request)
    kiosk = request.app.state.kiosk
    visitor_id = request.app.state.wall.get(request.path_params["key"])
    gone = "no such film on the wall (deleted, purged, or no longer on the wall's list)"
    if visitor_id is None:
        raise ApiError(404, gone)
    try:
        visitor = await run_in_threadpool(kiosk.visitor, visitor_id)
    except UnknownVisitor:
        raise ApiError(404, gone) from None
    name = _playable(kiosk.scene, visitor.id, visitor.files)
    if name is None:
        raise ApiError(404, gone)
    return await served(request, visitor, name, as_name=f"film{name[name.rindex('.'):]}", gone=gone)
