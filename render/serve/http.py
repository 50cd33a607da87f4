"""The kiosk's HTTP interface, kept stable for other front ends (an ASGI app, run by uvicorn).

    GET    /healthz                        200 once the studio is warm; 503 {status: resting, reason} while it rests
    POST   /api/visitors                   multipart fields ``photo`` and ``consent`` (``film``, the default, or
                                           ``none``) -> 201 {id, face, projection, readout, viewer, links, ...};
                                           with ``none``: 200, the same without id or links, nothing kept;
                                           503 while the kiosk rests (a full disk, failing films, a long queue)
    GET    /api/status                     visitors total and today, films by state, queue, disk, uptime, last error
    GET    /api/visitors/{id}              {id, state: rendering | done | failed, reason, files: {name: url}}
    GET    /api/visitors/{id}/qr.svg       a QR code of the visitor's film page's address
    GET    /api/visitors/{id}/{file}       one of the files their state lists (byte ranges, ETag, Last-Modified)
    DELETE /api/visitors/{id}              204: everything kept of the visitor removed (their id is 404 after)
    GET    /api/kiosk                      the pages' words (from the scene) and the eigenface of the attract screen
    GET    /api/wall                       the wall's films, newest first: visitors who kept their film
    GET    /                               the kiosk page (with /kiosk.js, /kiosk.css and /viewer.js)
    GET    /f/{id}                         the visitor's film page, on their phone (where the QR code leads)
    DELETE /f/{id}                         204: the same as DELETE /api/visitors/{id}, from the film page
    GET    /wall                           the wall, for a second screen

Bad input gets a 4xx and ``{"error": "one readable sentence"}``; the server goes on serving. A request
whose Host is not one the kiosk answers to gets Starlette's own 400 (``TrustedHostMiddleware``). With a
token, every ``/api/`` request must carry it (``Authorization: Bearer ...`` or ``?token=...``).
Request bodies are read into memory up to the scene's ``serve.max_upload_mb`` and never spooled to
disk; file names never come from the client (only names a visitor's record lists are served).
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Route

from render.ground.formats import link_order
from render.errors import InputError, OutputError
from render.faces.portrait import NoFaceError
from render.serve.address import Address
from render.serve.kiosk import CONSENTS, Kiosk, Resting, UnknownVisitor, Visitor
from render.serve.replies import ApiError, served
from render.serve.pages import film_page, kiosk_page, page_config, script, wall_page
from render.serve.wall import wall_film, wall_films
from render.serve.upload import FIELD, UploadError, form_fields

__all__ = ["kiosk_app"]


#: Seconds an upload may take to arrive whole.
UPLOAD_SECONDS = 30.0


def kiosk_app(kiosk: Kiosk, token: str | None = None, hosts: list[str] | None = None,
              address: Address | None = None) -> Starlette:
    """The ASGI app of a kiosk. ``hosts``: the Host names it answers to (all, when None), so
    that a page of another site that rebinds its name to this machine cannot talk to the kiosk;
    ``address``: where visitors' phones reach it (default: the address each page was opened at)."""
    handlers = {ApiError: failed, UploadError: failed, HTTPException: failed, OutputError: failed}
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)] if hosts else []
    middleware.append(Middleware(_Guarded))
    app = Starlette(routes=ROUTES, exception_handlers=handlers, middleware=middleware)  # type: ignore[arg-type]
    app.state.kiosk, app.state.token = kiosk, token
    app.state.address = address or Address(kiosk.scene.serve.public_url, False, "")
    app.state.wall = {}  # the wall's keys -> visitors' ids: the wall never shows an id (a key to delete)
    app.state.secret = secrets.token_bytes(16)  # the wall's keys, this run's own
    app.state.limit = int(kiosk.scene.serve.max_upload_mb * 1_000_000)
    return app


class _Guarded:
    """Every answer says what it is and that no other site may frame it: ``nosniff``, ``DENY`` (a
    page of another site cannot put the film page's delete button under a visitor's finger)."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        async def guarded(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-content-type-options", b"nosniff"),
                                      (b"x-frame-options", b"DENY")]
            await send(message)

        await self.app(scope, receive, guarded if scope["type"] == "http" else send)


def _kiosk(request: Request) -> Kiosk:
    return request.app.state.kiosk


def authorised(request: Request, token: bool = True) -> None:
    """With a token (and ``token``), the request carries it (``Authorization: Bearer`` or ``?token=``);
    a request that changes something comes from the kiosk's own pages, not another site's."""
    origin = request.headers.get("origin")
    if request.method in ("POST", "DELETE") and origin and urlsplit(origin).netloc not in _own(request):
        raise ApiError(403, "requests from other sites' pages are refused; use the kiosk's own page")
    if request.app.state.token is None or not token:
        return
    token = request.app.state.token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else request.query_params.get("token", "")
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ApiError(401, "this kiosk needs its access token: send Authorization: Bearer <token>")


def _own(request: Request) -> set[str]:
    public = _kiosk(request).scene.serve.public_url
    return {request.headers.get("host", ""), *([urlsplit(public).netloc] if public else [])}


async def found(request: Request) -> Visitor:
    """The visitor of the path's id, read off the event loop (the registry may be busy a moment)."""
    visitor_id = request.path_params["id"]
    try:
        return await run_in_threadpool(_kiosk(request).visitor, visitor_id)
    except UnknownVisitor:
        raise ApiError(404, f"no visitor {visitor_id!r} here (never seen, or deleted)") from None


async def healthz(request: Request) -> Response:
    kiosk = _kiosk(request)
    scene, resting = kiosk.scene, await run_in_threadpool(kiosk.resting)
    return JSONResponse({"status": "resting" if resting else "ready", "reason": resting, "scene": scene.name,
                         "visitor_seconds": scene.serve.visitor_seconds}, status_code=503 if resting else 200)


async def status(request: Request) -> Response:
    authorised(request)
    return JSONResponse(await run_in_threadpool(_kiosk(request).status))


async def create(request: Request) -> Response:
    authorised(request)
    kiosk = _kiosk(request)
    fields = form_fields(request.headers.get("content-type", ""), await _body(request, request.app.state.limit))
    if FIELD not in fields:
        raise UploadError(f"the form has no field named {FIELD!r}; send the photo in it")
    consent = fields.get("consent", b"film").decode("utf-8", "replace").strip()
    if consent not in CONSENTS:
        raise ApiError(400, f"consent {consent[:40]!r} is neither 'film' (keep my film) nor 'none' (keep nothing); "
                            "send one of them")
    try:
        visitor_id, page = await run_in_threadpool(kiosk.welcome, fields[FIELD], consent)
    except Resting as exc:
        raise ApiError(503, str(exc)) from None
    except NoFaceError:
        raise ApiError(422, "no face found in the photo: step closer and face the camera") from None
    except InputError as exc:
        raise ApiError(415 if "not a JPEG or PNG" in str(exc) else 422, str(exc)) from None
    if visitor_id is None:
        return JSONResponse({"id": None, "state": "none", "consent": "none", **page})
    if await request.is_disconnected():  # nobody will ever know this visitor's id: keep nothing
        with contextlib.suppress(UnknownVisitor):  # (or a purge took them already)
            await run_in_threadpool(kiosk.delete, visitor_id)
        return Response(status_code=499)
    visitor = Visitor(visitor_id, "rendering", None, ())  # promised; a purge meanwhile makes it 404 from now
    return JSONResponse({"id": visitor_id, "state": visitor.state, "consent": "film", **page,
                         "links": _links(request, visitor)}, status_code=201,
                        headers={"Location": f"/api/visitors/{visitor_id}"})


async def state(request: Request) -> Response:
    authorised(request)
    visitor = await found(request)
    if request.method == "DELETE":
        with contextlib.suppress(UnknownVisitor):  # removed meanwhile: gone either way
            await run_in_threadpool(_kiosk(request).delete, visitor.id)
        return Response(status_code=204)
    # Why a film failed is the technician's (the log, /api/status); a visitor is told it failed, no path.
    reason = "the film could not be made" if visitor.state == "failed" else None
    return JSONResponse({"id": visitor.id, "state": visitor.state, "reason": reason,
                         "files": {name: f"/api/visitors/{visitor.id}/{name}" for name in visitor.files},
                         "links": _links(request, visitor)})


# A visitor's film and its QR code need no token: the visitor's id (64 random bits) is the key,
# so the phone that scans the code can fetch the film.
async def qr(request: Request) -> Response:
    return Response(_qr_svg(_links(request, await found(request))["page"]), media_type="image/svg+xml")


async def file(request: Request) -> Response:
    visitor = await found(request)
    return await served(request, visitor, request.path_params["file"])


async def phone(request: Request) -> Response:
    """The visitor's film page (GET), or their film deleted from it (DELETE): no token, the id is the key."""
    kiosk, visitor_id = _kiosk(request), request.path_params["id"]
    if request.method == "DELETE":
        authorised(request, token=False)
        with contextlib.suppress(UnknownVisitor):
            await run_in_threadpool(kiosk.delete, visitor_id)
        return Response(status_code=204)
    try:
        visitor = await run_in_threadpool(kiosk.visitor, visitor_id)
    except UnknownVisitor:
        return film_page(kiosk.scene, None, None, status=404)
    link = _links(request, visitor)["film"]
    film = link if visitor.state == "done" and link.rsplit("/", 1)[-1] in visitor.files else None
    return film_page(kiosk.scene, visitor, film, status=200 if film else 404)


def _links(request: Request, visitor: Visitor) -> dict[str, str]:
    scene = _kiosk(request).scene
    base = request.app.state.address.of(str(request.base_url))
    # Playable first; before the film exists, the one the scene will write.
    films = [f"{visitor.name}{f.suffix}" for f in link_order(scene.output.formats)] or [f"{visitor.name}.mp4"]
    film = next((n for n in films if n in visitor.files), films[0])
    return {"self": f"{base}/api/visitors/{visitor.id}", "film": f"{base}/api/visitors/{visitor.id}/{film}",
            "page": f"{base}/f/{visitor.id}", "qr": f"{base}/api/visitors/{visitor.id}/qr.svg"}


async def failed(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):  # the router's own: no such route, method not allowed
        return JSONResponse({"error": f"{exc.detail}: {request.method} {request.url.path}"}, status_code=exc.status_code)
    if isinstance(exc, OutputError):  # the registry busy (a purge holding it) or its disk refusing a write
        return JSONResponse({"error": "the kiosk's records are busy a moment; try again"}, status_code=503)
    assert isinstance(exc, (ApiError, UploadError))
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


ROUTES = [
    Route("/", kiosk_page),
    Route("/favicon.ico", lambda request: Response(status_code=204)),
    Route("/wall", wall_page),
    Route("/{name:str}.js", script),
    Route("/{name:str}.css", script),
    Route("/f/{id:str}", phone, methods=["GET", "DELETE"]),
    Route("/api/kiosk", page_config),
    Route("/api/wall", wall_films),
    Route("/wall/films/{key:str}", wall_film),
    Route("/healthz", healthz),
    Route("/api/status", status),
    Route("/api/visitors", create, methods=["POST"]),
    Route("/api/visitors/{id:str}", state, methods=["GET", "DELETE"]),
    Route("/api/visitors/{id:str}/qr.svg", qr),
    Route("/api/visitors/{id:str}/{file:path}", file),
]


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, in memory, refused past ``limit`` bytes (before reading, when it says so)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the upload is {int(declared) / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit; send a smaller photo")
    import anyio

    chunks, size = [], 0
    try:
        with anyio.fail_after(UPLOAD_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ApiError(413, f"the upload is over the {limit / 1e6:g} MB limit; send a smaller photo")
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(408, f"the upload took over {UPLOAD_SECONDS:g} s; send it again") from None
    except ClientDisconnect:
        raise ApiError(400, "the upload was cut off before its end; send it again") from None
    return b"".join(chunks)


def _qr_svg(url: str) -> str:
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False)
    return out.getvalue().decode("utf-8")
