"""MP4: H.264 in yuv420p with the index up front, so browsers play it as it downloads.

Encoding is pinned (thread count, bit-exact flags, no metadata) so the same frames give the same
bytes.
"""

from __future__ import annotations

from pathlib import Path

from render.encode.ffmpeg import FfmpegSink

__all__ = ["Mp4Sink", "MP4_OUTPUT"]

MP4_OUTPUT = [
    "-c:v", "libx264",
    "-pix_fmt", "yuv420p",
    "-crf", "18",
    "-preset", "medium",
    "-threads", "2",
    "-movflags", "+faststart",
    "-map_metadata", "-1",
    "-fflags", "+bitexact",
    "-flags:v", "+bitexact",
    "-an",
    "-f", "mp4",
]  # fmt: skip


class Mp4Sink(FfmpegSink):
    """Streams gray frames to ffmpeg's libx264, into an MP4."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float) -> None:
        super().__init__(path, size, fps, MP4_OUTPUT)
