"""How much of a face's detail its projection keeps, on the pixel basis and on the appearance basis
(``basis.model``), over the default scene's kept faces at their own size (64 px).

Detail is the variance of the Laplacian (OpenCV's 3 x 3), the projection's over the face's, median
over the faces, measured three ways: inside the face (the convex hull of its landmarks), in the middle
of the frame (the central 70 %, as the tests measure rendered frames) and over the whole frame.
Also the time each basis takes to fit and to draw one level of a morph.

    python bench/sharpness.py [--components 2 10]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from common import REPO

sys.path.insert(0, str(REPO))


def main() -> None:
    import cv2

    from render.cache import Cache, default_cache_dir
    from render.ground.console import Console
    from render.ground.morph import Morph
    from render.learn.appearance import AppearanceBasis
    from render.learn.basis import Basis
    from render.learn.learnt import learn
    from render.scene import load_scene

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, nargs="+", default=[2, 10])
    args = parser.parse_args()
    kept = learn(load_scene(REPO / "scenes" / "happy.yaml"), Cache(default_cache_dir()), Console(quiet=True)).kept

    def detail(image: np.ndarray, where: np.ndarray) -> float:
        return float(cv2.Laplacian(image.astype(np.float64), cv2.CV_64F)[where].var())

    for k in args.components:
        started = time.perf_counter()
        appearance = AppearanceBasis(k).fit(kept)
        fit_appearance = time.perf_counter() - started
        used = np.delete(kept, appearance.left_out_, axis=0)
        started = time.perf_counter()
        pixels = Basis(k).fit(used)
        fit_pixels = time.perf_counter() - started
        ours = appearance.reconstructions(kept)
        theirs = pixels.reconstructions(used)
        middle = np.zeros((64, 64), bool)
        middle[10:-10, 10:-10] = True
        rows = {"face (landmarks' hull)": [], "middle 70 %": [], "whole frame": []}
        for face, shape, a, p in zip(used, appearance.shapes_, ours, theirs):
            hull = np.zeros((64, 64), np.uint8)
            cv2.fillConvexPoly(hull, cv2.convexHull(np.rint(shape).astype(np.int32)), 1)
            hull = cv2.erode(hull, np.ones((3, 3), np.uint8)).astype(bool)
            for name, where in zip(rows, (hull, middle, np.ones((64, 64), bool))):
                rows[name].append((detail(a, where) / detail(face, where), detail(p, where) / detail(face, where)))
        print(f"{k} components, {len(used)} faces ({len(appearance.left_out_)} without landmarks):")
        for name, pairs in rows.items():
            a, p = np.median(np.array(pairs), axis=0)
            print(f"  {name:24s} appearance keeps {a:6.1%} of the face's detail, pixels {p:6.1%}: {a / p:.2f}x")
        spec = type("Spec", (), {"target": "projection", "easing": "linear", "levels": 50, "amount": 1.0})
        for name, basis in (("pixels", pixels), ("appearance", appearance)):
            morph = Morph.of(used[0], basis, spec)
            started = time.perf_counter()
            for level in range(50):
                morph.frame(level)
            each = (time.perf_counter() - started) / 50
            print(f"  {name:10s} fit {fit_pixels if name == 'pixels' else fit_appearance:6.2f} s, a level {each * 1e3:6.2f} ms")


if __name__ == "__main__":
    main()
