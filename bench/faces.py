"""Face detection under tilt and scale (issue 19's measurement, before choosing a landmark detector):
the shared photos rotated from -45 to 45 degrees in 5-degree steps and scaled 0.5x, 1x and 2x, each
searched by the tool's Haar path (``render.faces.portrait.Portraits``, as every photo render does) and by
MediaPipe's BlazeFace detectors, short and full range, run by OpenCV's own TFLite reader
(``cv2.dnn.readNetFromTFLite``: no TensorFlow). Prints, per detector, the share of images whose face
(the upright photo's, carried through the rotation and scale) is found within +/-25 and +/-40 degrees,
and the time per image against the Haar path's.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/faces.py

The full-range detector is what ``photos.detector: landmarks`` (the default) uses
(:mod:`render.faces.blazeface`).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from render.faces.blazeface import BlazeFace  # noqa: E402
from render.faces.photo import read_photo  # noqa: E402
from render.faces.portrait import NoFaceError, Portraits  # noqa: E402

PHOTOS = REPO.parent / "shared" / "data" / "photos"
ANGLES = range(-45, 50, 5)
SCALES = (0.5, 1.0, 2.0)
LONGEST = 640  #: photos are first brought to this longest side (the kiosk's camera frames are about this)


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
    haar, landmarks = Portraits(), Portraits(detector="landmarks")
    drift: list[float] = []  # the landmark crop of a turned photo against the upright photo's crop
    short, full = BlazeFace("face_detection_short_range"), BlazeFace("face_detection_full_range")
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
        upright_crop = landmarks.frame(gray.astype(np.float32) / 255, path.name)
        truth = [np.array([d.box[0] + d.box[2] / 2, d.box[1] + d.box[3] / 2, 1.0]) for d in upright]
        for angle in ANGLES:
            for scale in SCALES:
                image, matrix = rotated(rgb, angle, scale)
                centres = [matrix @ t for t in truth]
                reach = max(24.0, 0.4 * max(d.box[2] for d in upright) * scale)
                for name, detector in detectors.items():
                    started = time.perf_counter()
                    if detector is None:
                        try:
                            haar.frame(image[..., 0].astype(np.float32) / 255, path.name)
                            hits = True  # Haar's own check: a face framed (no position to compare)
                        except NoFaceError:
                            hits = False
                    else:
                        hits = any(min(math.dist((d.box[0] + d.box[2] / 2, d.box[1] + d.box[3] / 2), c) for c in centres)
                                   <= reach for d in detector.detect(image))
                    spent[name] += time.perf_counter() - started
                    found[name][(path.name, angle, scale)] = hits
                if abs(angle) <= 40:
                    try:
                        crop = landmarks.frame(image[..., 0].astype(np.float32) / 255, path.name)
                        drift.append(float(np.abs(crop - upright_crop).mean()))
                    except NoFaceError:
                        pass
    images = len(found["haar (today)"])
    print(f"{images} images: {len(photos)} photos x {len(ANGLES)} angles x {len(SCALES)} scales")
    print(f"{'detector':24} {'found |a|<=25':>14} {'found |a|<=40':>14} {'all':>6} {'ms/image':>9} {'x haar':>7}")
    base = spent["haar (today)"] / images
    for name, hits in found.items():
        def rate(limit: int, hits: dict = hits) -> float:
            chosen = [v for (_, a, _), v in hits.items() if abs(a) <= limit]
            return 100 * sum(chosen) / len(chosen)

        per = spent[name] / images
        print(f"{name:24} {rate(25):>13.0f}% {rate(40):>13.0f}% {rate(45):>5.0f}% {per * 1000:>9.1f} {per / base:>7.2f}")
    print(f"landmark crops of the turned photos (|a| <= 40) against the upright photo's crop: mean |difference| "
          f"{np.mean(drift) * 255:.1f} gray levels (median {np.median(drift) * 255:.1f}, worst {max(drift) * 255:.1f}) "
          f"over {len(drift)} crops")


if __name__ == "__main__":
    main()
