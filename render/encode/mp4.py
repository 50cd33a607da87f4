"""MP4: H.264 in yuv420p with the index up front, so browsers play it as it downloads.

Frames stream into the ffmpeg binary that imageio-ffmpeg ships, started with an argument list (never
a shell). Its exit status is checked and its last error line reported. Encoding is pinned (thread
count, bit-exact flags, no metadata) so the same frames give the same bytes.
"""

from __future__ import annotations

import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import IO

import numpy as np

from render.errors import EncodeError

__all__ = ["Mp4Sink", "MP4_OUTPUT_PARAMS", "ffmpeg_command"]

MP4_OUTPUT_PARAMS = [
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
]  # fmt: skip


def ffmpeg_command(size: tuple[int, int], fps: float, source: str, path: Path) -> list[str]:
    """The ffmpeg argument list that encodes raw gray frames of ``size`` (w, h) from ``source``."""
    import imageio_ffmpeg

    width, height = size
    rate = str(Fraction(fps).limit_denominator(1001))
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{width}x{height}", "-r", rate, "-i", source,
        *MP4_OUTPUT_PARAMS,
        "-f", "mp4", str(path),
    ]  # fmt: skip


class Mp4Sink:
    """Streams gray frames to ffmpeg (libx264, yuv420p)."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = fps
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def write(self, frame: np.ndarray) -> None:
        if self._process is None:
            self._start(frame.shape[1], frame.shape[0])
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
        except BrokenPipeError:  # ffmpeg quit early: its log says why
            self._finish()

    def close(self) -> None:
        if self._process is not None:
            self._finish()

    def abort(self) -> None:
        """Stop ffmpeg without caring about the file (the staging folder is discarded)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _start(self, width: int, height: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._log = tempfile.TemporaryFile()
        command = ffmpeg_command((width, height), self.fps, "pipe:0", self.path)
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log
        )

    def _finish(self) -> None:
        process, log = self._process, self._log
        assert process is not None and process.stdin is not None and log is not None
        try:
            process.stdin.close()
        except BrokenPipeError:
            pass  # already gone; the exit status below tells
        status = process.wait()
        self._process, self._log = None, None
        log.seek(0)
        lines = log.read().decode("utf-8", "replace").strip().splitlines()
        log.close()
        if status != 0:
            reason = lines[-1] if lines else f"exit status {status}"
            raise EncodeError(f"{self.path}: ffmpeg failed: {reason}")
