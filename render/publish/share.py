"""Sharing what was published: a link per film (the public address, or an S3 presigned link), a QR
code image of each link for labels and the kiosk, and an ``index.html`` of the scene's films.

They are written to ``<scene>/share/`` (``links.json`` remembers them); the index goes up to the
store too when its links are lasting ones (``publish.public_url``), not presigned links that expire.
A link is kept from one publish to the next while its film's key is the same and more than half its
validity is left, so printed labels stay right and an unchanged scene costs nothing to share again.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from render.publish.store import Store
from render.scene.publish import PublishSpec

__all__ = ["Film", "links_for", "write_share", "FILM_KINDS", "LINKS_FILE"]

FILM_KINDS = ("video", "viewer", "webp", "gif")  #: what a clip's link opens, the first published of these
LINKS_FILE = "links.json"


@dataclass(frozen=True)
class Film:
    """One clip's shared film: what it is, where, its link, until when (None: lasting), its QR code."""

    kind: str
    key: str
    link: str
    expires: float | None
    svg: str = ""


def links_for(folder: Path, store: Store, spec: PublishSpec, films: dict[str, tuple[str, str]]) -> dict[str, Film] | None:
    """clip -> Film for ``films`` (clip -> (kind, key)), reusing the links still good; None when the
    store gives no links (a folder store without ``publish.public_url``)."""
    saved = _saved(folder)
    origin = spec.public_url or store.ident
    lifetime, now = spec.expires_days * 86400, time.time()
    found: dict[str, Film] = {}
    for clip, (kind, key) in films.items():
        old = saved.get(clip, {})
        if (old.get("key") == key and old.get("kind") == kind and old.get("origin") == origin
                and (old.get("expires") is None or old["expires"] - now > lifetime / 2)):
            found[clip] = Film(kind, key, old["link"], old.get("expires"), old.get("svg", ""))
            continue
        if spec.public_url:
            link, expires = f"{spec.public_url.rstrip('/')}/{quote(key)}", None
        else:
            link, expires = store.link(key, lifetime), now + lifetime
            if link is None:
                return None
        found[clip] = Film(kind, key, link, expires)
    return found


def write_share(folder: Path, title: str, films: dict[str, Film], origin: str) -> Path:
    """QR codes (``<clip>.png``) of new links, ``links.json`` and ``index.html``; return the index."""
    import segno

    if folder.is_symlink():  # never written through: its files go where the scene's folder is
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    cards, record = [], {}
    for clip, film in sorted(films.items()):
        svg = film.svg
        if not svg or not (folder / f"{clip}.png").is_file():
            try:
                code = segno.make(film.link, error="l" if len(film.link) > 1200 else "m")  # long: less redundancy
            except segno.DataOverflowError:  # over a QR code's 2953 bytes: the link, without its code
                code = None
            if code is not None:
                _replace(folder / f"{clip}.png", lambda path, code=code: _png(code, path))
            svg = code.svg_inline(scale=3, border=2) if code is not None else ""
        record[clip] = {"kind": film.kind, "key": film.key, "link": film.link, "expires": film.expires,
                        "origin": origin, "svg": svg}
        link = html.escape(film.link)
        if film.kind == "video":
            media = f'<video src="{link}" controls muted loop playsinline preload="metadata"></video>'
        elif film.kind in ("gif", "webp"):
            media = f'<img src="{link}" alt="{html.escape(clip)}">'
        else:
            media = f'<iframe src="{link}" title="{html.escape(clip)}"></iframe>'
        cards.append(f'<figure>{media}<figcaption><a href="{link}">{html.escape(clip)}</a>{svg}</figcaption></figure>')
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
    _replace(index, lambda path: path.write_text(page, encoding="utf-8"))
    _replace(folder / LINKS_FILE, lambda path: path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8"))
    return index


def _png(code, path: Path) -> None:
    """The code as a PNG of 6-pixel modules in a 4-module quiet zone (OpenCV writes it ~3x faster than segno)."""
    import cv2
    import numpy as np

    light = np.pad(1 - np.asarray(code.matrix, dtype=np.uint8), 4, constant_values=1) * 255
    if not cv2.imwrite(str(path), np.kron(light, np.ones((6, 6), np.uint8)), [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f"{path}: the QR code could not be written")


def _saved(folder: Path) -> dict[str, dict]:
    """The links of the last publish, each checked in shape; any other entry is simply made anew."""
    try:
        saved = json.loads((folder / LINKS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(saved, dict):
        return {}
    return {clip: entry for clip, entry in saved.items() if isinstance(entry, dict)
            and all(isinstance(entry.get(k), str) for k in ("kind", "key", "link", "origin", "svg"))
            and (entry.get("expires") is None or isinstance(entry.get("expires"), (int, float)))
            and _SVG.fullmatch(entry["svg"])}


#: A QR code as segno draws it inline, and nothing else (a tampered links.json never reaches the index).
_SVG = re.compile(r'<svg width="\d+" height="\d+" class="segno">'
                  r'<path transform="scale\(\d+\)" class="qrline" stroke="#000" d="[MmHhVvZz0-9. -]+"/></svg>')


def _replace(path: Path, write) -> None:
    """Write through a temporary name beside ``path``, then rename: never half a file under its name."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")  # the suffix says the format
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
