"""A piecewise-affine warp: an image drawn so that its landmarks move to other places.

Shared ground: the appearance basis (learn) warps faces to their mean shape, the morph (here) warps
both ends of a film to each level's shape, and the viewer's script (encode) does the same in the
browser. The algorithm is written to be followed step by step in JavaScript (``viewer.js``): for each
pixel centre of the output, the last triangle of the destination shape that holds it (barycentric
coordinates, all at least ``-EDGE``), the same barycentric point of the source triangle, and a
cubic read of the image there (Keys' kernel, 4 x 4 taps), its edge pixels repeated. A pixel that no triangle holds (a shape
folded over itself far past its basis) reads the image where it is. All in float64.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EDGE", "bicubic", "frame_points", "owners", "sources", "warp"]

#: How far outside a triangle (in barycentric units) a pixel centre on its edge still counts as in it:
#: a centre on an edge shared by two triangles belongs to the later one, in Python and in the browser.
EDGE = 1e-9


def frame_points(height: int, width: int) -> np.ndarray:
    """Fixed points around a face (16: the corners and three more along each side), a quarter of its
    side beyond the image, so that the hair and background warp with the face and the frame's edge
    does not move. Landmarks are kept inside them."""
    my, mx = height / 4, width / 4
    top, bottom, left, right = -my, height - 1 + my, -mx, width - 1 + mx
    steps = np.linspace(0, 1, 5)
    xs, ys = left + steps * (right - left), top + steps * (bottom - top)
    ring = [(x, top) for x in xs] + [(right, y) for y in ys[1:]] + [(x, bottom) for x in xs[-2::-1]] + \
           [(left, y) for y in ys[-2:0:-1]]
    return np.array(ring, np.float64)


def owners(points: np.ndarray, triangles: np.ndarray, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel centre (row-major), the triangle that holds it (-1: none) and its barycentric
    coordinates (n, 3) in that triangle."""
    corners = points[triangles]  # (m, 3, 2)
    x0, y0 = corners[:, 0, 0], corners[:, 0, 1]
    x1, y1 = corners[:, 1, 0], corners[:, 1, 1]
    x2, y2 = corners[:, 2, 0], corners[:, 2, 1]
    det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2)
    usable = np.abs(det) > 1e-12
    # Each triangle's box of pixel centres, clipped to the image: the candidates it may hold.
    left = np.clip(np.ceil(corners[..., 0].min(axis=1)), 0, width).astype(np.int64)
    right = np.clip(np.floor(corners[..., 0].max(axis=1)), -1, width - 1).astype(np.int64)
    top = np.clip(np.ceil(corners[..., 1].min(axis=1)), 0, height).astype(np.int64)
    bottom = np.clip(np.floor(corners[..., 1].max(axis=1)), -1, height - 1).astype(np.int64)
    cols, rows = np.maximum(right - left + 1, 0), np.maximum(bottom - top + 1, 0)
    counts = np.where(usable, cols * rows, 0)
    tri = np.repeat(np.arange(len(triangles)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    ys = top[tri] + within // np.maximum(cols[tri], 1)
    xs = left[tri] + within % np.maximum(cols[tri], 1)
    px, py = xs.astype(np.float64), ys.astype(np.float64)
    d = det[tri]
    l0 = ((y1[tri] - y2[tri]) * (px - x2[tri]) + (x2[tri] - x1[tri]) * (py - y2[tri])) / d
    l1 = ((y2[tri] - y0[tri]) * (px - x2[tri]) + (x0[tri] - x2[tri]) * (py - y2[tri])) / d
    l2 = 1.0 - l0 - l1
    inside = (l0 >= -EDGE) & (l1 >= -EDGE) & (l2 >= -EDGE)
    pixel = (ys * width + xs)[inside]
    owner = np.full(height * width, -1, np.int64)
    np.maximum.at(owner, pixel, tri[inside])  # the last triangle that holds a pixel owns it
    # The owner's barycentric coordinates at each pixel it owns.
    chosen = inside.copy()
    chosen[inside] = owner[pixel] == tri[inside]
    bary = np.zeros((height * width, 3))
    bary[(ys * width + xs)[chosen]] = np.stack([l0, l1, l2], axis=1)[chosen]
    return owner, bary


def warp(image: np.ndarray, source: np.ndarray, dest: np.ndarray, triangles: np.ndarray,
         size: tuple[int, int] | None = None) -> np.ndarray:
    """``image`` (h, w), or (h, w, c), drawn so that the points ``source`` (p, 2, as x, y in its pixels) land on
    ``dest`` (in the pixels of an image of ``size``, (height, width), the image's own by default),
    piecewise affinely over ``triangles`` (m, 3 indices); float32. Where ``source`` and ``dest`` are
    the same points the image comes back unchanged."""
    height, width = size or image.shape[:2]
    if size in (None, image.shape[:2]) and np.array_equal(source, dest):
        return image.astype(np.float32, copy=True)
    sx, sy = sources(source, dest, triangles, height, width)
    if image.ndim == 3:  # colour: each channel read at the same places
        return np.stack([bicubic(image[..., c], sx, sy).reshape(height, width) for c in range(image.shape[2])],
                        axis=-1).astype(np.float32)
    return bicubic(image, sx, sy).reshape(height, width).astype(np.float32)


def sources(source: np.ndarray, dest: np.ndarray, triangles: np.ndarray, height: int,
            width: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each pixel centre of a (height, width) image drawn by :func:`warp` reads its source
    (x, y, row-major, float64): its place among ``dest``'s triangles carried to ``source``'s; a pixel
    that no triangle holds reads where it is."""
    owner, bary = owners(dest, triangles, height, width)
    ys, xs = np.divmod(np.arange(height * width), width)
    sx, sy = xs.astype(np.float64), ys.astype(np.float64)
    held = owner >= 0
    corners = source[triangles[owner[held]]]  # (n, 3, 2)
    b = bary[held]
    # Summed in this order, as the viewer's script sums them: the same doubles on both sides.
    sx[held] = b[:, 0] * corners[:, 0, 0] + b[:, 1] * corners[:, 1, 0] + b[:, 2] * corners[:, 2, 0]
    sy[held] = b[:, 0] * corners[:, 0, 1] + b[:, 1] * corners[:, 1, 1] + b[:, 2] * corners[:, 2, 1]
    return sx, sy


def cubic_weights(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keys' cubic convolution weights (a = -0.75, OpenCV's and the viewer's) of the taps at -1, 0, 1
    and 2 pixels from ``floor(x)``, for ``t = x - floor(x)``."""
    a = -0.75
    w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
    w1 = ((a + 2) * t - (a + 3)) * t * t + 1
    w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
    return w0, w1, w2, 1.0 - w0 - w1 - w2


def bicubic(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``image`` read at (x, y) by cubic convolution (4 x 4 taps), its edge pixels repeated beyond it;
    float64. Bilinear reading would blur every warp by half a pixel: the appearance basis warps each
    face twice (to the mean shape and back)."""
    height, width = image.shape
    pixels = image.astype(np.float64, copy=False).reshape(-1)
    fx, fy = np.floor(x), np.floor(y)
    wx, wy = cubic_weights(x - fx), cubic_weights(y - fy)
    ix, iy = fx.astype(np.int64), fy.astype(np.int64)
    out = np.zeros(len(x))
    for j in range(4):
        row = np.clip(iy + j - 1, 0, height - 1) * width
        across = np.zeros(len(x))
        for i in range(4):
            across += pixels[row + np.clip(ix + i - 1, 0, width - 1)] * wx[i]
        out += across * wy[j]
    return out
