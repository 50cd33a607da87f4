"""GIF: small and faithful, written frame by frame as the frames arrive.

The frames are gray, so the palette is a gray ramp of ``colors`` levels plus one transparent entry.
Values between two levels are drawn with an ordered dither (an 8x8 Bayer matrix, fixed to the frame):
a smooth cheek becomes a fine, even mix of its two nearest grays instead of flat contour bands, and
since every pixel's threshold is the same in every frame, a pixel changes only when its value crosses
it: unchanged regions stay unchanged, nothing crawls, and the frame-to-frame differences stay small.
Chosen by measurement (``bench/gif_size.py``): seen through a blur (sigma 2 px at 512 px, how the eye
averages a dither) the dithered frames are within 58 dB of the PNG frames where flat levels are at
47 dB, and the Bayer pattern's regularity keeps LZW's tables short (blue noise measured 2-4% larger
at the same quality). Each frame after the first
carries only the pixels that moved away from what is on screen by more than ``tolerance`` levels:
the rest are transparent, and the frame is cropped to the rectangle that changed (frames that change
nothing are a single transparent pixel, so the frame count and timing stay exact). Transparent runs
and few distinct values are what LZW compresses best; ``bench/gif_size.py`` compares the result
with imageio's, ffmpeg's and gifsicle's GIFs.

Frames are coded on a pump's thread (Pillow's LZW coder releases the GIL), while the render composes
the next ones. Delays are whole hundredths of a second, spaced so the total stays true to the frame rate (at 30
fps: 3, 4, 3, ...). The animation loops forever. LZW coding is Pillow's
(:func:`PIL.GifImagePlugin.getdata`); the container is written here.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from render.encode.pump import Pump
from render.errors import WRITE_ERRNOS, EncodeError

__all__ = ["GifSink", "bayer", "header", "join"]


def bayer(side: int = 8) -> np.ndarray:
    """The ``side`` x ``side`` Bayer matrix (side a power of two): each rank 0 .. side² - 1 once,
    every rank's neighbours as far from it in value as can be."""
    matrix = np.zeros((1, 1), np.int32)
    while matrix.shape[0] < side:
        matrix = np.block([[4 * matrix, 4 * matrix + 2], [4 * matrix + 3, 4 * matrix + 1]])
    return matrix


def _ranks(size: tuple[int, int]) -> np.ndarray:
    """The 8x8 Bayer rank (0..63) of every pixel of a frame of ``size`` (w, h)."""
    width, height = size
    return np.tile(bayer(8), (height // 8 + 1, width // 8 + 1))[:height, :width]


def _dither_table(colors: int) -> np.ndarray:
    """The palette index of gray v at Bayer rank r, at [r * 256 + v]: floor(v (c-1) / 255 + t) with the
    threshold t = (2r + 1) / 128, in integers, so every platform draws the same pixels."""
    value, rank = np.arange(256), np.arange(64)[:, None]
    scaled = value * (128 * (colors - 1)) + 255 * (2 * rank + 1)
    return np.minimum(scaled // (255 * 128), colors - 1).astype(np.uint8).ravel()


class GifSink:
    """Streams gray frames of ``size`` (w, h) into a looping GIF; RGB frames (h, w, 3) with ``colour``."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, colors: int = 32, tolerance: int = 0,
                 dither: bool = True, start: int = 0, colour: bool = False) -> None:
        """``start``: the GIF's frame this one's first frame is (a part of a long GIF, to be joined by
        :func:`join`), for the delays to fall as in one GIF. ``colour``: the palette is the
        :data:`CUBE` of colours (``colors`` is for gray GIFs), each channel dithered as a gray is."""
        self.path = path
        self.size = size
        self.fps = fps
        self.colour = colour
        self.colors = colors = CUBE_COLOURS if colour else colors
        self.tolerance = tolerance
        self.dither = dither
        self.facts = {"codec": "gif", "colors": colors, "fps": fps, "width": size[0], "height": size[1]}
        self.frames = start
        self._palette_bytes = _palette(colors, colour)
        self._ramp = np.rint(np.arange(colors) * 255.0 / (colors - 1)).astype(np.uint8)
        self._index = np.rint(np.arange(256) * ((colors - 1) / 255.0)).astype(np.uint8)  # gray -> palette
        self._table = _dither_table(colors) if dither else None
        if colour:  # per channel: its levels' nearest or dithered index, and the palette's colours
            self._index = [np.rint(np.arange(256) * ((n - 1) / 255.0)).astype(np.uint8) for n in CUBE]
            self._table = [_dither_table(n) for n in CUBE] if dither else None
            self._colours = np.frombuffer(self._palette_bytes, np.uint8).reshape(-1, 3).astype(np.int16)
        self._offset = (_ranks(size) * 256).astype(np.uint16) if dither else None  #: each pixel's row of the table
        self._transparent = colors
        self._shown: np.ndarray | None = None  # palette indices on screen
        self._last: np.ndarray | None = None  # the frame encoded last (held to know it when it comes again)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._file: BinaryIO | None = path.open("wb")
            self._file.write(header(size, colors, colour))
        except OSError as exc:
            if exc.errno in WRITE_ERRNOS:
                raise  # the disk's doing: said by the staging folder, naming the real destination
            raise EncodeError(f"{path}: could not write GIF ({exc.strerror})") from exc  # --debug shows the original
        self._pump: Pump[np.ndarray] = Pump(self._encode)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.size[1], self.size[0], *((3,) if self.colour else ())):
            raise ValueError(f"frame of shape {frame.shape} sent to a GIF of size {self.size}")
        self._pump.put(frame)

    def _encode(self, frame: np.ndarray) -> None:
        """On the pump's thread: one frame, as the pixels that moved, appended to the file."""
        from PIL import GifImagePlugin, Image

        if frame is self._last:  # the same frame again (a hold): nothing moves
            patch, offset = np.full((1, 1), self._transparent, np.uint8), (0, 0)
        else:
            patch, offset = self._changes(frame)
        self._last = frame
        image = Image.fromarray(patch, mode="P")
        image.putpalette(self._palette())
        delay_ms = self._delay_cs(self.frames) * 10
        chunks = GifImagePlugin.getdata(
            image, offset, duration=delay_ms, disposal=1, transparency=self._transparent
        )
        self._write(b"".join(chunks))
        self.frames += 1

    def _changes(self, frame: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """The rectangle of ``frame`` that moved away from what is on screen, what did not transparent,
        and its offset; what is on screen updated."""
        levels = self._levels(frame)
        if self._shown is None:
            self._shown, patch, offset = levels, levels, (0, 0)
        else:
            if self.tolerance == 0:
                moved = levels != self._shown
            elif self.colour:  # the most any channel moved
                moved = np.abs(self._colours[levels] - self._colours[self._shown]).max(axis=-1) > self.tolerance
            else:
                drift = np.abs(np.take(self._ramp, levels).astype(np.int16) - np.take(self._ramp, self._shown))
                moved = drift > self.tolerance
            rows, cols = np.flatnonzero(moved.any(axis=1)), np.flatnonzero(moved.any(axis=0))
            if len(rows):
                window = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
                region, fresh, shown = moved[window], levels[window], self._shown[window]
                patch = np.where(region, fresh, np.uint8(self._transparent))
                np.copyto(shown, fresh, where=region)
                offset = (int(cols[0]), int(rows[0]))
            else:
                patch, offset = np.full((1, 1), self._transparent, np.uint8), (0, 0)
        return patch, offset

    def _levels(self, frame: np.ndarray) -> np.ndarray:
        """Palette indices of a frame: the nearest level, or the ordered dither between the two nearest
        (looked up by the pixel's Bayer rank and gray: see :func:`_dither_table`). Black and white stay
        pure. In colour, each channel's index so, combined as the :data:`CUBE`'s index."""
        if self.colour:
            if self._table is None:
                r, g, b = (np.take(self._index[c], frame[..., c]) for c in range(3))
            else:
                r, g, b = (np.take(self._table[c], self._offset + frame[..., c]) for c in range(3))
            return (r * (CUBE[1] * CUBE[2]) + g * CUBE[2] + b).astype(np.uint8)
        if self._table is None:
            return np.take(self._index, frame)
        return np.take(self._table, self._offset + frame)

    def close(self) -> None:
        if self._file is not None:
            self._pump.finish()
            self._write(b";")
            self._file.close()
            self._file = None

    def abort(self) -> None:
        self._pump.cancel()
        if self._file is not None:
            self._file.close()
            self._file = None

    def _delay_cs(self, k: int) -> int:
        """Frame k's delay in hundredths: the step between rounded cumulative times."""
        return round((k + 1) * 100 / self.fps) - round(k * 100 / self.fps)

    def _palette(self) -> bytes:
        return self._palette_bytes

    def _write(self, data: bytes) -> None:
        assert self._file is not None
        try:
            self._file.write(data)
        except OSError as exc:
            if exc.errno in WRITE_ERRNOS:
                raise
            raise EncodeError(f"{self.path}: could not write GIF ({exc.strerror})") from exc  # --debug shows the original


def _entries(colors: int) -> int:
    return 1 << max(1, math.ceil(math.log2(colors + 1)))


def _palette(colors: int, colour: bool = False) -> bytes:
    """The gray ramp of ``colors`` levels (in colour: the :data:`CUBE`), padded to a power of two (the
    transparent entry among them)."""
    table = np.zeros((_entries(colors), 3), np.uint8)
    if colour:
        r, g, b = np.meshgrid(*(np.rint(np.arange(n) * 255.0 / (n - 1)) for n in CUBE), indexing="ij")
        table[:CUBE_COLOURS] = np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1).astype(np.uint8)
        return table.tobytes()
    table[:colors] = np.rint(np.arange(colors) * 255.0 / (colors - 1)).astype(np.uint8)[:, None]
    return table.tobytes()


#: A colour GIF's palette: 6 levels of red, 7 of green (the eye tells greens apart best) and 6 of blue,
#: 252 colours and the transparent entry, each channel dithered between its two nearest levels.
CUBE = (6, 7, 6)
CUBE_COLOURS = CUBE[0] * CUBE[1] * CUBE[2]


def header(size: tuple[int, int], colors: int, colour: bool = False) -> bytes:
    """What a looping GIF of ``size`` (w, h) and ``colors`` gray levels (or the colour cube) begins with:
    its screen, the global palette, and the loop forever."""
    width, height = size
    colors = CUBE_COLOURS if colour else colors
    bits = int(math.log2(_entries(colors))) - 1
    screen = struct.pack("<6sHHBBB", b"GIF89a", width, height, 0x80 | (7 << 4) | bits, 0, 0)
    loop = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # repeat forever
    return screen + _palette(colors, colour) + loop


def join(parts: list[Path], path: Path, size: tuple[int, int], colors: int, colour: bool = False) -> None:
    """One GIF of ``parts`` (GIFs of one size and palette, each starting with a whole frame, their
    delays counted from where they start: see :class:`GifSink`'s ``start``): the frames of each, in
    order, after one header."""
    head = header(size, colors, colour)
    with path.open("wb") as out:
        out.write(head)
        for part in parts:
            data = part.read_bytes()
            if not data.startswith(head) or not data.endswith(b";"):
                raise EncodeError(f"{part}: not a part of this GIF ({size[0]}x{size[1]}, {colors} colours); render again")
            out.write(data[len(head) : -1])
        out.write(b";")
