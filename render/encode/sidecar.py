"""The upload sidecar: a JSON file beside each video with what the platforms' upload APIs ask for.

Besides the file's own facts (duration, frame rate, size, codec, sound, bytes, sha256) and those of
every film file of the clip (``files``: the MP4, WebM, MOV, WebP and GIF written) it carries, ready to
send: ``youtube``, the YouTube Data API ``videos.insert`` request body (``snippet`` and ``status``,
with ``containsSyntheticMedia`` true: these faces are altered by a model); ``instagram``, the Graph
API's ``caption``; ``x``, a post's ``text``. Each is cut to its platform's limits here, so a script
that feeds the sidecar to an API never has it refused for length.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from render.hashing import sha256_file

__all__ = ["write_sidecar", "platform_bodies", "INSTAGRAM_CAPTION", "X_TEXT"]

INSTAGRAM_CAPTION, INSTAGRAM_HASHTAGS = 2200, 30  #: characters, hashtags (Graph API, ig-user/media)
X_TEXT = 280  #: characters of a post (X counts most CJK characters twice; we count each once, and stay well under)
YOUTUBE_TITLE, YOUTUBE_DESCRIPTION = 100, 5000  #: characters, bytes (YouTube Data API, videos resource)


H264_FACTS = {"codec": "h264", "profile": "High", "pixel_format": "yuv420p"}


def write_sidecar(video: Path, *, title: str, description: str, frames: int, fps: float,
                  size: tuple[int, int], preset: str | None, platforms: dict[str, Any] | None = None,
                  files: list[dict[str, Any]] | None = None, morph: dict[str, Any] | None = None) -> Path:
    """Write ``<video>.json``: the file's facts and, when given, the platforms' request bodies, the
    facts of every film file of the clip (``files``: the video's own first; each gets its bytes and
    sha256 here) and what the morph did (``morph``: its amount and the pixels it clipped)."""
    width, height = size
    files = [{**facts, "bytes": (video.parent / facts["file"]).stat().st_size,
              "sha256": sha256_file(video.parent / facts["file"])} for facts in files or []]
    own = {k: v for k, v in (files[0] if files else H264_FACTS).items() if k in ("codec", "profile", "pixel_format")}
    document = {
        "file": video.name,
        "title": title,
        "description": description,
        "duration_s": round(frames / fps, 6),
        "frames": frames,
        "fps": fps,
        "width": width,
        "height": height,
        **own,
        "preset": preset,
        "bytes": video.stat().st_size,
        "sha256": sha256_file(video),
        **({"audio": files[0]["audio"]} if files and "audio" in files[0] else {}),
        **({"files": files} if files else {}),
        **({"morph": morph} if morph else {}),
        **(platforms or {}),
    }
    path = video.with_suffix(".json")
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def platform_bodies(title: str, description: str, tags: tuple[str, ...], language: str | None,
                    category: int, privacy: str, made_for_kids: bool, license: str) -> dict[str, Any]:
    """The ``youtube``, ``instagram`` and ``x`` parts of a sidecar."""
    snippet: dict[str, Any] = {"title": title[:YOUTUBE_TITLE], "description": _bytes(description, YOUTUBE_DESCRIPTION),
                               "tags": list(tags), "categoryId": str(category)}
    if language:
        snippet["defaultLanguage"] = language  # no defaultAudioLanguage: a film is silent, or its music has no known language
    status = {"privacyStatus": privacy, "selfDeclaredMadeForKids": made_for_kids, "license": license,
              "embeddable": True, "containsSyntheticMedia": True}
    hashtags = " ".join("#" + "".join(ch for w in tag.split() for ch in w[:1].upper() + w[1:] if ch.isalnum())
                        for tag in tags[:INSTAGRAM_HASHTAGS])
    text = "\n\n".join(part for part in (title, description) if part)
    caption = _chars(text, INSTAGRAM_CAPTION - len(hashtags) - 2) + ("\n\n" + hashtags if hashtags else "")
    return {"youtube": {"snippet": snippet, "status": status},
            "instagram": {"caption": caption.strip()},
            "x": {"text": _chars(title if len(title) <= X_TEXT else text, X_TEXT)}}


def _chars(text: str, most: int) -> str:
    """``text`` in at most ``most`` characters, cut at a word with an ellipsis when it has to be."""
    if len(text) <= most:
        return text
    cut = text[: most - 1].rsplit(" ", 1)[0] if " " in text[: most - 1] else text[: most - 1]
    return cut.rstrip() + "\u2026"


def _bytes(text: str, most: int) -> str:
    """``text`` in at most ``most`` bytes of UTF-8, never cutting a character in two."""
    encoded = text.encode("utf-8")
    return text if len(encoded) <= most else encoded[:most].decode("utf-8", errors="ignore")
