"""Encoders: each output format is a frame sink, fed 8-bit gray frames one at a time.

A sink writes to the path it is given (inside the render's staging folder) and finishes the file on
:meth:`~FrameSink.close`. Sinks never decide where files finally live: the staging area does. The
videos (MP4, WebM, MOV) and the animated WebP stream into ffmpeg processes (:mod:`render.encode.ffmpeg`),
with an alpha channel and a soundtrack (:mod:`render.encode.audio`) where the scene asks, and the GIF
is written frame by frame, so a clip's frames are never all held in memory.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from render.encode.gif import GifSink
from render.encode.mov import MovSink
from render.encode.mp4 import H264, Mp4Sink
from render.encode.png import FramesSink, write_png
from render.encode.readout import write_readout
from render.encode.sidecar import platform_bodies, write_sidecar
from render.encode.viewer import write_viewer
from render.encode.webm import Webm, WebmSink
from render.encode.webp import Webp, WebpSink

__all__ = ["FrameSink", "GifSink", "H264", "Mp4Sink", "MovSink", "Webm", "WebmSink", "Webp", "WebpSink", "FramesSink", "write_png", "write_readout", "write_sidecar", "platform_bodies",
           "write_viewer"]


class FrameSink(Protocol):
    """Receives a clip's frames in order, then finishes its file."""

    def write(self, frame: np.ndarray) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...
