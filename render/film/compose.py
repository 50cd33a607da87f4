"""Composition: a float face becomes an output frame (padding, scaling, placing, 8-bit pixels)."""

from __future__ import annotations

from dataclasses import dataclass, replace

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

    def __call__(self, face: np.ndarray) -> np.ndarray:
        """(h, w) float face to a uint8 frame: (size, size), or (height, width) of ``frame``."""
        face = face.astype(np.float32)
        if self.pad_value is None:
            padded = np.pad(face, self.padding, mode="edge")
        else:
            padded = np.pad(face, self.padding, constant_values=self.pad_value)
        if padded.shape != (self.size, self.size):
            import cv2

            if self.interpolation in _RINGING and self.pad_value is not None and self.padding:
                padded = self._soft_edged(face)
            else:
                resized = cv2.resize(
                    padded, (self.size, self.size), interpolation=_INTERPOLATION[self.interpolation]
                )
                padded = _antiring(resized, padded) if self.interpolation in _RINGING else resized
        square = to_pixels(padded)
        width, height = self.frame_size
        if (width, height) == (self.size, self.size):
            return square
        out = np.full((height, width), to_pixels(np.float32(self.background)), np.uint8)
        left, top = self.origin
        out[top : top + self.size, left : left + self.size] = square
        return out


    def _soft_edged(self, face: np.ndarray) -> np.ndarray:
        """The face scaled on its own border (its edge pixels repeated: nothing for the kernel to
        overshoot at), then laid on the padding through the padding's own edge scaled linearly.

        Scaled together, the sharp step from the face to a flat padding makes cubic and Lanczos
        kernels overshoot by up to a tenth of the range for several rows; clamped to the source pixels
        around them, those rows became flat blocks, one per source pixel, along the edge (a beaded
        row). Apart, the face keeps its kernel's sharpness up to its edge, and the edge itself is a
        soft ramp one source pixel wide. The viewer's script composes its frames the same way.
        """
        import cv2

        size, kernel = (self.size, self.size), _INTERPOLATION[self.interpolation]
        inner = np.pad(face, self.padding, mode="edge")
        sharp = _antiring(cv2.resize(inner, size, interpolation=kernel), inner)
        inside = np.pad(np.ones_like(face), self.padding, constant_values=0.0)
        edge = cv2.resize(inside, size, interpolation=cv2.INTER_LINEAR)
        return sharp * edge + np.float32(self.pad_value) * (np.float32(1.0) - edge)

    def mask(self, shape: tuple[int, int]) -> np.ndarray:
        """The alpha channel (uint8) of this canvas's frames for faces of ``shape``: 255 on the face and
        the overlay's band, 0 on the padding and the frame, the face's edge scaled as the face is."""
        alpha = replace(self, pad_value=0.0, background=0.0)(np.ones(shape, np.float32))
        if self.band:
            left, top, right, bottom = self.band_box
            alpha[top:bottom, left:right] = 255
        return alpha


def _antiring(resized: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Clamp each upscaled pixel between the least and the greatest of the 2x2 source pixels around
    it (OpenCV's coordinate mapping: source x = (x + 0.5) * scale - 0.5).

    Cubic and Lanczos kernels overshoot next to a sharp edge: beside the black padding they would
    draw a light line just inside the face's border. Away from edges nothing changes (a smooth face
    stays within its neighbours); the viewer's script clamps the same way.
    """
    rows = _neighbours(source.shape[0], resized.shape[0])
    cols = _neighbours(source.shape[1], resized.shape[1])
    corners = [source[r][:, c] for r in rows for c in cols]
    low = np.minimum(np.minimum(corners[0], corners[1]), np.minimum(corners[2], corners[3]))
    high = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
    return np.minimum(np.maximum(resized, low), high)


def _neighbours(source: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``size`` output positions, the source positions just before and after it."""
    before = np.floor((np.arange(size) + 0.5) * (source / size) - 0.5).astype(np.intp)
    return np.clip(before, 0, source - 1), np.clip(before + 1, 0, source - 1)


def to_pixels(image: np.ndarray) -> np.ndarray:
    """Float image to uint8: the only place values are clipped to [0, 1]."""
    return np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
