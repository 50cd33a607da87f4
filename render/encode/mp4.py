"""MP4: H.264 High profile in yuv420p, closed GOPs, the index up front (``+faststart``), so browsers
play it as it loads and upload platforms accept it as it is.

Encoding is pinned (thread count, bit-exact flags, no metadata) so the same frames give the same
bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from render.encode.ffmpeg import FfmpegSink

__all__ = ["Mp4Sink", "H264", "mp4_output"]


@dataclass(frozen=True)
class H264:
    """The encoder settings a scene controls."""

    crf: int = 18
    max_kbps: int | None = None  #: a VBV cap on the bit rate
    gop: int = 25  #: frames between keyframes; every GOP is closed


def mp4_output(h264: H264) -> list[str]:
    """ffmpeg's output arguments for an MP4 with these settings."""
    cap = ["-maxrate", f"{h264.max_kbps}k", "-bufsize", f"{2 * h264.max_kbps}k"] if h264.max_kbps else []
    return [
        "-c:v", "libx264",
        "-profile:v", "high",
        "-pix_fmt", "yuv420p",
        "-crf", str(h264.crf), *cap,
        "-preset", "medium",
        "-g", str(h264.gop), "-keyint_min", str(h264.gop), "-sc_threshold", "0", "-bf", "2",
        "-x264-params", "open-gop=0",
        "-threads", "2",
        "-movflags", "+faststart",
        "-map_metadata", "-1",
        "-fflags", "+bitexact",
        "-flags:v", "+bitexact",
        "-an",
        "-f", "mp4",
    ]  # fmt: skip


class Mp4Sink(FfmpegSink):
    """Streams gray frames of ``size`` (w, h) to ffmpeg's libx264, into an MP4."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, h264: H264 = H264()) -> None:
        super().__init__(path, size, fps, mp4_output(h264))
