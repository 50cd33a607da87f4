"""The kiosk's pages: the kiosk screen itself (``/``), the visitor's film page on their phone
(``/f/{id}``, where the QR code leads) and the wall for a second screen (``/wall``), with their
scripts and the page configuration they read (``/api/kiosk``: the scene's words and the eigenface).

Every word comes from the scene (``title``, ``description``, ``serve.notice``, ``serve.texts``);
everything a page shows of the scene is escaped. The pages run only their own scripts (a strict
content-security policy); a visitor's film page needs no token (the visitor's id is its key).
"""

from __future__ import annotations

import html
from importlib import resources
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

__all__ = ["kiosk_page", "script", "page_config", "film_page", "PAGE_POLICY"]

PAGE_POLICY = ("default-src 'none'; frame-ancestors 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; "
               "media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; form-action 'none'")

_ASSETS = {"kiosk.html": "render.serve", "kiosk.js": "render.serve", "kiosk.css": "render.serve",
           "phone.js": "render.serve", "wall.html": "render.serve", "wall.js": "render.serve",
           "viewer.js": "render.encode"}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8"}


def asset(name: str, headers: dict[str, str] | None = None) -> Response:
    if name not in _ASSETS:
        return JSONResponse({"error": f"no page file {name!r} here"}, status_code=404)
    text = resources.files(_ASSETS[name]).joinpath(name).read_text(encoding="utf-8")
    suffix = name[name.rindex("."):]
    return Response(text, media_type=_TYPES[suffix], headers={"Cache-Control": "no-cache", **(headers or {})})


async def kiosk_page(request: Request) -> Response:
    return asset("kiosk.html", {"Content-Security-Policy": PAGE_POLICY})


async def wall_page(request: Request) -> Response:
    return asset("wall.html", {"Content-Security-Policy": PAGE_POLICY})


async def script(request: Request) -> Response:
    return asset(request.path_params["name"] + request.url.path[request.url.path.rindex("."):])


async def page_config(request: Request) -> Response:
    """What the pages say and show before any visitor: the scene's words, whether the QR codes reach
    phones, and the happy eigenface for the attract screen. No visitor's data: it needs no token."""
    kiosk = request.app.state.kiosk
    scene = kiosk.scene
    attract = await run_in_threadpool(kiosk.studio.attract)
    return JSONResponse({
        "title": scene.title or scene.name, "description": scene.description, "notice": scene.serve.told,
        "texts": scene.serve.words, "local_only": request.app.state.address.local_only,
        "visitor_seconds": scene.serve.visitor_seconds, "attract": attract,
    }, headers={"Cache-Control": "no-cache"})


def film_page(scene: Any, visitor: Any, film: str | None, status: int = 200) -> Response:
    """A visitor's film on their phone: the title, the film playing, download, delete. ``film`` is
    the film's address (None: not there, said in the scene's words)."""
    words, title = scene.serve.words, html.escape(scene.title or scene.name)
    if film is None:
        main = f'<p class="gone">{html.escape(words["gone"])}</p>'
    else:
        href = html.escape(film)
        main = (f'<video src="{href}" controls autoplay muted loop playsinline aria-label="{title}: your film"></video>'
                f'<p class="actions"><a class="button" href="{href}" download>{html.escape(words["download"])}</a> '
                f'<button type="button" id="delete" class="secondary" data-id="{html.escape(visitor.id)}" '
                f'data-confirm="{html.escape(words["confirm_delete"])}" data-deleted="{html.escape(words["deleted"])}">'
                f'{html.escape(words["delete"])}</button></p><p id="said" role="status"></p>')
    text = f"""<!doctype html>
<html lang="{html.escape(scene.language or 'en')}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/kiosk.css"></head>
<body class="phone"><main><h1>{title}</h1>{main}
<p class="notice">{html.escape(scene.serve.told)}</p></main>
<script src="/phone.js"></script></body></html>
"""
    return HTMLResponse(text, status_code=status, headers={"Content-Security-Policy": PAGE_POLICY,
                                                           "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

