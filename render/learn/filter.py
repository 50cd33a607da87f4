"""The emotion filter: the faces whose most probable class is the scene's emotion are kept."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np

from render.scene import EMOTIONS

__all__ = ["EmotionFilter"]


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

    def to_csv(self, people: np.ndarray, sources: np.ndarray) -> str:
        """One row per face: index, person (-1 when unknown), source, the 7 probabilities, the
        predicted class, kept (0/1)."""
        kept = np.zeros(len(self.probabilities_), dtype=bool)
        kept[self.kept_] = True
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["index", "person", "source", *EMOTIONS, "predicted", "kept"])
        for i, (p, person, source) in enumerate(zip(self.probabilities_, people, sources)):
            writer.writerow([i, int(person), str(source), *(f"{v:.6f}" for v in p),
                             EMOTIONS[self.predicted_[i]], int(kept[i])])
        return out.getvalue()
