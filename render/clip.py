"""A clip: one subject's morph written in every format the scene asks for.

The video (MP4) shows the levels in the order of :func:`render.sequence.timeline` (extended to the
scene's minimum duration); the PNG frames and the GIF hold each level once. Each level is composed
when it is needed, so a clip is never held in memory whole. The emotion model's reading of every
level (the readout) is written beside the clip, charted, and drawn on the video and GIF when the
scene's overlay asks; the PNG frames stay the bare film.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from render.basis import Basis
from render.compose import Canvas, to_pixels
from render.encode import write_png, write_viewer
from render.film import Film, write_film
from render.overlay import Overlay, band_height
from render.readout import chart, write_readout
from render.scene import Scene
from render.sequence import Morph
from render.stills import STRIP_FRAMES, strip
from render.subject import Subject

__all__ = ["render_clip"]

#: Scores a clip: its morph to (levels, 7) probabilities (cached by the caller).
Reader = Callable[[Morph], np.ndarray]


def render_clip(subject: Subject, basis: Basis, scene: Scene, staging: Path, read: Reader) -> int:
    """Write the subject's clip into ``staging``; return the number of video frames."""
    morph_spec, output = scene.morph, scene.output
    morph = Morph.of(subject.face, basis, morph_spec)
    readout = read(morph)
    write_readout(staging, subject.name, readout, scene.filter.emotion)
    title = scene.title or f"{scene.name}: {subject.name}"

    pad = (morph_spec.padding, morph_spec.pad_value)
    overlaid = scene.overlay.readout != "none"
    video_band = gif_band = 0
    face_side = output.size
    if overlaid:
        video_band = band_height(output.size)
        if output.frame is not None:  # a fixed frame: the face makes room for the band if it must
            width, height = output.frame
            face_side = min(output.size, height - band_height(min(width, height)))
            video_band = height - face_side if height - face_side < 2 * video_band else video_band
        gif_band = band_height(output.gif_size)
    frame = Canvas(*pad, output.size, output.interpolation, output.frame, output.background)
    video = Canvas(*pad, face_side, output.interpolation, output.frame, output.background, video_band)
    small = Canvas(*pad, output.gif_size, output.interpolation, band=gif_band)
    mark_video = Overlay(scene.overlay.readout, scene.filter.emotion, video_band, readout[0]) if overlaid else None
    mark_gif = Overlay(scene.overlay.readout, scene.filter.emotion, gif_band, readout[0]) if overlaid else None
    def frames(level: int, first: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        face = morph.frame(level)
        pixels = video(face)
        if mark_video:
            pixels = mark_video(pixels, readout[level])
        if not first:
            return pixels, None, None
        bare = frame(face) if overlaid or video != frame else pixels
        small_pixels = pixels if small == video else small(face)
        if mark_gif and small != video:
            small_pixels = mark_gif(small_pixels, readout[level])
        return pixels, small_pixels, bare

    count = write_film(Film(len(morph), frames, _size(video), _size(small)), subject.name, staging, scene, title)

    if "html" in output.formats:
        coefficients = basis.project(subject.face[None])[0] if morph_spec.target == "projection" else np.zeros(len(basis.components_))
        write_viewer(staging / f"{subject.name}.html", face=subject.face, target=morph.target, basis=basis,
                     coefficients=coefficients, spread=basis.spread_, weights=morph.weights,
                     padding=morph_spec.padding, pad_value=morph_spec.pad_value, size=output.size,
                     interpolation=output.interpolation, emotion=scene.filter.emotion, title=title,
                     idle_seconds=output.viewer.idle_seconds)
    if subject.from_photo:
        write_png(staging / "crops" / f"{subject.name}.png", to_pixels(subject.face))
    if "stills" in output.formats:
        picks = np.unique(np.linspace(0, len(morph) - 1, min(STRIP_FRAMES, len(morph))).round().astype(int))
        still = Canvas(*pad, min(output.size, 512), output.interpolation)
        write_png(staging / "stills" / f"{subject.name}-sequence.png", strip([still(morph.frame(k)) for k in picks]))
        write_png(staging / "stills" / f"{subject.name}-readout.png",
                  chart(readout, scene.filter.emotion, f"{title}: what the model reads in each frame"))
    return count


def _size(canvas: Canvas) -> tuple[int, int]:
    """(width, height) of the frames a canvas makes."""
    return canvas.frame or (canvas.size, canvas.size + canvas.band)
