"""Encoders: each output format is a frame sink, fed the same 8-bit gray frames one at a time.

A sink writes to the path it is given (inside the render's staging folder) and finishes the file on
:meth:`~FrameSink.close`. Sinks never decide where files finally live: the staging area does. MP4
and GIF stream into ffmpeg processes (:mod:`render.encode.ffmpeg`), so a clip's frames are never
all held in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from render.encode.gif import GifSink
from render.encode.mp4 import Mp4Sink
from render.encode.png import FramesSink, write_png

__all__ = ["FrameSink", "GifSink", "Mp4Sink", "FramesSink", "write_png", "open_sinks"]


class FrameSink(Protocol):
    """Receives a clip's frames in order, then finishes its file."""

    def write(self, frame: np.ndarray) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


def open_sinks(
    formats: tuple[str, ...], folder: Path, clip: str, size: tuple[int, int], fps: float
) -> list[FrameSink]:
    """One sink per frame format requested (``mp4``, ``gif``, ``frames``) for the clip ``clip``,
    whose frames are ``size`` (w, h)."""
    sinks: list[FrameSink] = []
    if "mp4" in formats:
        sinks.append(Mp4Sink(folder / f"{clip}.mp4", size, fps))
    if "gif" in formats:
        sinks.append(GifSink(folder / f"{clip}.gif", size, fps))
    if "frames" in formats:
        sinks.append(FramesSink(folder / "frames" / clip))
    return sinks
