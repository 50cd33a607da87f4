"""Easing curves: how the morph weight moves from 0 to 1 across the levels.

Each curve maps t in [0, 1] to [0, 1] with f(0) = 0 and f(1) = 1 (the easings.net family).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["EASING_CURVES", "ease"]


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


def ease(name: str, levels: int) -> np.ndarray:
    """``levels`` weights from exactly 0 to exactly 1, shaped by the named curve."""
    t = np.linspace(0.0, 1.0, levels)
    w = np.asarray(EASING_CURVES[name](t), dtype=np.float64)
    w[0], w[-1] = 0.0, 1.0  # exact ends, whatever the curve's rounding
    return w
