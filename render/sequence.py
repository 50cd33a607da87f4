"""The morph sequence: frames from an input face to its target on the basis."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from render.basis import Basis
from render.easing import ease
from render.scene import MorphSpec

__all__ = ["target_face", "morph_weights", "morph_frames"]


def target_face(face: np.ndarray, basis: Basis, target: str) -> np.ndarray:
    """The face the morph ends on: the input's projection on the basis, or the mean face."""
    if target == "mean":
        return basis.mean_.copy()
    return basis.reconstruct(basis.project(face[None]))[0]


def morph_weights(morph: MorphSpec) -> np.ndarray:
    """The ``levels`` weights w_k, 0 to 1 inclusive, shaped by the easing."""
    return ease(morph.easing, morph.levels)


def morph_frames(face: np.ndarray, target: np.ndarray, weights: np.ndarray) -> Iterator[np.ndarray]:
    """Frame k is ``(1 - w_k) * face + w_k * target``, unclipped float32."""
    source = face.astype(np.float64)
    goal = target.astype(np.float64)
    for w in weights:
        yield ((1.0 - w) * source + w * goal).astype(np.float32)
