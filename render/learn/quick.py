"""The kiosk's quick reader: the emotion model as a LiteRT copy, for one visitor's levels at a time.

A visitor waits for the model's readout of their 50 levels. Keras on TensorFlow takes about 44 ms of
CPU for them (one thread); the same layers converted to LiteRT and run by XNNPACK take about 24 ms,
which is what lets four visitors at once be answered within 150 ms on two cores (bench/season.py).

The copy is converted once per model file and kept in the cache. At every start it is checked
against Keras on the same faces: its probabilities must agree within :data:`TOLERANCE`, else (and
when LiteRT is not installed, or the model cannot be converted) the kiosk reads with Keras, and says
so. The emotion filter, and so the basis and every batch render, always read with the model's own
backend: only the kiosk's live readouts (and its visitors' films' overlays) come from the copy.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from render.cache import Cache
from render.errors import ModelError
from render.ground.console import Console
from render.learn.classifier import EmotionModel
from render.learn.lite_backend import LiteBackend

__all__ = ["quick_reader", "TOLERANCE"]

#: The largest difference of any probability between the copy and the model (float32 rounding: the
#: default model's copy differs by about 1e-6).
TOLERANCE = 1e-4


def quick_reader(model: EmotionModel, identity: dict, cache: Cache, probe: np.ndarray, console: Console,
                 pool: int) -> EmotionModel:
    """``model`` run by LiteRT, one thread a call and ``pool`` calls at once, when its copy reads
    ``probe`` (faces in [0, 1]) as the model does; else ``model`` itself."""
    convert = getattr(model.backend, "to_lite", None)
    if convert is None:  # already LiteRT, or a backend that cannot be converted
        return model
    if importlib.util.find_spec("ai_edge_litert") is None:
        console.log("LiteRT is not installed (pip install ai-edge-litert): visitors' levels are read by Keras")
        return model
    try:
        arrays, _ = cache.fetch("litert", {"model": identity["model"]},
                                lambda: {"model": np.frombuffer(convert(), dtype=np.uint8)})
        copy = model.running(LiteBackend(model.path, "cpu", console, content=arrays["model"].tobytes(),
                                          threads=1, pool=pool))
        difference = float(np.abs(copy.predict(probe) - model.predict(probe)).max())
    except (ModelError, ValueError, RuntimeError, OSError) as exc:  # the converter's failures are these
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        console.log(f"the model's LiteRT copy is not usable ({reason}): visitors' levels are read by Keras")
        return model
    if difference > TOLERANCE:
        console.warn(f"the model's LiteRT copy reads faces up to {difference:.1e} away from Keras: visitors' "
                     "levels are read by Keras")
        return model
    console.note(f"visitors' levels are read by the model's LiteRT copy (within {difference:.0e} of Keras)")
    return copy
