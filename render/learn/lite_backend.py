"""The LiteRT backend: a ``.tflite`` emotion model run by Google's LiteRT (``ai-edge-litert``, the
interpreter TensorFlow Lite became) on the CPU through XNNPACK (the registry's ``litert``:
:data:`render.ground.plugins.MODEL_BACKENDS`).

It also runs the kiosk's copy of a Keras model (:func:`render.learn.quick.quick_reader`): the
default mini-Xception reads a visitor's 50 levels in about half the CPU time Keras takes, one core
a visitor.

An interpreter is not safe for two threads at once: each call borrows one of a small pool, so that
visitors arriving together are read side by side.
"""

from __future__ import annotations

import os
import queue
from pathlib import Path
from typing import Any

import numpy as np

from render.errors import ModelError
from render.ground.chatter import fd_to_file
from render.ground.console import Console

__all__ = ["LiteBackend"]

_HINT = "install LiteRT (pip install ai-edge-litert) or use the model as a .keras or .h5 file"


class LiteBackend:
    """One LiteRT model: a ``.tflite`` file, or its bytes (``content``). ``threads`` per call (0: one per
    core); ``pool`` interpreters, one per call running at once."""

    def __init__(self, path: Path, device: str, console: Console, *, content: bytes | None = None,
                 threads: int = 0, pool: int = 1) -> None:
        if device == "gpu":
            raise ModelError(f"{path}: filter.device is 'gpu' but a LiteRT model runs on the CPU here; use 'auto' or 'cpu'")
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise ModelError(f"{path}: LiteRT cannot be imported; {_HINT}") from None
        if content is None:
            try:
                content = path.read_bytes()
            except OSError as exc:
                raise ModelError(f"{path}: cannot be read ({exc.strerror}); check the path") from None
        self.path, self.console = path, console
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        self._interpreters: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for _ in range(max(1, pool)):
            try:
                with fd_to_file(2):  # "Created TensorFlow Lite XNNPACK delegate for CPU."
                    interpreter = Interpreter(model_content=content, num_threads=threads or cores)
            except (ValueError, RuntimeError) as exc:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ModelError(f"{path}: not a loadable LiteRT model ({reason}); check the file") from None
            self._interpreters.put(interpreter)
        probe = self._interpreters.get()
        inputs, outputs = probe.get_input_details(), probe.get_output_details()
        self._interpreters.put(probe)
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(f"{path}: the model has {len(inputs)} inputs and {len(outputs)} outputs; use a "
                             "classifier with one image input and one output of 7 classes")
        self.input_shape = (None, *(int(v) for v in inputs[0]["shape"][1:]))
        self.output_shape = (None, *(int(v) for v in outputs[0]["shape"][1:]))

    def prepare(self, channels_first: bool) -> None:
        """Nothing to ready: a LiteRT model takes the layout it was converted with."""

    def run(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        interpreter = self._interpreters.get()
        try:
            return np.concatenate([_invoke(interpreter, x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
        finally:
            self._interpreters.put(interpreter)


def _invoke(interpreter: Any, batch: np.ndarray) -> np.ndarray:
    (given,), (taken,) = interpreter.get_input_details(), interpreter.get_output_details()
    if tuple(given["shape"]) != batch.shape:  # the batch's size: the tensors sized again only when it changes
        interpreter.resize_tensor_input(given["index"], list(batch.shape))
        interpreter.allocate_tensors()
        (given,), (taken,) = interpreter.get_input_details(), interpreter.get_output_details()
    interpreter.set_tensor(given["index"], np.ascontiguousarray(batch, dtype=given["dtype"]))
    interpreter.invoke()
    return np.array(interpreter.get_tensor(taken["index"]))
