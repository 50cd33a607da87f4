"""Animated WebP: a looping picture for web pages, like the GIF but in full gray and with alpha.

Lossy frames are coded each whole (libwebp, one frame a picture): libwebp's animation encoder, which
codes only what changed, drops changes it judges small in lossy mode, so a slow dissolve drifts from
its frames and catches up in jumps (29 dB from the PNG frames at quality 100, against 49 dB frame by
frame at quality 90; ``bench/formats.py``). ffmpeg's WebP muxer marks every such frame to be
alpha-blended over the one before: each frame's half-transparent edge would pile up over the last
(the edge's alpha climbing from 20 to 240 in 50 frames), so once written every frame is marked to
replace the one before. Lossless frames go through the animation encoder, which stores only the
changed rectangles (blending them as it means to) and merges held frames, exactly.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from render.encode.ffmpeg import FfmpegSink
from render.scene import OutputSpec

__all__ = ["WebpSink", "Webp", "webp_output", "open_sink", "DEFAULT_QUALITY"]

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
                 alpha: np.ndarray | None = None, colour: bool = False) -> None:
        webp = webp or Webp()
        self.lossless = webp.lossless
        self.facts = {"codec": "webp", "lossless": webp.lossless, "alpha": alpha is not None,
                      "pixel_format": ("bgra" if alpha is not None else "bgr0") if webp.lossless else
                      ("yuva420p" if alpha is not None else "yuv420p")}
        super().__init__(path, size, fps, webp_output(webp, alpha is not None), alpha, colour=colour)

    def close(self) -> None:
        super().close()
        if not self.lossless:
            _replacing(self.path)


def _replacing(path: Path) -> None:
    """Mark every frame of the animated WebP at ``path`` "do not blend" (each replaces the one before,
    alpha and all), and its background transparent; the file is rewritten whole, then renamed."""
    data = bytearray(path.read_bytes())
    offset = 12  # after RIFF, the size, WEBP
    while offset + 8 <= len(data):
        tag, size = bytes(data[offset : offset + 4]), struct.unpack_from("<I", data, offset + 4)[0]
        if tag == b"ANIM":
            data[offset + 8 : offset + 12] = bytes(4)  # background colour: transparent
        elif tag == b"ANMF":
            data[offset + 8 + 15] |= 0b10  # blending method: do not blend (disposal, bit 0, kept)
        offset += 8 + size + (size & 1)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def open_sink(path: Path, size: tuple[int, int], fps: float, output: OutputSpec, alpha: np.ndarray | None,
              track: Path | None, colour: bool = False) -> WebpSink:
    """The animated WebP of a film of ``size`` at ``fps``, as the scene's ``output`` section asks (the
    format registry's entry point: :mod:`render.ground.formats`)."""
    del track  # an animation: no sound
    return WebpSink(path, size, fps, Webp(output.webp.lossless, output.webp.quality), alpha, colour)
