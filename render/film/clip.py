"""A clip: one subject's morph written in every format the scene asks for, as a job of the batch.

The video (MP4) shows the levels in the order of :func:`render.ground.timeline.timeline` (extended to
the scene's minimum duration); the PNG frames and the GIF hold each level once. Each level is
composed when it is needed, so a clip is never held in memory whole. The emotion model's reading of
every level (the readout, computed by the planner only when an output uses it) is written beside the
clip and charted (format ``readout``), and drawn on the video and GIF when the scene's overlay asks;
the PNG frames stay the bare film.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from render.encode import write_png, write_readout, write_viewer
from render.film.compose import Canvas, to_pixels
from render.film.overlay import Overlay, band_height
from render.film.reel import Film, write_film
from render.ground.morph import Morph
from render.film.stills import write_clip_stills
from render.learn.basis import fitted
from render.film.job import FilmJob
from render.scene import EMOTIONS, Scene
from render.scene.presets import safe_zone

__all__ = ["ClipJob", "render_clip"]


@dataclass(frozen=True, eq=False)
class ClipJob(FilmJob):
    """One face's clip: its morph (projection already computed), the basis (for the viewer: None when
    the scene writes none), the readout (what the model reads in each level), and what the manifest
    records of it."""

    scene: Scene
    name: str
    morph: Morph
    basis: dict[str, np.ndarray] | None = field(repr=False)
    readout: np.ndarray | None = field(repr=False)  #: (levels, 7) probabilities, when an output uses them
    from_photo: bool = False  #: the face was framed from a photo: the crop is saved beside the clip
    settings: str = ""  #: hash of every setting that shapes the clip
    source: str = ""  #: where the input came from
    #: the photo's crop at the film's resolution (8-bit), laid over the first levels (``morph.detail: photo``)
    detail: np.ndarray | None = field(repr=False, default=None)

    def write(self, staging: Path) -> int:
        return render_clip(self, staging)


def render_clip(job: ClipJob, staging: Path) -> int:
    """Write the clip's files into ``staging``; return the number of video frames."""
    scene, name, morph, readout = job.scene, job.name, job.morph, job.readout
    spec, output = scene.morph, scene.output
    if "readout" in output.formats:
        write_readout(staging, name, readout, scene.filter.emotion)
    title = scene.title or f"{scene.name}: {name}"

    pad = (spec.padding, None if output.transparent else spec.pad_value)
    overlaid = scene.overlay.readout != "none" and readout is not None
    video_band = gif_band = 0
    face_side = output.size
    safe = safe_zone(output.preset, output.frame) if output.frame is not None else None
    if overlaid:
        video_band = band_height(output.size)
        if output.frame is not None:  # a fixed frame: the face makes room for the band, inside the safe zone
            left, top, right, bottom = safe or (0, 0, *output.frame)
            room = bottom - top
            video_band = band_height(min(right - left, room))
            face_side = min(output.size, right - left, room - video_band)
            video_band = room - face_side if room - face_side < 2 * video_band else video_band
        gif_band = band_height(output.gif_size)
    background = output.background_gray
    frame = Canvas(*pad, output.size, output.interpolation, output.frame, background, safe=safe)
    video = Canvas(*pad, face_side, output.interpolation, output.frame, background, video_band, safe)
    small = Canvas(*pad, output.gif_size, output.interpolation, band=gif_band)
    alphas = (video.mask(morph.face.shape), frame.mask(morph.face.shape)) if output.transparent else (None, None)
    style, emotion = scene.overlay.readout, scene.filter.emotion
    mark_video = Overlay(style, emotion, video.band_box, readout[0]) if overlaid else None
    mark_gif = Overlay(style, emotion, small.band_box, readout[0]) if overlaid else None
    over = _details(job.detail, morph, spec.easing, (video, frame, small))

    def frames(level: int, want_small: bool, want_bare: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        face = morph.frame(level)
        pixels = video(face, over[video](level))
        if mark_video:
            pixels = mark_video(pixels, readout[level])
        small_pixels = bare = None
        if want_bare:
            bare = frame(face, over[frame](level)) if overlaid or video != frame else pixels
        if want_small:
            small_pixels = pixels if small == video else small(face, over[small](level))
            if mark_gif and small != video:
                small_pixels = mark_gif(small_pixels, readout[level])
        return pixels, small_pixels, bare

    film = Film(len(morph), frames, video.frame_size, small.frame_size, alpha=alphas[0], bare_alpha=alphas[1],
                gif_alpha=small.mask(morph.face.shape) if output.transparent else None,
                clipped=morph.clipped if spec.amount != 1 else None, colour=morph.face.ndim == 3)
    count = write_film(film, name, staging, scene, title)

    if "html" in output.formats:
        assert job.basis is not None, "a viewer's clip is planned with its basis"
        basis = fitted(job.basis)
        write_viewer(staging / f"{name}.html", face=morph.face, target=morph.target, basis=basis,
                     coefficients=morph.coefficients, weights=morph.weights,
                     padding=spec.padding, pad_value=spec.pad_value, size=output.size,
                     interpolation=output.interpolation, emotion=scene.filter.emotion, title=title,
                     idle_seconds=output.viewer.idle_seconds, loop=output.loop, hold_start=output.hold_start,
                     hold_end=output.hold_end,
                     readout=readout[:, EMOTIONS.index(scene.filter.emotion)] if overlaid else None,
                     shapes=morph.shapes)
    if job.from_photo:
        write_png(staging / "crops" / f"{name}.png", to_pixels(morph.face))
    if "stills" in output.formats:
        write_clip_stills(staging, name, morph, readout if "readout" in output.formats else None, scene, title)
    return count


def _details(detail: np.ndarray | None, morph: Morph, easing: str, canvases: tuple[Canvas, ...]) -> dict:
    """For each canvas, what it lays over level k (None: nothing, as without a detail)."""
    if detail is None:
        return {canvas: _nothing for canvas in canvases}
    from render.film.detail import Detailed, fades

    fade = fades(easing, len(morph))
    return {canvas: Detailed.of(detail, morph, canvas, fade) for canvas in canvases}


def _nothing(level: int) -> None:
    return None
