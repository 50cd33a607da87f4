"""The media type of every file a render writes, as served by the kiosk and labelled on a store.

Python's ``mimetypes`` reads the system's tables, which may lack the newer kinds (``.webp`` is not in
Python 3.11's own list): a browser given ``application/octet-stream`` downloads a film instead of
playing it.
"""

from __future__ import annotations

import mimetypes
import posixpath

__all__ = ["media_type", "MEDIA_TYPES"]

MEDIA_TYPES = {
    ".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime", ".gif": "image/gif",
    ".webp": "image/webp", ".png": "image/png", ".html": "text/html", ".json": "application/json",
    ".csv": "text/csv", ".svg": "image/svg+xml",
}  # fmt: skip


def media_type(name: str) -> str:
    """The media type of a file called ``name`` (a path or a store's key)."""
    suffix = posixpath.splitext(name)[1].lower()
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
