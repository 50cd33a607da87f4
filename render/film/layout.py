"""Layouts: many faces in one film.

- grid: every face morphing at once, tiled like the original's sheet of reconstructed happy faces;
- playlist: one face's morph after another, each person crossfading into the next, the last back
  into the first, so the film loops on a screen without a seam.

Each is one job of the batch (:class:`LayoutJob`), carrying every face's morph.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from render.film.compose import Canvas, to_pixels
from render.film.chunks import join_film
from render.film.reel import Film, Part, orders, write_film
from render.ground.easing import curve
from render.ground.morph import Morph
from render.film.job import FilmJob
from render.errors import SceneError, shown
from render.scene import GridLayout, Scene
from render.scene.presets import safe_zone

__all__ = ["LayoutJob", "grid_shape", "layout_name"]

MIN_TILE = 8  #: the smallest face a grid draws, in pixels


def layout_name(scene: Scene) -> str:
    """The film's name in the scene's folder: ``grid`` or ``playlist``."""
    return "grid" if isinstance(scene.layout, GridLayout) else "playlist"


@dataclass(frozen=True, eq=False)
class LayoutJob(FilmJob):
    """One film of many faces: every face's morph, in input order; or one ``part`` of it, gathered
    with the others in ``gather`` (see :mod:`render.film.chunks`)."""

    scene: Scene
    morphs: tuple[Morph, ...] = field(repr=False)
    settings: str  #: hash of every setting that shapes the film
    source: str  #: which faces, for the manifest
    name: str  #: ``grid`` or ``playlist`` (:func:`layout_name`)
    part: Part | None = None
    gather: str = ""

    def for_part(self, part: Part, gather: str) -> LayoutJob:
        """This film's job for one ``part``: a playlist's part carries only the faces it shows (the
        others None), so that a part sent to a worker weighs what it draws; a grid's shows them all."""
        morphs = self.morphs
        if not isinstance(self.scene.layout, GridLayout):
            order, gif_order = orders(self.film(), self.scene.output)
            shown = {int(k) for k in (*order[part.start : part.stop], *gif_order[part.gif_start : part.gif_stop])}
            levels, count = len(morphs[0]), len(morphs)
            per_person = levels + self.scene.layout.playlist.crossfade  # type: ignore[union-attr]
            people = {k // per_person for k in shown} | {(k // per_person + 1) % count for k in shown
                                                         if k % per_person >= levels}  # crossfading into the next
            morphs = tuple(morph if n in people else None for n, morph in enumerate(morphs))  # type: ignore[misc]
        return dataclasses.replace(self, morphs=morphs, part=part, gather=gather)

    def film(self) -> Film:
        return _grid(list(self.morphs), self.scene) if isinstance(self.scene.layout, GridLayout) \
            else _playlist(list(self.morphs), self.scene)

    @property
    def title(self) -> str:
        return self.scene.title or f"{self.scene.name}: {self.name}"

    def write(self, staging: Path) -> int:
        return write_film(self.film(), self.name, staging, self.scene, self.title, self.part)

    def join(self, folders: list[Path], staging: Path, parts: tuple[Part, ...]) -> int:
        """Join the film's ``parts``, each in its folder of ``folders``, into ``staging``."""
        return join_film(self.film(), self.name, folders, staging, self.scene, self.title, parts)


def grid_shape(count: int, rows: int | None, cols: int | None) -> tuple[int, int]:
    """(rows, cols) for ``count`` faces: as given, or as square as fits."""
    if rows and cols:
        return rows, cols
    if cols:
        return math.ceil(count / cols), cols
    if rows:
        return rows, math.ceil(count / rows)
    cols = math.ceil(math.sqrt(count))
    return math.ceil(count / cols), cols


def _grid(morphs: list[Morph], scene: Scene) -> Film:
    grid, output, spec = scene.layout.grid, scene.output, scene.morph  # type: ignore[union-attr]
    rows, cols = grid_shape(len(morphs), grid.rows, grid.cols)
    morphs = morphs[: rows * cols]
    background = to_pixels(np.float32(output.background_gray))
    pad_value = None if output.transparent else spec.pad_value

    def sheet_for(width: int, height: int):
        """The sheet of faces centred on a width x height frame (the video's, the GIF's), never beyond
        it, and the sheet's alpha channel."""
        tile = min((width - (cols - 1) * grid.gap) // cols, (height - (rows - 1) * grid.gap) // rows)
        if tile < MIN_TILE:
            raise SceneError(f"{shown(scene.source or scene.name)}: layout: {rows}x{cols} faces with a gap of "
                             f"{grid.gap} px leave less than {MIN_TILE} px a face on a {width}x{height} frame; use "
                             "fewer rows or columns, a smaller gap, or a larger frame")
        canvas = Canvas(spec.padding, pad_value, tile, output.interpolation)
        full = (cols * tile + (cols - 1) * grid.gap, rows * tile + (rows - 1) * grid.gap)
        left, top = (width - full[0]) // 2, (height - full[1]) // 2

        def place(tiles, fill: int, planes: tuple[int, ...] = ()) -> np.ndarray:
            out = np.full((height, width, *planes), fill, np.uint8)
            for i, morph in enumerate(morphs):
                r, c = divmod(i, cols)
                y, x = top + r * (tile + grid.gap), left + c * (tile + grid.gap)
                out[y : y + tile, x : x + tile] = tiles(morph)
            return out

        def draw(level: int) -> np.ndarray:
            return place(lambda morph: canvas(morph.frame(level)), background, morphs[0].face.shape[2:])

        alpha = place(lambda morph: canvas.mask(morph.face.shape), 0) if output.transparent else None
        return draw, (width, height), alpha

    video, video_size, alpha = sheet_for(*output.frame_size)
    small, gif_size, _ = sheet_for(output.gif_size, output.gif_size)

    def frames(level: int, want_small: bool, want_bare: bool):
        pixels = video(level)
        return pixels, (small(level) if want_small else None), pixels

    return Film(len(morphs[0]), frames, video_size, gif_size, alpha=alpha, bare_alpha=alpha,
                clipped=_clipped(morphs, scene), colour=morphs[0].face.ndim == 3)


def _playlist(morphs: list[Morph], scene: Scene) -> Film:
    playlist, output, spec = scene.layout.playlist, scene.output, scene.morph  # type: ignore[union-attr]
    first = next(morph for morph in morphs if morph is not None)  # a part's job carries only the faces it shows
    levels, fade = len(first), playlist.crossfade
    shape = curve(spec.easing)
    per_person = levels + fade
    safe = safe_zone(output.preset, output.frame) if output.frame is not None else None
    video = Canvas(spec.padding, None if output.transparent else spec.pad_value, output.size, output.interpolation,
                   output.frame, output.background_gray, safe=safe)
    alpha = video.mask(first.face.shape) if output.transparent else None
    small = Canvas(spec.padding, spec.pad_value, output.gif_size, output.interpolation)

    def face_at(index: int) -> np.ndarray:
        person, step = divmod(index, per_person)
        if step < levels:
            return morphs[person].frame(step)
        # From this person's projection (once), or back at their own face (pingpong), to the next person
        # (the first, after the last).
        t = float(shape(np.array((step - levels + 1) / (fade + 1))))  # eased as the morph is
        nxt = morphs[(person + 1) % len(morphs)]
        leaving = morphs[person].frame(levels - 1 if output.loop == "once" else 0)
        return ((1 - t) * leaving + t * nxt.frame(0)).astype(np.float32)

    def frames(index: int, want_small: bool, want_bare: bool):
        face = face_at(index)
        pixels = video(face)
        return pixels, (small(face) if want_small else None), pixels

    return Film(levels, frames, output.frame_size, (output.gif_size, output.gif_size), len(morphs), fade, alpha=alpha,
                bare_alpha=alpha, clipped=_clipped(morphs, scene), colour=first.face.ndim == 3)


def _clipped(morphs: list[Morph | None], scene: Scene) -> Callable[[], int] | None:
    """What counts the pixels the faces' morphs clip, when the scene's amount is not 1 (None: not said)."""
    if scene.morph.amount == 1:
        return None
    return lambda: sum(m.clipped() for m in morphs if m is not None)
