"""MP4: H.264 in yuv420p with the index up front, so browsers play it as it downloads.

Frames stream into the ffmpeg binary that imageio-ffmpeg ships, run with an argument list (never a
shell). Encoding is pinned (thread count, bit-exact flags, no metadata) so the same frames give the
same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from render.errors import EncodeError

__all__ = ["Mp4Sink", "MP4_OUTPUT_PARAMS"]

MP4_OUTPUT_PARAMS = [
    "-crf", "18",
    "-preset", "medium",
    "-threads", "2",
    "-movflags", "+faststart",
    "-map_metadata", "-1",
    "-fflags", "+bitexact",
    "-flags:v", "+bitexact",
]  # fmt: skip


class Mp4Sink:
    """Streams gray frames to ffmpeg (libx264, yuv420p)."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = fps
        self._writer: Any = None

    def _open(self, frame: np.ndarray) -> Any:
        import imageio_ffmpeg

        self.path.parent.mkdir(parents=True, exist_ok=True)
        height, width = frame.shape
        writer = imageio_ffmpeg.write_frames(
            str(self.path),
            (width, height),
            pix_fmt_in="gray",
            pix_fmt_out="yuv420p",
            fps=self.fps,
            codec="libx264",
            quality=None,
            macro_block_size=1,  # never let the writer rescale: sizes are validated even
            ffmpeg_log_level="error",
            output_params=MP4_OUTPUT_PARAMS,
        )
        writer.send(None)
        return writer

    def write(self, frame: np.ndarray) -> None:
        try:
            if self._writer is None:
                self._writer = self._open(frame)
            self._writer.send(np.ascontiguousarray(frame))
        except (OSError, RuntimeError) as exc:
            raise EncodeError(f"{self.path}: ffmpeg failed: {_first_line(exc)}") from None

    def close(self) -> None:
        if self._writer is None:
            return
        try:
            self._writer.close()
        except (OSError, RuntimeError) as exc:
            raise EncodeError(f"{self.path}: ffmpeg failed: {_first_line(exc)}") from None
        finally:
            self._writer = None

    def abort(self) -> None:
        """Stop ffmpeg without caring about the file (the staging folder is discarded)."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.close()
            except (OSError, RuntimeError):
                pass  # the render has already failed for another reason; that one is reported


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
