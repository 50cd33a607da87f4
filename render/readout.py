"""The readout: what the emotion model sees in every frame of a clip.

The model that chose the faces scores each level of the morph (the face itself, at the model's input
size, with the filter's preprocessing) in one batched pass. The seven probabilities per level are
written beside the clip (CSV and JSON) and drawn as a chart; the overlay stage draws them on the
video. The pass is cached with the clip, keyed by the model and the clip's own numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Callable

import numpy as np

from render.scene import EMOTIONS
from render.sequence import Morph

__all__ = ["morph_key", "write_readout", "chart"]

Scorer = Callable[[np.ndarray], np.ndarray]


def morph_key(morph: Morph) -> str:
    """sha256 of what a clip's frames are made of: face, target and weights."""
    h = hashlib.sha256()
    for array in (morph.face, morph.target, np.asarray(morph.weights, np.float64)):
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


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


#: One colour per class, told apart by colour-blind viewers too (Okabe and Ito's palette).
COLOURS = {
    "angry": (213, 94, 0), "disgust": (0, 158, 115), "fear": (86, 180, 233), "happy": (230, 159, 0),
    "sad": (0, 114, 178), "surprise": (204, 121, 167), "neutral": (120, 120, 120),
}  # fmt: skip


def chart(probabilities: np.ndarray, emotion: str, title: str, width: int = 900, height: int = 520) -> np.ndarray:
    """An RGB chart of each class's probability across the levels; the chosen class drawn bold."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(size=18), ImageFont.load_default(size=14)
    left, right, top, bottom = 70, width - 150, 50, height - 60
    draw.text((left, 14), title, fill=(20, 20, 20), font=font)
    for tick in np.linspace(0, 1, 6):
        y = bottom - tick * (bottom - top)
        draw.line([(left, y), (right, y)], fill=(225, 225, 225))
        draw.text((left - 10, y), f"{tick:.1f}", fill=(80, 80, 80), font=small, anchor="rm")
    levels = len(probabilities)
    step = max(1, int(round((levels - 1) / 5)))
    for tick in sorted({*range(0, levels, step), levels - 1}):
        x = left + tick / max(levels - 1, 1) * (right - left)
        draw.text((x, bottom + 8), str(tick), fill=(80, 80, 80), font=small, anchor="mt")
    draw.text(((left + right) / 2, bottom + 30), "level (person -> projection)", fill=(60, 60, 60), font=small, anchor="mt")
    draw.text((14, (top + bottom) / 2), "p", fill=(60, 60, 60), font=font, anchor="lm")
    draw.rectangle([left, top, right, bottom], outline=(150, 150, 150))
    xs = left + np.arange(levels) / max(levels - 1, 1) * (right - left)
    order = sorted(EMOTIONS, key=lambda name: name == emotion)  # the chosen class on top
    for name in order:
        ys = bottom - probabilities[:, EMOTIONS.index(name)] * (bottom - top)
        draw.line(list(zip(xs.tolist(), ys.tolist())), fill=COLOURS[name], width=5 if name == emotion else 2)
    for i, name in enumerate(EMOTIONS):
        y = top + 10 + i * 26
        draw.line([(right + 16, y), (right + 40, y)], fill=COLOURS[name], width=5 if name == emotion else 2)
        draw.text((right + 48, y), name, fill=(30, 30, 30), font=font if name == emotion else small, anchor="lm")
    return np.asarray(image)
