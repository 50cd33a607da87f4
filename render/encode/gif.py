"""GIF: small and faithful, written frame by frame as the frames arrive.

The frames are gray, so the palette is a gray ramp of ``colors`` levels (32 by default: each pixel
within 4 gray levels of its true value) plus one transparent entry. Each frame after the first
carries only the pixels that moved away from what is on screen by more than ``tolerance`` levels:
the rest are transparent, and the frame is cropped to the rectangle that changed (frames that change
nothing are a single transparent pixel, so the frame count and timing stay exact). Transparent runs
and few distinct values are what LZW compresses best; ``bench/gif_size.py`` compares the result
with imageio's, ffmpeg's and gifsicle's GIFs.

Delays are whole hundredths of a second, spaced so the total stays true to the frame rate (at 30
fps: 3, 4, 3, ...). The animation loops forever. LZW coding is Pillow's
(:func:`PIL.GifImagePlugin.getdata`); the container is written here.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from render.errors import EncodeError

__all__ = ["GifSink"]


class GifSink:
    """Streams gray frames of ``size`` (w, h) into a looping GIF."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, colors: int = 32, tolerance: int = 0) -> None:
        self.path = path
        self.size = size
        self.fps = fps
        self.colors = colors
        self.tolerance = tolerance
        self.frames = 0
        self._ramp = np.rint(np.arange(colors) * 255.0 / (colors - 1)).astype(np.uint8)
        self._transparent = colors
        self._shown: np.ndarray | None = None  # palette indices on screen
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._file: BinaryIO | None = path.open("wb")
            self._file.write(self._header())
        except OSError as exc:
            raise EncodeError(f"{path}: could not write GIF ({exc.strerror})") from None

    def write(self, frame: np.ndarray) -> None:
        from PIL import GifImagePlugin, Image

        if frame.shape != (self.size[1], self.size[0]):
            raise ValueError(f"frame of shape {frame.shape} sent to a GIF of size {self.size}")
        levels = np.rint(frame.astype(np.float32) * ((self.colors - 1) / 255.0)).astype(np.uint8)
        if self._shown is None:
            self._shown, patch, offset = levels.copy(), levels, (0, 0)
        else:
            moved = np.abs(levels.astype(np.int16) - self._shown) * (255 // max(self.colors - 1, 1)) > self.tolerance
            if moved.any():
                rows, cols = np.flatnonzero(moved.any(axis=1)), np.flatnonzero(moved.any(axis=0))
                top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
                region = moved[top:bottom, left:right]
                patch = np.where(region, levels[top:bottom, left:right], self._transparent).astype(np.uint8)
                self._shown[moved] = levels[moved]
                offset = (int(left), int(top))
            else:
                patch, offset = np.full((1, 1), self._transparent, np.uint8), (0, 0)
        image = Image.fromarray(patch, mode="P")
        image.putpalette(self._palette())
        delay_ms = self._delay_cs(self.frames) * 10
        chunks = GifImagePlugin.getdata(
            image, offset, duration=delay_ms, disposal=1, transparency=self._transparent
        )
        self._write(b"".join(chunks))
        self.frames += 1

    def close(self) -> None:
        if self._file is not None:
            self._write(b";")
            self._file.close()
            self._file = None

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _delay_cs(self, k: int) -> int:
        """Frame k's delay in hundredths: the step between rounded cumulative times."""
        return round((k + 1) * 100 / self.fps) - round(k * 100 / self.fps)

    def _palette(self) -> bytes:
        table = np.zeros((self._table_entries(), 3), np.uint8)
        table[: self.colors] = self._ramp[:, None]
        return table.tobytes()

    def _table_entries(self) -> int:
        return 1 << max(1, math.ceil(math.log2(self.colors + 1)))

    def _header(self) -> bytes:
        width, height = self.size
        bits = int(math.log2(self._table_entries())) - 1
        screen = struct.pack("<6sHHBBB", b"GIF89a", width, height, 0x80 | (7 << 4) | bits, 0, 0)
        loop = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # repeat forever
        return screen + self._palette() + loop

    def _write(self, data: bytes) -> None:
        assert self._file is not None
        try:
            self._file.write(data)
        except OSError as exc:
            raise EncodeError(f"{self.path}: could not write GIF ({exc.strerror})") from None
