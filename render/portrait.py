"""Portraits: a face found in a photo, levelled at the eyes, and framed like the dataset's faces.

Detection is OpenCV's Haar cascade ``haarcascade_frontalface_alt2.xml`` (as in the original work),
run on the photo with a replicated border so that a face cut by the frame is still found. The eyes
(``haarcascade_eye.xml``, in the upper part of the face) give the tilt; the crop is rotated so they
are level. The framing is the Olivetti faces' own: run on the Olivetti set, the same detector finds
a box centred at 0.50 of the frame's width and 0.40 of its height, 1.13 frames wide (median over 399
of the 400 faces; ``tests/test_portrait.py`` measures it again). So the frame is the box shrunk to
:data:`FRAME_PER_BOX` of its width and moved down by :data:`FRAME_DROP` box widths: forehead to chin,
the face filling the square.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Box", "Portraits", "FRAME_PER_BOX", "FRAME_DROP", "PORTRAIT_VERSION", "match_tone"]

FRAME_PER_BOX = 1 / 1.1328  #: frame side / detected box side, measured on Olivetti
FRAME_DROP = (0.5 - 0.3965) / 1.1328  #: frame centre below box centre, in box widths
MAX_TILT = 30.0  #: degrees; eyes found at a steeper angle are taken as a misdetection
#: Changes whenever detection, alignment or framing change: part of the cache key of folder datasets.
PORTRAIT_VERSION = "haar-alt2+eyes/1"


@dataclass(frozen=True)
class Box:
    """A detected face: top-left corner and side, in photo pixels (may reach outside the photo)."""

    x: int
    y: int
    side: int

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.side / 2, self.y + self.side / 2


class Portraits:
    """Finds faces in gray photos and crops them, levelled and framed, at ``size`` pixels square."""

    def __init__(self, size: int = 64) -> None:
        import cv2

        self.size = size
        self._cv2 = cv2
        self._faces = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml")
        self._eyes = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye.xml")
        if self._faces.empty() or self._eyes.empty():
            raise RuntimeError("OpenCV's Haar cascades are missing: opencv-python-headless 4.x ships them")

    def faces(self, photo: np.ndarray) -> list[Box]:
        """Every face found, left to right."""
        pixels, border = self._bordered(photo)
        smallest = max(24, min(photo.shape) // 12)
        found = self._faces.detectMultiScale(pixels, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest))
        boxes = [Box(int(x) - border, int(y) - border, int(w)) for x, y, w, _ in found]
        return sorted(boxes, key=lambda b: b.x)

    def tilt(self, photo: np.ndarray, box: Box) -> float:
        """Angle in degrees of the line through the eyes (positive: the right eye lower), or 0 when
        two eyes are not found."""
        pixels, border = self._bordered(photo)
        x, y, side = box.x + border, box.y + border, box.side
        upper = pixels[y : y + int(side * 0.6), x : x + side]
        found = self._eyes.detectMultiScale(
            upper, scaleFactor=1.1, minNeighbors=5, minSize=(side // 10, side // 10), maxSize=(side // 3, side // 3)
        )
        centres = [(ex + ew / 2, ey + eh / 2, ew) for ex, ey, ew, eh in found]
        left = [c for c in centres if c[0] < side / 2]
        right = [c for c in centres if c[0] >= side / 2]
        if not left or not right:
            return 0.0
        (lx, ly, _), (rx, ry, _) = max(left, key=lambda c: c[2]), max(right, key=lambda c: c[2])
        angle = math.degrees(math.atan2(ry - ly, rx - lx))
        return angle if abs(angle) <= MAX_TILT and (rx - lx) > side * 0.2 else 0.0

    def crop(self, photo: np.ndarray, box: Box, tilt: float) -> np.ndarray:
        """The face framed like the dataset's, rotated by ``-tilt``, as (size, size) float32."""
        cv2 = self._cv2
        frame = box.side * FRAME_PER_BOX
        cx, cy = box.centre
        cy += FRAME_DROP * box.side
        # One affine map from the photo to a frame-sized square (rotation about the face centre),
        # then an area-averaging resize to the basis resolution (no aliasing from large photos).
        side = max(self.size, int(round(frame)))
        scale = side / frame
        rotation = cv2.getRotationMatrix2D((cx, cy), tilt, scale)
        rotation[0, 2] += side / 2 - cx
        rotation[1, 2] += side / 2 - cy
        square = cv2.warpAffine(photo.astype(np.float32), rotation, (side, side), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
        return cv2.resize(square, (self.size, self.size), interpolation=cv2.INTER_AREA)

    def _bordered(self, photo: np.ndarray) -> tuple[np.ndarray, int]:
        border = max(photo.shape) // 4
        pixels = np.rint(np.clip(photo, 0, 1) * 255).astype(np.uint8)
        return self._cv2.copyMakeBorder(pixels, border, border, border, border, self._cv2.BORDER_REPLICATE), border


def match_tone(face: np.ndarray, mean: float, std: float) -> np.ndarray:
    """The face with its brightness (mean) and contrast (standard deviation) set to the dataset's."""
    own = float(face.std())
    scaled = (face - face.mean()) * (std / own if own > 1e-6 else 1.0) + mean
    return np.clip(scaled, 0.0, 1.0).astype(np.float32)
