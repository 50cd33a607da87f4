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
from render.ground.warp import warp

__all__ = ["Ends", "Morph", "MorphShape", "Projection", "Shapes", "morph_weights"]

#: Where a morph's ends have their landmarks, for a basis that keeps shape apart (appearance): the
#: face's points, the target's, the points the target's texture is drawn in, and the triangles over
#: them (each set of points ends with the frame's fixed points).
Shapes = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class Ends:
    """What a basis gives a morph: the target's weights on it, the target's image (its texture, when
    ``shapes`` is set) and the shapes."""

    coefficients: np.ndarray
    target: np.ndarray
    shapes: Shapes | None = None


class Projection(Protocol):
    """A fitted basis, as far as a morph needs one."""

    mean_: np.ndarray
    components_: np.ndarray

    def ends(self, face: np.ndarray, target: str) -> Ends:
        """The morph's ends for ``face``: to its projection (``target`` 'projection') or the mean face."""
        ...


class MorphShape(Protocol):
    """The scene's ``morph`` section, as far as a morph's numbers go."""

    target: str
    easing: str
    levels: int
    amount: float


def morph_weights(morph: MorphShape) -> np.ndarray:
    """The ``levels`` weights w_k, 0 to ``amount`` inclusive (1: to the target), shaped by the easing."""
    weights = ease(morph.easing, morph.levels)
    return weights if morph.amount == 1 else weights * np.float64(morph.amount)


@dataclass(frozen=True, eq=False)
class Morph:
    """Level k of the passage from ``face`` to ``target``: ``(1 - w_k) * face + w_k * target``,
    unclipped float32. ``coefficients`` are the target's weights on the basis (zeros for the mean
    face). With ``shapes`` (a basis that keeps shape apart), shape and texture move together: both
    ends are warped to the level's shape, ``(1 - w_k)`` of the face's and ``w_k`` of the target's, and
    then mixed as above; ``target`` is then the target's texture, drawn in ``shapes[2]``. Small and
    picklable: a job carries its morph to the worker that draws it."""

    face: np.ndarray = field(repr=False)
    target: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    coefficients: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    shapes: Shapes | None = field(repr=False, default=None)

    @classmethod
    def of(cls, face: np.ndarray, basis: Projection, spec: MorphShape) -> Morph:
        """The scene's morph of ``face``: to its target on ``basis``, with the scene's easing. The
        projection is computed here, once."""
        ends = basis.ends(face, spec.target)
        return cls(face, ends.target, morph_weights(spec), ends.coefficients, ends.shapes)

    def __len__(self) -> int:
        return len(self.weights)

    @cached_property
    def _ends(self) -> tuple[np.ndarray, np.ndarray]:
        return self.face.astype(np.float64), self.target.astype(np.float64)

    def frame(self, k: int) -> np.ndarray:
        face, target = self._ends
        w = self.weights[k]
        if self.shapes is not None:
            start, end, drawn, triangles = self.shapes
            at = (1.0 - w) * start + w * end
            face = warp(face, start, at, triangles).astype(np.float64)
            target = warp(target, drawn, at, triangles).astype(np.float64)
        return ((1.0 - w) * face + w * target).astype(np.float32)

    @property
    def projection(self) -> np.ndarray:
        """The target as it is seen (with shapes: its texture drawn in its shape), float32."""
        if self.shapes is None:
            return self.target
        _, end, drawn, triangles = self.shapes
        return warp(self.target, drawn, end, triangles)

    def clipped(self) -> int:
        """How many of the morph's pixels, over all its levels, lie beyond black or white (and are
        drawn clipped): an amount past the target (or away from it) pushes some out."""
        return sum(int(np.count_nonzero((frame < 0) | (frame > 1))) for frame in map(self.frame, range(len(self))))

    def __getstate__(self) -> dict:
        return {name: value for name, value in self.__dict__.items() if name != "_ends"}
