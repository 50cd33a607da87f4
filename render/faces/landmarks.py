"""The default face detector: MediaPipe's BlazeFace (:mod:`render.faces.blazeface`), run by OpenCV.

It finds faces at any tilt within 40 degrees; the face is framed by the similarity transform that
takes its eyes and nose tip to where they sit in the Olivetti faces
(:meth:`render.faces.portrait.Portraits.align`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from render.faces.blazeface import BlazeFace, Detection
from render.faces.photo import luma
from render.faces.portrait import TEMPLATE, NoFaceError, chosen, similarity

if TYPE_CHECKING:
    from render.faces.portrait import Portrait, Portraits

__all__ = ["LandmarkDetector"]


class LandmarkDetector:
    """Faces and their landmarks by BlazeFace full range (``photos.detector: landmarks``)."""

    version = "blazeface-full+similarity/1"

    def __init__(self, portraits: Portraits) -> None:
        import cv2

        self.portraits = portraits
        self._cv2 = cv2
        self.blazeface = BlazeFace()

    def frame(self, pixels: np.ndarray, name: str, person: int | str) -> Portrait:
        gray = np.rint(np.clip(luma(pixels), 0, 1) * 255).astype(np.uint8)  # found in gray, cut as given
        smallest = max(24, min(pixels.shape[:2]) // self.portraits.min_face_divisor)
        found = self._detections(gray, smallest)
        if not found:
            raise NoFaceError(f"{name}: no face found; use a photo where a face is seen, tilted less than 40 degrees")
        face = chosen(found, person, name, lambda d: d.box[2])
        return self.portraits.align(pixels, self._refined(gray, face.keypoints[:3]), name)

    def _detections(self, gray: np.ndarray, smallest: int) -> list[Detection]:
        """The faces at least ``smallest`` pixels wide, left to right. When the photo shows none, it is
        looked at again on a black margin of half its side all round: the detector wants room around
        a face that fills the photo (a passport crop, a dataset's own faces; 40 of 40 Olivetti faces
        at 192 px are found so, none without), and a face cut by the edge is found without it."""
        found = self.blazeface.detect(gray)
        margin = 0
        if not found:
            margin = max(gray.shape) // 2
            found = self.blazeface.detect(self._cv2.copyMakeBorder(gray, margin, margin, margin, margin,
                                                                    self._cv2.BORDER_CONSTANT, value=0))
        shifted = [Detection(d.score, (d.box[0] - margin, d.box[1] - margin, *d.box[2:]), d.keypoints - margin)
                   for d in found if max(d.box[2:]) >= smallest]
        return sorted(shifted, key=lambda d: d.box[0])

    def _refined(self, gray: np.ndarray, points: np.ndarray) -> np.ndarray:
        """The landmarks looked at again on the face alone, turned upright and enlarged (the whole photo
        gave the detector a few pixels a face): keypoints found on 2 frame sides of context at 384 px
        are several times finer. The first ones when the second look finds no face."""
        cv2 = self._cv2
        context, side = 2.0, 384
        scale, angle, shift = similarity(points, TEMPLATE)
        rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]) * scale
        to_view = np.hstack([rotation, (shift + (context - 1) / 2)[:, None]]) * (side / context)
        view = cv2.warpAffine(gray, to_view, (side, side), flags=cv2.INTER_AREA if scale * side < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        found = self.blazeface.detect(view)
        if not found:
            return points
        centre = np.array([side / 2, side / 2])
        best = min(found, key=lambda d: np.linalg.norm(d.keypoints[:3].mean(axis=0) - centre))
        back = cv2.invertAffineTransform(to_view)
        return best.keypoints[:3] @ back[:, :2].T + back[:, 2]
