"""Composition: a float face becomes an output frame (padding, scaling, placing, 8-bit pixels)."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

__all__ = ["Canvas", "to_pixels"]

_INTERPOLATION = {"nearest": 0, "linear": 1, "cubic": 2, "area": 3, "lanczos": 4}  # cv2.INTER_*
_RINGING = ("cubic", "lanczos")  #: kernels with negative lobes: they overshoot at edges


@dataclass(frozen=True)
class Canvas:
    """Pads a face by ``padding`` source pixels of ``pad_value`` (None: the face's own border pixels
    repeated, for a film whose padding is made transparent by its :meth:`mask`, so no gray of the
    padding bleeds into the face's edge), scales it to ``size`` squared, and
    places that square on a ``frame`` (width, height) of ``background`` gray, when one is given
    (never stretched: the frame's spare width or height is background). ``band`` rows right under
    the face are kept free of it (for the overlay); a frame left to the canvas grows by them. The face
    and its band are centred together in ``safe`` (left, top, right, bottom pixels of the frame: a
    platform's safe zone), or in the whole frame."""

    padding: int
    pad_value: float | None
    size: int
    interpolation: str = "cubic"
    frame: tuple[int, int] | None = None
    background: float = 0.0
    band: int = 0
    safe: tuple[int, int, int, int] | None = None

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the frames this canvas makes."""
        return self.frame or (self.size, self.size + self.band)

    @property
    def origin(self) -> tuple[int, int]:
        """(left, top) of the face square in the frame."""
        width, height = self.frame_size
        left, top, right, bottom = self.safe or (0, 0, width, height)
        block = self.size + self.band
        y = min(max(top + (bottom - top - block) // 2, 0), height - block)
        x = min(max(left + (right - left - self.size) // 2, 0), width - self.size)
        return x, y

    @property
    def band_box(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of the overlay's band: right under the face, as wide as it."""
        x, y = self.origin
        return x, y + self.size, x + self.size, y + self.size + self.band

    def __call__(self, face: np.ndarray, detail: np.ndarray | None = None) -> np.ndarray:
        """(h, w) float face to a uint8 frame: (size, size), or (height, width) of ``frame``; an RGB face
        (h, w, 3) to an RGB frame. ``detail`` (the square's shape, float32) is added to the scaled square
        before it becomes pixels.

        Every step but the last works in this thread's scratch arrays (a film's frames are all the same
        size): no frame-sized array is allocated, filled with zero pages and given back per frame."""
        square = self.square(face)
        if detail is not None:
            square += detail
        square = _to_pixels_in_place(square)
        width, height = self.frame_size
        if (width, height) == (self.size, self.size):
            return square
        out = np.full((height, width, *square.shape[2:]), to_pixels(np.float32(self.background)), np.uint8)
        left, top = self.origin
        out[top : top + self.size, left : left + self.size] = square
        return out

    def square(self, face: np.ndarray) -> np.ndarray:
        """The face padded and scaled to (size, size), float32, before it becomes pixels: this thread's
        scratch array (overwritten by the next call), or a new one when no scaling is needed."""
        import cv2

        face = face.astype(np.float32, copy=False)
        side = face.shape[0] + 2 * self.padding, face.shape[1] + 2 * self.padding
        if side == (self.size, self.size):
            return self._padded(face, self.pad_value)
        scaled = _scratch("scaled", (self.size, self.size, *face.shape[2:]))
        if self.interpolation in _RINGING and self.pad_value is not None and self.padding:
            self._soft_edged(face, scaled)
        else:
            padded = self._padded(face, self.pad_value)
            cv2.resize(padded, (self.size, self.size), dst=scaled, interpolation=_INTERPOLATION[self.interpolation])
            if self.interpolation in _RINGING:
                _antiring(scaled, padded)
        return scaled

    def inside(self, shape: tuple[int, int]) -> np.ndarray:
        """Where a face of ``shape`` lies in this canvas's square: 1 on the face, 0 on the padding, a
        linear ramp one source pixel wide between (the soft edge the faces are laid on the padding with)."""
        return _edge(tuple(shape[:2]), self.padding, self.size, 0.0)[0]

    def _padded(self, face: np.ndarray, value: float | None) -> np.ndarray:
        """The face with ``padding`` pixels of ``value`` around it (None: its border pixels repeated)."""
        import cv2

        pad = self.padding
        if value is None:
            return cv2.copyMakeBorder(face, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        return cv2.copyMakeBorder(face, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(float(np.float32(value)),) * 4)

    def _soft_edged(self, face: np.ndarray, scaled: np.ndarray) -> None:
        """The face scaled on its own border (its edge pixels repeated: nothing for the kernel to
        overshoot at), then laid on the padding through the padding's own edge scaled linearly, into
        ``scaled``.

        Scaled together, the sharp step from the face to a flat padding makes cubic and Lanczos
        kernels overshoot by up to a tenth of the range for several rows; clamped to the source pixels
        around them, those rows became flat blocks, one per source pixel, along the edge (a beaded
        row). Apart, the face keeps its kernel's sharpness up to its edge, and the edge itself is a
        soft ramp one source pixel wide. The viewer's script composes its frames the same way.
        """
        import cv2

        inner = self._padded(face, None)
        cv2.resize(inner, (self.size, self.size), dst=scaled, interpolation=_INTERPOLATION[self.interpolation])
        _antiring(scaled, inner)
        edge, under = _edge(face.shape[:2], self.padding, self.size, float(self.pad_value))
        if scaled.ndim == 3:  # colour: one edge for every channel
            edge, under = edge[..., None], under[..., None]
        scaled *= edge
        scaled += under

    def mask(self, shape: tuple[int, int]) -> np.ndarray:
        """The alpha channel (uint8) of this canvas's frames for faces of ``shape``: 255 on the face and
        the overlay's band, 0 on the padding and the frame, the face's edge scaled as the face is."""
        alpha = replace(self, pad_value=0.0, background=0.0)(np.ones(shape[:2], np.float32))
        if self.band:
            left, top, right, bottom = self.band_box
            alpha[top:bottom, left:right] = 255
        return alpha


def _antiring(resized: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Clamp each upscaled pixel between the least and the greatest of the 2x2 source pixels around
    it (OpenCV's coordinate mapping: source x = (x + 0.5) * scale - 0.5), in place.

    Cubic and Lanczos kernels overshoot next to a sharp edge: beside the black padding they would
    draw a light line just inside the face's border. Away from edges nothing changes (a smooth face
    stays within its neighbours); the viewer's script clamps the same way.

    The bounds are taken on the source grid first (each 2x2 block's least and greatest, a few
    thousand values), then spread to the output's pixels: across a row, then row by row.
    """
    rows, cols = _neighbours(source.shape[0], resized.shape[0]), _neighbours(source.shape[1], resized.shape[1])
    (top, bottom), (left, right) = rows.pairs, cols.pairs
    for name, pick, clamp in (("low", np.minimum, np.maximum), ("high", np.maximum, np.minimum)):
        across = pick(np.take(source, left, axis=1), np.take(source, right, axis=1))  # source rows x pairs
        block = pick(np.take(across, top, axis=0), np.take(across, bottom, axis=0))  # pairs x pairs: small
        bound = _scratch(name, resized.shape)
        np.take(np.take(block, cols.index, axis=1), rows.index, axis=0, out=bound, mode="clip")  # rows copied whole
        clamp(resized, bound, out=resized)
    return resized


class _Pairs(NamedTuple):
    """The distinct (before, after) source positions around ``size`` output positions, and the pair of
    each output position (an index into them)."""

    pairs: tuple[np.ndarray, np.ndarray]
    index: np.ndarray


@functools.lru_cache(maxsize=32)
def _neighbours(source: int, size: int) -> _Pairs:
    """For each of ``size`` output positions, the source positions just before and after it."""
    before = np.clip(np.floor((np.arange(size) + 0.5) * (source / size) - 0.5).astype(np.intp), 0, source - 1)
    distinct, index = np.unique(before, return_inverse=True)
    return _Pairs((distinct, np.minimum(distinct + 1, source - 1)), index)


@functools.lru_cache(maxsize=32)
def _edge(shape: tuple[int, int], padding: int, size: int, pad_value: float) -> tuple[np.ndarray, np.ndarray]:
    """The soft edge of a face of ``shape`` padded and scaled to ``size`` (1 on the face, 0 on the
    padding, a linear ramp between) and what the padding lays under it: the same for every frame."""
    import cv2

    inside = np.pad(np.ones(shape, np.float32), padding, constant_values=0.0)
    edge = cv2.resize(inside, (size, size), interpolation=cv2.INTER_LINEAR)
    under = np.float32(pad_value) * (np.float32(1.0) - edge)
    edge.flags.writeable = under.flags.writeable = False
    return edge, under


def to_pixels(image: np.ndarray) -> np.ndarray:
    """Float image to uint8: the only place values are clipped to [0, 1]."""
    if image.ndim == 0 or image.dtype != np.float32:
        return np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    return _to_pixels_in_place(image.copy())


def _to_pixels_in_place(image: np.ndarray) -> np.ndarray:
    """:func:`to_pixels` of a float32 image, worked out in the image itself: the same pixels in two
    passes instead of four. The clip to [0, 1] here (before it, OpenCV's conversion would wrap values
    past 2**31 / 255, infinity included, to black); OpenCV's conversion then scales by 255 in float32,
    rounds half to even (as ``np.rint``) and makes 8 bits: tested equal to :func:`to_pixels`'s numpy
    path, ties, the values either side of them, huge values and infinities included."""
    import cv2

    np.clip(image, 0.0, 1.0, out=image)
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4)):  # a gray or colour frame
        return cv2.convertScaleAbs(image, alpha=255.0)
    image *= np.float32(255.0)  # any other shape: numpy's own passes
    return np.rint(image, out=image).astype(np.uint8)


_scratches = threading.local()


def _scratch(name: str, shape: tuple[int, int]) -> np.ndarray:
    """This thread's float32 scratch array ``name`` of ``shape``, made once and reused frame after frame."""
    kept = getattr(_scratches, "arrays", None)
    if kept is None:
        kept = _scratches.arrays = {}
    array = kept.get(name)
    if array is None or array.shape != shape:
        array = kept[name] = np.empty(shape, np.float32)
    return array
