"""The readout files: the emotion model's 7 probabilities for every level of a clip, as CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from render.scene import EMOTIONS

__all__ = ["write_readout"]


def write_readout(folder: Path, clip: str, probabilities: np.ndarray, emotion: str) -> None:
    """``<clip>-readout.csv`` (a row per level) and ``<clip>-readout.json``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["level", *EMOTIONS, "predicted"])
    for level, row in enumerate(probabilities):
        writer.writerow([level, *(f"{v:.6f}" for v in row), EMOTIONS[int(row.argmax())]])
    (folder / f"{clip}-readout.csv").write_text(out.getvalue(), encoding="utf-8")
    chosen = probabilities[:, EMOTIONS.index(emotion)]
    document = {
        "clip": clip,
        "emotion": emotion,
        "first": float(chosen[0]),
        "last": float(chosen[-1]),
        "levels": [{name: round(float(v), 6) for name, v in zip(EMOTIONS, row)} for row in probabilities],
    }
    (folder / f"{clip}-readout.json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
