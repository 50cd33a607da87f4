"""Stills that explain a film, like the original's figures.

The scene's: the mean face, each component (scaled for display; with the appearance basis, each shape
mode and each texture mode as a strip of three faces, two standard deviations either side of the
mean), a sheet of the kept faces and one of their reconstructions on the basis. Each clip's: a strip of its sequence and a chart of what the
model reads in each frame. This stage draws them and writes them as PNG into ``stills/``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from render.encode import write_png
from render.film.compose import Canvas, to_pixels
from render.ground.morph import Morph
from render.learn.basis import Basis
from render.scene import EMOTIONS, Scene

__all__ = ["basis_stills", "sheet", "strip", "display_scaled", "chart", "write_scene_stills", "write_clip_stills"]

STRIP_FRAMES = 8


def display_scaled(component: np.ndarray) -> np.ndarray:
    """A component mapped to [0, 1] for display: its min to black, its max to white."""
    low, high = float(component.min()), float(component.max())
    return (component - low) / (high - low) if high > low else np.full_like(component, 0.5)


def sheet(faces: np.ndarray, canvas: Canvas, columns: int | None = None) -> np.ndarray:
    """Faces tiled in a near-square grid, each through ``canvas``; empty cells take the pad value."""
    n = len(faces)
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    tile = canvas.size
    out = np.full((rows * tile, columns * tile, *faces[0].shape[2:]), to_pixels(np.float32(canvas.pad_value)), np.uint8)
    for i, face in enumerate(faces):
        r, c = divmod(i, columns)
        out[r * tile : (r + 1) * tile, c * tile : (c + 1) * tile] = canvas(face)
    return out


def strip(frames: list[np.ndarray]) -> np.ndarray:
    """Frames side by side."""
    return np.concatenate(frames, axis=1)


def basis_stills(basis: Basis, kept: np.ndarray, canvas: Canvas, tile: Canvas) -> dict[str, np.ndarray]:
    """Named stills of a basis and the faces it was fitted on.

    The mean and components go through ``canvas`` (the film's frame); the sheets tile faces
    through ``tile`` (usually the faces' own resolution).
    """
    stills = {"mean": canvas(basis.mean_)}
    for name, faces in basis.modes().items():
        stills[name] = strip([canvas(face) for face in faces]) if len(faces) > 1 else canvas(display_scaled(faces[0]))
    stills["kept-faces"] = sheet(kept, tile)
    stills["reconstructions"] = sheet(basis.reconstructions(kept), tile)
    return stills


def write_scene_stills(folder: Path, scene: Scene, basis: Basis, kept: np.ndarray) -> None:
    """The basis stills of a scene, as ``folder/stills/<name>.png``: the mean and components at the
    film's scale (at most 512 px), the sheets at the faces' own resolution."""
    morph, output = scene.morph, scene.output
    still = Canvas(morph.padding, morph.pad_value, min(output.size, 512), output.interpolation)
    native = Canvas(morph.padding, morph.pad_value, kept.shape[1] + 2 * morph.padding, "area")
    for name, image in basis_stills(basis, kept, still, native).items():
        write_png(folder / "stills" / f"{name}.png", image)


def write_clip_stills(folder: Path, name: str, morph: Morph, readout: np.ndarray | None, scene: Scene,
                      title: str) -> None:
    """A clip's stills: ``<name>-sequence.png`` (evenly spaced frames) and, with a readout,
    ``<name>-readout.png`` (its chart)."""
    spec, output = scene.morph, scene.output
    picks = np.unique(np.linspace(0, len(morph) - 1, min(STRIP_FRAMES, len(morph))).round().astype(int))
    still = Canvas(spec.padding, spec.pad_value, min(output.size, 512), output.interpolation)
    write_png(folder / "stills" / f"{name}-sequence.png", strip([still(morph.frame(k)) for k in picks]))
    if readout is not None:
        write_png(folder / "stills" / f"{name}-readout.png",
                  chart(readout, scene.filter.emotion, f"{title}: what the model reads in each frame"))


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
