"""The morph's maths: frames from an input face to its target on a basis.

Shared ground: the stages that plan a film (run), read it with the emotion model (learn), draw it
(film) and play it live (serve) all hold the same :class:`Morph`. It needs of a basis only its
projection (:class:`Projection`, which :class:`render.learn.basis.Basis` is) and of the scene's
``morph`` section only its target, easing and levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from render.ground.easing import ease

__all__ = ["Morph", "MorphShape", "Projection", "morph_weights"]


class Projection(Protocol):
    """A fitted basis, as far as a morph needs one."""

    mean_: np.ndarray
    components_: np.ndarray

    def project(self, faces: np.ndarray) -> np.ndarray: ...

    def reconstruct(self, weights: np.ndarray) -> np.ndarray: ...


class MorphShape(Protocol):
    """The scene's ``morph`` section, as far as a morph's numbers go."""

    target: str
    easing: str
    levels: int
    amount: float


def _target(face: np.ndarray, basis: Projection, target: str) -> tuple[np.ndarray, np.ndarray]:
    """The target's weights on the basis (zeros for the mean face), and the target face."""
    if target == "mean":
        return np.zeros(len(basis.components_)), basis.mean_.copy()
    coefficients = basis.project(face[None])[0]
    return coefficients, basis.reconstruct(coefficients[None])[0]


def morph_weights(morph: MorphShape) -> np.ndarray:
    """The ``levels`` weights w_k, 0 to ``amount`` inclusive (1: to the target), shaped by the easing."""
    weights = ease(morph.easing, morph.levels)
    return weights if morph.amount == 1 else weights * np.float64(morph.amount)


@dataclass(frozen=True, eq=False)
class Morph:
    """Level k of the passage from ``face`` to ``target``: ``(1 - w_k) * face + w_k * target``,
    unclipped float32. ``coefficients`` are the target's weights on the basis (zeros for the mean
    face). Small and picklable: a job carries its morph to the worker that draws it."""

    face: np.ndarray = field(repr=False)
    target: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    coefficients: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    @classmethod
    def of(cls, face: np.ndarray, basis: Projection, spec: MorphShape) -> Morph:
        """The scene's morph of ``face``: to its target on ``basis``, with the scene's easing. The
        projection is computed here, once."""
        coefficients, target = _target(face, basis, spec.target)
        return cls(face, target, morph_weights(spec), coefficients)

    def __len__(self) -> int:
        return len(self.weights)

    @cached_property
    def _ends(self) -> tuple[np.ndarray, np.ndarray]:
        return self.face.astype(np.float64), self.target.astype(np.float64)

    def frame(self, k: int) -> np.ndarray:
        face, target = self._ends
        w = self.weights[k]
        return ((1.0 - w) * face + w * target).astype(np.float32)

    def clipped(self) -> int:
        """How many of the morph's pixels, over all its levels, lie beyond black or white (and are
        drawn clipped): an amount past the target (or away from it) pushes some out."""
        return sum(int(np.count_nonzero((frame < 0) | (frame > 1))) for frame in map(self.frame, range(len(self))))

    def __getstate__(self) -> dict:
        return {name: value for name, value in self.__dict__.items() if name != "_ends"}
