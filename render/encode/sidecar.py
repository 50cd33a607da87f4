"""The upload sidecar: a JSON file beside each video with what an upload form asks for."""

from __future__ import annotations

import json
from pathlib import Path

from render.hashing import sha256_file

__all__ = ["write_sidecar"]


def write_sidecar(video: Path, *, title: str, description: str, frames: int, fps: float,
                  size: tuple[int, int], preset: str | None) -> Path:
    """Write ``<video>.json``: title, description, duration, frame rate, size, codec, bytes, sha256."""
    width, height = size
    document = {
        "file": video.name,
        "title": title,
        "description": description,
        "duration_s": round(frames / fps, 6),
        "frames": frames,
        "fps": fps,
        "width": width,
        "height": height,
        "codec": "h264",
        "profile": "High",
        "pixel_format": "yuv420p",
        "preset": preset,
        "bytes": video.stat().st_size,
        "sha256": sha256_file(video),
    }
    path = video.with_suffix(".json")
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
