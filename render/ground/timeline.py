"""The timeline: which frame of a film each frame of a video (or GIF) shows.

A film is one or more passages of ``levels`` levels (a clip or a grid: one; a playlist: one per
person, each followed by ``fade`` crossfade frames into the next), numbered one after another:
passage ``p``'s level ``k`` is frame ``p * (levels + fade) + k``, its crossfade frames follow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Pacing", "timeline"]


@dataclass(frozen=True)
class Pacing:
    """How a film is paced: ``loop`` ``once`` (forward, then the player starts again) or ``pingpong``
    (forward, then back, so a looping player never jumps), holding the first level ``hold_start`` and
    the last ``hold_end`` seconds; then, when that is shorter than ``min_duration``, extended as
    ``extend`` says."""

    loop: str = "once"
    hold_start: float = 0.0
    hold_end: float = 0.0
    min_duration: float = 0.0
    extend: str = "hold"


def _frames(seconds: float, fps: float) -> int:
    return math.ceil(round(seconds * fps, 6))


def _passage(first: int, levels: int, loop: str, start: int, end: int) -> list[int]:
    """One passage: its first level held ``start`` extra frames, forward, its last level held ``end``
    extra frames, and back down (pingpong) to just above the first, which the loop shows next."""
    forward = list(range(first, first + levels))
    out = [first] * start + forward + [first + levels - 1] * end
    if loop == "pingpong":
        out += forward[-2:0:-1]
    return out


def timeline(levels: int, fps: float, pacing: Pacing, passages: int = 1, fade: int = 0) -> np.ndarray:
    """The film frame shown at each video frame, paced as ``pacing`` says:

    - ``hold`` extends the holds at both ends (the extra frames split between them);
    - ``pingpong`` repeats the passage forward and back, in whole cycles, so a looping player loops
      seamlessly (``repeat``: the loop's own cycle, whole);
    - ``slow`` shows each frame the same whole number of times.
    """
    start, end = _frames(pacing.hold_start, fps), _frames(pacing.hold_end, fps)

    def cycle(loop: str, start: int, end: int) -> list[int]:
        order: list[int] = []
        for p in range(passages):
            first = p * (levels + fade)
            order += _passage(first, levels, loop, start, end)
            order += list(range(first + levels, first + levels + fade))
        return order

    order = cycle(pacing.loop, start, end)
    needed = _frames(pacing.min_duration, fps)
    if len(order) < needed:
        if pacing.extend == "hold":
            extra = math.ceil((needed - len(order)) / passages)  # exact for one passage
            order = cycle(pacing.loop, start + extra // 2, end + extra - extra // 2)
        elif pacing.extend in ("pingpong", "repeat"):
            whole = cycle("pingpong" if pacing.extend == "pingpong" else pacing.loop, start, end)
            order = whole * math.ceil(needed / len(whole))
        else:  # slow
            order = list(np.repeat(order, math.ceil(needed / len(order))))
    return np.asarray(order, dtype=int)
