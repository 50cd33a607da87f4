"""Animated WebP: a looping picture for web pages, like the GIF but in full gray and with alpha.

Lossy frames are coded each whole (libwebp, one frame a picture): libwebp's animation encoder, which
codes only what changed, drops changes it judges small in lossy mode, so a slow dissolve drifts from
its frames and catches up in jumps (29 dB from the PNG frames at quality 100, against 49 dB frame by
frame at quality 90; ``bench/formats.py``). Lossless frames go through the animation encoder, which
stores only the changed rectangles and merges held frames, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from render.encode.ffmpeg import FfmpegSink

__all__ = ["WebpSink", "Webp", "webp_output", "DEFAULT_QUALITY"]

DEFAULT_QUALITY = 90  #: lossy quality when a scene gives none


@dataclass(frozen=True)
class Webp:
    """The encoder settings a scene controls."""

    lossless: bool = False
    quality: int | None = None  #: lossy quality, 0 to 100; None: DEFAULT_QUALITY


def webp_output(webp: Webp, alpha: bool = False) -> list[str]:
    """ffmpeg's output arguments for a looping animated WebP."""
    if webp.lossless:
        coder = ["-c:v", "libwebp_anim", "-lossless", "1", "-compression_level", "1",
                 "-pix_fmt", "bgra" if alpha else "bgr0"]
    else:
        quality = DEFAULT_QUALITY if webp.quality is None else webp.quality
        coder = ["-c:v", "libwebp", "-quality", str(quality), "-pix_fmt", "yuva420p" if alpha else "yuv420p"]
    return [*coder, "-loop", "0", "-threads", "1", "-an", "-map_metadata", "-1", "-fflags", "+bitexact", "-f", "webp"]


class WebpSink(FfmpegSink):
    """Streams gray frames of ``size`` (w, h), and their alpha when given, into an animated WebP."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, webp: Webp | None = None,
                 alpha: np.ndarray | None = None) -> None:
        webp = webp or Webp()
        self.facts = {"codec": "webp", "lossless": webp.lossless, "alpha": alpha is not None}
        super().__init__(path, size, fps, webp_output(webp, alpha is not None), alpha)
