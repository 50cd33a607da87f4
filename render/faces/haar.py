"""The original's face detector: OpenCV's Haar cascades for the face and its eyes.

The face's box and its eyes (levelled when both are found plausibly) give the framing measured on the
Olivetti faces (:meth:`render.faces.portrait.Portraits.crop`). Faces tilted past about 25 degrees are
lost: the landmarks detector (:mod:`render.faces.landmarks`) is the default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from render.errors import DetectorError
from render.faces.photo import luma
from render.faces.portrait import MAX_TILT, NoFaceError, can_hold_a_face, chosen

if TYPE_CHECKING:
    from render.faces.portrait import Portrait, Portraits

__all__ = ["HaarDetector", "Box", "Eyes"]


@dataclass(frozen=True)
class Box:
    """A detected face: top-left corner and side, in photo pixels (may reach outside the photo)."""

    x: int
    y: int
    side: int

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.side / 2, self.y + self.side / 2


@dataclass(frozen=True)
class Eyes:
    """Centres of the left and right eye (as seen in the photo), in photo pixels."""

    left: tuple[float, float]
    right: tuple[float, float]

    @property
    def tilt(self) -> float:
        """Angle of the line through the eyes, in degrees; positive when the right eye is lower."""
        return math.degrees(math.atan2(self.right[1] - self.left[1], self.right[0] - self.left[0]))

    @property
    def midpoint(self) -> tuple[float, float]:
        return (self.left[0] + self.right[0]) / 2, (self.left[1] + self.right[1]) / 2


class HaarDetector:
    """Faces and eyes by OpenCV's Haar cascades (``photos.detector: haar``)."""

    version = "haar-alt2+eyes/2"

    def __init__(self, portraits: Portraits) -> None:
        import cv2

        self.portraits = portraits
        self._cv2 = cv2
        self._faces = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml")
        self._eyes = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye.xml")
        if self._faces.empty() or self._eyes.empty():
            raise DetectorError(
                f"OpenCV's Haar cascades (haarcascade_frontalface_alt2.xml, haarcascade_eye.xml) are "
                f"missing or unreadable in {cv2.data.haarcascades}; reinstall OpenCV 4.x: "
                f"pip install --force-reinstall 'opencv-python-headless<5'"
            )

    def frame(self, pixels: np.ndarray, name: str, person: int | str) -> Portrait:
        gray = luma(pixels)  # found in gray, cut as given
        boxes = self.faces(gray)
        if not boxes:
            raise NoFaceError(f"{name}: no face found; use a photo of a face seen from the front")
        box = chosen(boxes, person, name, lambda b: b.side)
        return self.portraits.crop(pixels, box, self.eyes(gray, box))

    def faces(self, photo: np.ndarray) -> list[Box]:
        """Every face found, left to right (none in a photo too thin to hold one)."""
        if not can_hold_a_face(photo.shape):
            return []
        pixels, border = self._bordered(photo)
        smallest = max(24, min(photo.shape) // self.portraits.min_face_divisor)
        found = self._faces.detectMultiScale(pixels, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest))
        boxes = [Box(int(x) - border, int(y) - border, int(w)) for x, y, w, _ in found]
        return sorted(boxes, key=lambda b: b.x)

    def eyes(self, photo: np.ndarray, box: Box) -> Eyes | None:
        """The two eyes in the upper part of a face, or None when not both are found plausibly
        (level within :data:`MAX_TILT` degrees, apart by at least a fifth of the face)."""
        pixels, border = self._bordered(photo)
        x, y, side = box.x + border, box.y + border, box.side
        upper = pixels[y : y + int(side * 0.6), x : x + side]
        found = self._eyes.detectMultiScale(
            upper, scaleFactor=1.1, minNeighbors=5, minSize=(side // 10, side // 10), maxSize=(side // 3, side // 3)
        )
        centres = [(ex + ew / 2 + box.x, ey + eh / 2 + box.y, ew) for ex, ey, ew, eh in found]
        left = [c for c in centres if c[0] < box.x + side / 2]
        right = [c for c in centres if c[0] >= box.x + side / 2]
        if not left or not right:
            return None
        (lx, ly, _), (rx, ry, _) = max(left, key=lambda c: c[2]), max(right, key=lambda c: c[2])
        eyes = Eyes((lx, ly), (rx, ry))
        return eyes if abs(eyes.tilt) <= MAX_TILT and rx - lx > side * 0.2 else None

    def _bordered(self, photo: np.ndarray) -> tuple[np.ndarray, int]:
        border = max(photo.shape) // 4
        pixels = np.rint(np.clip(photo, 0, 1) * 255).astype(np.uint8)
        return self._cv2.copyMakeBorder(pixels, border, border, border, border, self._cv2.BORDER_REPLICATE), border
