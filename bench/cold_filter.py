"""The cold emotion filter over the 400 Olivetti faces: one batched inference, as the render runs it,
against the original's approach, one ``model.predict`` call per face, in this same process.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/cold_filter.py

Target (issue 4): the batched filter at least 20x faster than one predict per face.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from render.ground.console import Console  # noqa: E402
from render.cache import Cache  # noqa: E402
from render.faces.dataset import load_dataset  # noqa: E402
from render.learn.classifier import EmotionModel, default_model_path  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        faces = load_dataset("olivetti", Cache(Path(tmp)), Console())
    model = EmotionModel(default_model_path(), device="cpu", console=Console(quiet=True))
    model.predict(faces.images[:8])  # load the model and trace its graph outside the timings

    batched = []
    for _ in range(3):
        started = time.perf_counter()
        probabilities = model.predict(faces.images)
        batched.append(time.perf_counter() - started)

    keras_model = model._load()
    x = model.preprocess(faces.images)
    keras_model.predict(x[:1], verbose=0)
    started = time.perf_counter()
    one_by_one = np.concatenate([keras_model.predict(x[i : i + 1], verbose=0) for i in range(len(x))])
    per_face = time.perf_counter() - started

    assert np.array_equal(one_by_one.argmax(1), probabilities.argmax(1)), "the two ways disagree"
    b = statistics.median(batched)
    print(f"faces: {len(faces)}; same argmax both ways: yes")
    print(f"batched filter (render's way, median of 3): {b:.3f} s  ({len(faces) / b:,.0f} faces/s)")
    print(f"one predict per face (original's way):      {per_face:.3f} s  ({len(faces) / per_face:,.0f} faces/s)")
    print(f"speed-up: {per_face / b:.1f}x   (target >= 20x: {'met' if per_face / b >= 20 else 'NOT met'})")


if __name__ == "__main__":
    main()
