"""The timeline: which level a video shows at each of its frames."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["timeline"]


def timeline(levels: int, fps: float, min_duration: float, extend: str) -> np.ndarray:
    """The level shown at each video frame: every level once, in order, or, when that is shorter
    than ``min_duration``, extended as ``extend`` says:

    - ``hold``: the first and last levels held, the extra frames split between both ends;
    - ``pingpong``: forward then back (0 .. n-1 .. 1), whole cycles, so a looping player loops
      seamlessly;
    - ``slow``: each level shown for the same whole number of frames.
    """
    needed = math.ceil(round(min_duration * fps, 6))
    order = np.arange(levels)
    if levels >= needed:
        return order
    if extend == "hold":
        extra = needed - levels
        return np.concatenate([np.zeros(extra // 2, int), order, np.full(extra - extra // 2, levels - 1)])
    if extend == "pingpong":
        cycle = np.concatenate([order, order[-2:0:-1]])
        return np.tile(cycle, math.ceil(needed / len(cycle)))
    return np.repeat(order, math.ceil(needed / levels))
