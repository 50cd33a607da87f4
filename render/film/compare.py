"""Comparisons: one person's face projected onto several bases, side by side, each panel labelled.

A scene's ``compare`` section (:mod:`render.scene.compare`) makes each input's film a row of panels:
the morph on the scene's own basis first, then on each other basis, all at the same level at once,
each with its label in a band beneath it. One job per input (:class:`CompareJob`), carrying one
morph per panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from render.encode import write_png
from render.film.compose import Canvas, to_pixels
from render.film.job import FilmJob
from render.film.reel import Film, write_film
from render.ground.morph import Morph
from render.scene import Scene
from render.scene.compare import band_height, panel_side
from render.scene.presets import safe_zone

__all__ = ["CompareJob", "comparison", "label_band"]

@dataclass(frozen=True, eq=False)
class CompareJob(FilmJob):
    """One input's comparison film: its morph on each panel's basis, the panels' labels, and what the
    manifest records of it."""

    scene: Scene
    name: str
    morphs: tuple[Morph, ...] = field(repr=False)
    labels: tuple[str, ...]
    settings: str = ""
    source: str = ""
    from_photo: bool = False  #: the face was framed from a photo: the crop is saved beside the film, as a clip's


    @property
    def title(self) -> str:
        return self.scene.title or f"{self.scene.name}: {self.name}"

    def write(self, staging: Path) -> int:
        count = write_film(comparison(self.morphs, self.labels, self.scene), self.name, staging, self.scene, self.title)
        if self.from_photo:
            write_png(staging / "crops" / f"{self.name}.png", to_pixels(self.morphs[0].face))
        return count


def comparison(morphs: tuple[Morph, ...], labels: tuple[str, ...], scene: Scene) -> Film:
    """The film of ``morphs`` side by side, labelled: at the scene's ``output.size`` a panel (the row as
    wide as it takes), or fitted into its ``output.frame`` (inside the preset's safe zone)."""
    output, spec, gap = scene.output, scene.morph, scene.compare.gap  # type: ignore[union-attr]
    count = len(morphs)
    planes = morphs[0].face.shape[2:]  #: () gray, (3,) colour
    pad_value = None if output.transparent else spec.pad_value
    background = int(to_pixels(np.float32(output.background_gray)))
    ink = 20 if output.background_gray >= 0.5 else 235

    def row(side: int, frame: tuple[int, int] | None, safe: tuple[int, int, int, int] | None):
        if frame is None:
            band = band_height(side)
            width, height = count * side + (count - 1) * gap, side + band
            left, top = 0, 0
        else:  # the scene checked that the panels fit (at least MIN_PANEL pixels)
            width, height = frame
            x0, y0, x1, y1 = safe or (0, 0, width, height)
            side = panel_side(count, gap, (x0, y0, x1, y1))
            band = band_height(side)
            full = count * side + (count - 1) * gap
            left, top = x0 + (x1 - x0 - full) // 2, y0 + (y1 - y0 - side - band) // 2
        canvas = Canvas(spec.padding, pad_value, side, output.interpolation)
        under = label_band(labels, side, band, gap, background, ink)
        base = np.full((height, width, *planes), background, np.uint8)
        base[top + side : top + side + band, left : left + under.shape[1]] = under[..., None] if planes else under

        def place(tiles) -> np.ndarray:
            out = base.copy()
            for i, morph in enumerate(morphs):
                x = left + i * (side + gap)
                out[top : top + side, x : x + side] = tiles(morph)
            return out

        def draw(level: int) -> np.ndarray:
            return place(lambda morph: canvas(morph.frame(level)))

        alpha = None
        if output.transparent:
            alpha = np.zeros((height, width), np.uint8)
            alpha[top + side : top + side + band, left : left + under.shape[1]] = 255
            for i, morph in enumerate(morphs):
                x = left + i * (side + gap)
                alpha[top : top + side, x : x + side] = canvas.mask(morph.face.shape)
        return draw, (width, height), alpha

    frame = tuple(output.frame) if output.frame is not None else None
    video, video_size, alpha = row(output.size, frame, safe_zone(output.preset, frame) if frame else None)
    small, gif_size, gif_alpha = row(output.gif_size, None, None)

    def frames(level: int, want_small: bool, want_bare: bool):
        pixels = video(level)
        return pixels, (small(level) if want_small else None), pixels

    clipped = None if spec.amount == 1 else (lambda: sum(m.clipped() for m in morphs))
    return Film(len(morphs[0]), frames, video_size, gif_size, alpha=alpha, bare_alpha=alpha, gif_alpha=gif_alpha,
                clipped=clipped, colour=bool(planes))


def label_band(labels: tuple[str, ...], side: int, height: int, gap: int, background: int, ink: int) -> np.ndarray:
    """The labels, each centred under its panel of ``side`` pixels, on a band ``height`` tall: gray
    (uint8). The text is as large as the band allows, smaller when a label is too wide for its panel,
    and cut short with an ellipsis when even the smallest size is."""
    from PIL import Image, ImageDraw, ImageFont

    width = len(labels) * side + (len(labels) - 1) * gap
    image = Image.new("L", (width, height), background)
    draw = ImageDraw.Draw(image)
    room = side - max(4, side // 16)
    for i, label in enumerate(labels):
        size = max(8, int(height * 0.62))
        font = ImageFont.load_default(size=size)
        while draw.textlength(label, font=font) > room and size > 8:
            size -= 1
            font = ImageFont.load_default(size=size)
        text = label
        while draw.textlength(text, font=font) > room and len(text) > 1:
            text = text[:-2] + "…"
        draw.text((i * (side + gap) + side / 2, height / 2), text, fill=ink, font=font, anchor="mm")
    return np.asarray(image, np.uint8)
