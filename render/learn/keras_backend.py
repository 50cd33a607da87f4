"""The Keras backend of the emotion models: a ``.keras``, ``.h5`` or ``.hdf5`` file run by Keras on
TensorFlow (the registry's ``keras``: :data:`render.ground.plugins.MODEL_BACKENDS`).

Keras and TensorFlow are imported here, when a model is first loaded, with TensorFlow's start-up
chatter kept off the user's terminal; models load in Keras safe mode (a Lambda layer's code never
runs) and once per process and file version.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from render.errors import ModelError
from render.ground.chatter import fd_to_file
from render.ground.console import Console

__all__ = ["KerasBackend"]


class KerasBackend:
    """One Keras model file, on the device asked for (``auto``: a GPU when TensorFlow sees one)."""

    def __init__(self, path: Path, device: str, console: Console) -> None:
        self.path, self.device, self.console = path, device, console
        self.model = _loaded(path, path.stat().st_mtime_ns)
        self.input_shape, self.output_shape = self.model.input_shape, self.model.output_shape
        self._told = False

    def prepare(self, channels_first: bool) -> None:
        if channels_first:
            # TensorFlow's CPU kernels refuse channels-first (NCHW) 2-D convolutions since 2.21;
            # compiled by XLA, the same model runs anywhere, with the same results.
            self.model.compile(jit_compile=True)

    def run(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        scope = self._device_scope()
        with fd_to_file(2), scope:  # TensorFlow's C++ side chatters here
            # One batch (a clip's levels, a visitor) skips predict's data pipeline: half the time.
            return np.asarray(self.model.predict_on_batch(x) if len(x) <= batch_size else
                              self.model.predict(x, batch_size=batch_size, verbose=0))

    def to_lite(self) -> bytes:
        """The model converted to a LiteRT (``.tflite``) model, float32, the same layers: see
        :func:`render.learn.quick.quick_reader`."""
        import tensorflow as tf

        with fd_to_file(2), fd_to_file(1):  # the converter lists the saved model on stdout
            return bytes(tf.lite.TFLiteConverter.from_keras_model(self.model).convert())

    def _device_scope(self) -> Any:
        import tensorflow as tf

        with fd_to_file(2):  # probing for CUDA prints its failures straight to fd 2
            gpus = tf.config.list_physical_devices("GPU")
        if self.device == "gpu" and not gpus:
            raise ModelError(
                "filter.device is 'gpu' but TensorFlow finds no GPU (no CUDA device, or TensorFlow "
                "was installed without CUDA support); use 'auto' or 'cpu'"
            )
        if self.device == "auto" and not gpus and not self._told:
            self.console.log("no GPU found; the emotion model runs on the CPU")
            self._told = True  # once per model, however many batches it scores
        return tf.device("/GPU:0" if gpus and self.device != "cpu" else "/CPU:0")


@functools.lru_cache(maxsize=4)
def _loaded(path: Path, mtime_ns: int) -> Any:
    """A Keras model, loaded once per process and file version: a batch of scenes that share a
    model loads it once."""
    keras = _import_keras()
    try:
        with fd_to_file(2):
            return keras.models.load_model(path, compile=False, safe_mode=True)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path}: not a loadable Keras model ({reason}); check the file") from None


def _import_keras() -> Any:
    """Import Keras on TensorFlow, keeping TensorFlow's start-up chatter off the user's terminal.

    TensorFlow's C++ logging ignores ``TF_CPP_MIN_LOG_LEVEL`` for the lines it prints while loading
    and probing devices (absl, CUDA), so those steps run with file descriptor 2 sent to a temporary
    file (see :func:`render.ground.chatter.fd_to_file`); the text is shown only when the import fails.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with fd_to_file(2) as captured:
        try:
            import keras
        except ImportError as exc:
            raise ModelError(
                f"Keras could not be imported ({exc}); run the README's set-up. {captured()}"
            ) from None
    return keras
