"""Does the projection make the model see faces as happier? For every Olivetti face the filter did
NOT keep, the chosen emotion's probability on the first frame (the face) and on the last (its
projection on the happy eigenface of scenes/happy.yaml), with the same model and preprocessing.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/readout_unkept.py [--components 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from render.ground.console import Console  # noqa: E402
from render.learn.basis import Basis  # noqa: E402
from render.cache import Cache  # noqa: E402
from render.faces.dataset import load_dataset  # noqa: E402
from render.learn.classifier import emotion_model  # noqa: E402
from render.learn.filter import EmotionFilter  # noqa: E402
from render.scene import EMOTIONS, FilterSpec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=2)
    parser.add_argument("--emotion", default="happy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        faces = load_dataset("olivetti", Cache(Path(tmp)), Console())
    model, _ = emotion_model(FilterSpec(emotion=args.emotion, device="cpu"), console=Console(quiet=True))
    probabilities = model.predict(faces.images)
    selection = EmotionFilter(args.emotion, 0.0).fit(probabilities)
    kept = faces.images[selection.kept_]
    basis = Basis(args.components).fit(kept)
    others = np.setdiff1d(np.arange(len(faces)), selection.kept_)
    projections = basis.reconstruct(basis.project(faces.images[others]))
    last = model.predict(projections)
    chosen = EMOTIONS.index(args.emotion)
    before, after = probabilities[others, chosen], last[:, chosen]
    change = after - before
    print(f"{len(others)} of {len(faces)} faces not kept as {args.emotion}; basis of {args.components} components "
          f"over the {len(kept)} kept")
    print(f"p({args.emotion}) first frame (the face):       mean {before.mean():.3f}, range {before.min():.3f}-{before.max():.3f}")
    print(f"p({args.emotion}) last frame (its projection):  mean {after.mean():.3f}, range {after.min():.3f}-{after.max():.3f}")
    print(f"change last - first:                      mean {change.mean():+.3f}, range {change.min():+.3f} to {change.max():+.3f}")
    print(f"happier at the end: {(change > 0).sum()} of {len(others)}; read as {args.emotion} (argmax) at the end: "
          f"{(last.argmax(axis=1) == chosen).sum()} of {len(others)}")


if __name__ == "__main__":
    main()
