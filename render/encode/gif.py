"""GIF: an endlessly looping animation, streamed through ffmpeg's GIF encoder.

Gray frames fit the 256-entry palette exactly, so the GIF holds the frames' very pixels. ffmpeg
writes each frame as the rectangle that changed, with unchanged pixels transparent, and spaces the
frames' delays (whole hundredths of a second) so that the total stays true to the frame rate: at
30 fps the delays run 3, 4, 3, ...
"""

from __future__ import annotations

from pathlib import Path

from render.encode.ffmpeg import FfmpegSink

__all__ = ["GifSink", "GIF_OUTPUT"]

GIF_OUTPUT = ["-loop", "0", "-f", "gif"]


class GifSink(FfmpegSink):
    """Streams gray frames to ffmpeg's GIF encoder."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float) -> None:
        super().__init__(path, size, fps, GIF_OUTPUT)
