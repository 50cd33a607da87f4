"""Easing curves: how the morph weight moves from 0 to 1 across the levels.

Each curve maps t in [0, 1] to [0, 1] with f(0) = 0 and f(1) = 1 (the easings.net family), and
CSS's ``cubic-bezier(x1, y1, x2, y2)``: the curve through (0, 0) and (1, 1) with those two control
points, as browsers draw transitions (y may leave [0, 1]: the weight overshoots and comes back).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

__all__ = ["EASING_CURVES", "ease", "curve", "bezier_points", "BEZIER"]

#: ``cubic-bezier(x1, y1, x2, y2)`` as CSS writes it (numbers as CSS writes them).
BEZIER = re.compile(r"^cubic-bezier\(\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*,\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*,"
                    r"\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*,\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*\)$")


def _in_out_cubic(t: np.ndarray) -> np.ndarray:
    return np.where(t < 0.5, 4 * t**3, 1 - (-2 * t + 2) ** 3 / 2)


EASING_CURVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda t: t,
    "ease-in-sine": lambda t: 1 - np.cos(t * np.pi / 2),
    "ease-out-sine": lambda t: np.sin(t * np.pi / 2),
    "ease-in-out-sine": lambda t: -(np.cos(np.pi * t) - 1) / 2,
    "ease-in-cubic": lambda t: t**3,
    "ease-out-cubic": lambda t: 1 - (1 - t) ** 3,
    "ease-in-out-cubic": _in_out_cubic,
    "smoothstep": lambda t: t * t * (3 - 2 * t),
}


def bezier_points(name: str) -> tuple[float, float, float, float] | None:
    """The four numbers of a ``cubic-bezier(...)`` easing, or None for another name."""
    found = BEZIER.match(name.strip())
    return tuple(float(v) for v in found.groups()) if found else None  # type: ignore[return-value]


def _bezier(x1: float, y1: float, x2: float, y2: float) -> Callable[[np.ndarray], np.ndarray]:
    def at(s: np.ndarray, a: float, b: float) -> np.ndarray:  # the curve's coordinate at parameter s
        return 3 * a * s * (1 - s) ** 2 + 3 * b * s * s * (1 - s) + s**3

    def f(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        low, high = np.zeros_like(t), np.ones_like(t)
        for _ in range(60):  # x(s) rises monotonically (x1, x2 in [0, 1]): bisection to float precision
            middle = (low + high) / 2
            below = at(middle, x1, x2) < t
            low, high = np.where(below, middle, low), np.where(below, high, middle)
        return at((low + high) / 2, y1, y2)

    return f


def curve(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The named easing curve (a ``cubic-bezier(...)`` included)."""
    points = bezier_points(name)
    return _bezier(*points) if points else EASING_CURVES[name]


def ease(name: str, levels: int) -> np.ndarray:
    """``levels`` weights from exactly 0 to exactly 1, shaped by the named curve."""
    t = np.linspace(0.0, 1.0, levels)
    w = np.asarray(curve(name)(t), dtype=np.float64)
    w[0], w[-1] = 0.0, 1.0  # exact ends, whatever the curve's rounding
    return w
