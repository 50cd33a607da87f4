"""The morph sequence: frames from an input face to its target on the basis, and the order in which
a video shows them."""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from render.basis import Basis
from render.easing import ease
from render.scene import MorphSpec

__all__ = ["Morph", "target_face", "morph_weights", "morph_frames", "timeline"]


def target_face(face: np.ndarray, basis: Basis, target: str) -> np.ndarray:
    """The face the morph ends on: the input's projection on the basis, or the mean face."""
    if target == "mean":
        return basis.mean_.copy()
    return basis.reconstruct(basis.project(face[None]))[0]


def morph_weights(morph: MorphSpec) -> np.ndarray:
    """The ``levels`` weights w_k, 0 to 1 inclusive, shaped by the easing."""
    return ease(morph.easing, morph.levels)


class Morph:
    """Level k of the passage from ``face`` to ``target``: ``(1 - w_k) * face + w_k * target``,
    unclipped float32."""

    def __init__(self, face: np.ndarray, target: np.ndarray, weights: np.ndarray) -> None:
        self.face = face
        self.target = target
        self._face = face.astype(np.float64)
        self._target = target.astype(np.float64)
        self.weights = weights

    @classmethod
    def of(cls, face: np.ndarray, basis: Basis, spec: MorphSpec) -> Morph:
        """The scene's morph of ``face``: to its target on ``basis``, with the scene's easing."""
        return cls(face, target_face(face, basis, spec.target), morph_weights(spec))

    def __len__(self) -> int:
        return len(self.weights)

    def frame(self, k: int) -> np.ndarray:
        w = self.weights[k]
        return ((1.0 - w) * self._face + w * self._target).astype(np.float32)


def morph_frames(face: np.ndarray, target: np.ndarray, weights: np.ndarray) -> Iterator[np.ndarray]:
    """Every level in order (see :class:`Morph`)."""
    morph = Morph(face, target, weights)
    return (morph.frame(k) for k in range(len(morph)))


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
