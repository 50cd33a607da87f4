"""Sharing what was published: a link per film (the public address, or an S3 presigned link), a QR
code image of each link for labels and the kiosk, and an ``index.html`` of the scene's films.

They are written to ``<scene>/share/``; the index goes up to the store too when its links are
lasting ones (``publish.public_url``), not presigned links that expire.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

from render.publish.store import Store
from render.scene.publish import PublishSpec

__all__ = ["link_for", "write_share", "FILM_KINDS"]

FILM_KINDS = ("video", "viewer", "gif")  #: what a clip's link opens, the first published of these


def link_for(store: Store, spec: PublishSpec, key: str) -> str | None:
    if spec.public_url:
        return f"{spec.public_url.rstrip('/')}/{quote(key)}"
    return store.link(key, spec.expires_days * 86400)


def write_share(folder: Path, title: str, films: dict[str, tuple[str, str]]) -> Path:
    """QR codes (``<clip>.png``) and ``index.html`` for ``films``: clip -> (kind, link)."""
    import segno

    folder.mkdir(parents=True, exist_ok=True)
    cards = []
    for clip, (kind, link) in sorted(films.items()):
        code = segno.make(link, error="m")
        code.save(str(folder / f"{clip}.png"), scale=6, border=4)
        if kind == "video":
            media = f'<video src="{html.escape(link)}" controls muted loop playsinline preload="metadata"></video>'
        elif kind == "gif":
            media = f'<img src="{html.escape(link)}" alt="{html.escape(clip)}">'
        else:
            media = f'<iframe src="{html.escape(link)}" title="{html.escape(clip)}"></iframe>'
        cards.append(f'<figure>{media}<figcaption><a href="{html.escape(link)}">{html.escape(clip)}</a>'
                     f'{code.svg_inline(scale=3, border=2)}</figcaption></figure>')
    page = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>"
            "body{margin:0;padding:2rem;background:#111;color:#eee;font:16px system-ui,sans-serif}"
            "main{display:grid;gap:2rem;grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}"
            "figure{margin:0}video,img,iframe{width:100%;aspect-ratio:1;background:#000;border:0}"
            "figcaption{display:flex;justify-content:space-between;align-items:center;margin-top:.5rem}"
            "a{color:#eee}svg{background:#fff}</style></head>\n"
            f"<body><h1>{html.escape(title)}</h1><main>\n" + "\n".join(cards) + "\n</main></body></html>\n")
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
