"""The readout: what the emotion model sees in every frame of a clip.

The model that chose the faces scores each level of a morph (the face itself, at the model's input
size, with the filter's preprocessing), many clips in one batched pass. The seven probabilities per
level are cached, keyed by the model and the morph's own numbers, and travel to the worker that
writes the clip as plain data (:mod:`render.encode.readout` writes them, :mod:`render.film.overlay`
draws them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from render.cache import Cache
from render.ground.morph import Morph
from render.hashing import sha256_arrays
from render.learn.classifier import EmotionModel

__all__ = ["morph_key", "read_morphs"]


def morph_key(morph: Morph) -> str:
    """sha256 of what a clip's frames are made of: face, target and weights."""
    return sha256_arrays(morph.face, morph.target, np.asarray(morph.weights, np.float64))


def read_morphs(morphs: list[Morph], model: EmotionModel, identity: dict[str, Any], cache: Cache,
                group: int = 32) -> list[np.ndarray]:
    """Each morph's readout, (levels, 7) probabilities: from the cache, or batched passes of the
    model over up to ``group`` clips at a time, stored back."""
    parts = [{**identity, "clip": morph_key(m)} for m in morphs]
    found = [cache.lookup("readout", p) for p in parts]
    missing = [i for i, arrays in enumerate(found) if arrays is None]
    for start in range(0, len(missing), group):
        chunk = missing[start : start + group]
        frames = np.concatenate([np.stack([morphs[i].frame(k) for k in range(len(morphs[i]))]) for i in chunk])
        probabilities = model.predict(frames)
        for i, rows in zip(chunk, np.split(probabilities, len(chunk))):
            found[i] = {"probabilities": rows}
            cache.store("readout", parts[i], found[i])
    return [arrays["probabilities"] for arrays in found]  # type: ignore[index]
