"""Composition: a float face becomes an output frame (padding, upscaling, 8-bit pixels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Canvas", "to_pixels"]

_INTERPOLATION = {"nearest": 0, "linear": 1, "cubic": 2, "area": 3, "lanczos": 4}  # cv2.INTER_*


@dataclass(frozen=True)
class Canvas:
    """Pads a face by ``padding`` source pixels of ``pad_value`` and scales it to ``size`` squared."""

    padding: int
    pad_value: float
    size: int
    interpolation: str = "cubic"

    def __call__(self, face: np.ndarray) -> np.ndarray:
        """(h, w) float face to a (size, size) uint8 frame."""
        padded = np.pad(face.astype(np.float32), self.padding, constant_values=self.pad_value)
        if padded.shape != (self.size, self.size):
            import cv2

            padded = cv2.resize(
                padded, (self.size, self.size), interpolation=_INTERPOLATION[self.interpolation]
            )
        return to_pixels(padded)


def to_pixels(image: np.ndarray) -> np.ndarray:
    """Float image to uint8: the only place values are clipped to [0, 1]."""
    return np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
