"""What a scene learns once and every clip shares: the faces the model keeps, and their basis.

The dataset's faces are scored by the emotion model, filtered, and PCA fits the basis over the kept
ones. Scores and basis come from the cache when it holds them, so a warm render imports neither
TensorFlow nor scikit-learn; the model itself is loaded only when something is scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from render.cache import Cache
from render.ground.console import Console
from render.errors import InputError
from render.faces.dataset import FaceSet, load_dataset
from render.faces.subjects import check_indices
from render.ground.plugins import BASIS_MODELS
from render.learn.basis import Basis, max_components
from render.learn.classifier import EmotionModel, emotion_model
from render.learn.filter import EmotionFilter
from render.scene import Scene

if TYPE_CHECKING:
    from render.learn.appearance import AppearanceBasis

__all__ = ["Learnt", "learn"]



@dataclass(frozen=True, eq=False)
class Learnt:
    """A scene's faces, the filter's selection, the kept faces and their basis; the model (not
    loaded until used) and what identifies its scores."""

    faces: FaceSet = field(repr=False)
    selection: EmotionFilter = field(repr=False)
    basis: Basis | AppearanceBasis = field(repr=False)  #: as ``scene.basis.model`` says
    state: dict[str, np.ndarray] = field(repr=False)  #: the basis's arrays, as cached and sent to jobs
    model: EmotionModel = field(repr=False)
    identity: dict[str, Any]  #: the model's file, labels, pixel range and preprocessing
    scored: dict[str, Any]  #: what the scores are keyed by: the dataset and the model's identity

    @property
    def kept(self) -> np.ndarray:
        return self.faces.images[self.selection.kept_]

    @property
    def left_out(self) -> frozenset[int]:
        """The kept faces the basis left out (the appearance basis: no landmarks found), by number."""
        return frozenset(int(i) for i in self.state.get("left_out", ()))


def learn(scene: Scene, cache: Cache, console: Console, *, inputs: bool = True, said: str = "") -> Learnt:
    """Score, filter and fit the scene's basis (each from the cache when it can be). ``inputs``: the
    scene's ``{face: N}`` inputs are this basis's kept faces (not so for a comparison's other bases);
    ``said``: what the messages call this basis (the scene's name by default)."""
    faces = load_dataset(scene.dataset, cache, console, scene.photos.detector)
    model, identity = emotion_model(scene.filter, console)
    scored = {"dataset": faces.digest, **identity}
    scores, hit = cache.fetch("scores", scored, lambda: {"probabilities": model.predict(faces.images)})
    selection = EmotionFilter(scene.filter.emotion, scene.filter.min_probability).fit(scores["probabilities"])
    kept = faces.images[selection.kept_]
    console.log(f"{said or scene.name}: the emotion model keeps {len(kept)} of {len(faces)} faces as "
        f"{scene.filter.emotion}{' (cached scores)' if hit else ''}")
    _check_supports(scene, len(kept))
    if inputs:
        check_indices(scene, len(kept))  # before the basis is fitted: a face past the end fails at once
    selected = {"emotion": scene.filter.emotion, "min_probability": scene.filter.min_probability}
    spec = scene.basis
    kind = BASIS_MODELS[spec.model].load()
    fitting = {**scored, **selected, "components": spec.components}
    if spec.model != "pixels":  # the pixel basis's key as it was before there was a choice
        fitting.update(model=spec.model, version=kind.version)
    state, hit = cache.fetch("basis", fitting, lambda: kind(spec.components).fit(kept).state())
    if len(state.get("left_out", ())):
        _say_left_out(scene, learnt_names(faces, selection, state["left_out"]), len(kept), console)
    return Learnt(faces, selection, kind.from_state(state), state, model, identity, scored)


def learnt_names(faces: FaceSet, selection: EmotionFilter, indices: np.ndarray) -> list[str]:
    """The kept faces at ``indices`` as a person finds them: kept face N (the dataset's face or file)."""
    return [f"kept face {i} ({faces.sources[selection.kept_[i]]})" for i in indices]


def _say_left_out(scene: Scene, names: list[str], kept: int, console: Console) -> None:
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    console.say(f"{scene.where('basis', 'model')}: the face mesh finds no landmarks in {len(names)} of the {kept} "
                f"kept faces, left out of the appearance basis (`face: all` passes over them): {shown}")


def _check_supports(scene: Scene, kept: int) -> None:
    """The kept faces must support the basis."""
    emotion = scene.filter.emotion
    if kept < 2:
        lower = "lower filter.min_probability, " if scene.filter.min_probability > 0 else ""
        more = ", or add photos to the folder" if not isinstance(scene.dataset, str) else ""
        raise InputError(
            f"{scene.where('filter')}: the filter kept {kept} face(s) as {emotion!r} "
            f"(min_probability {scene.filter.min_probability}); a basis needs at least 2: {lower}choose another "
            f"emotion{more}"
        )
    most = max_components(kept)
    if scene.basis.components > most:
        raise InputError(
            f"{scene.where('basis', 'components')}: {scene.basis.components} components need at least "
            f"{scene.basis.components + 1} kept faces and the filter kept {kept}; use at most {most}"
        )
