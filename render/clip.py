"""A clip: one subject's morph written in every format the scene asks for.

The video (MP4) shows the levels in the order of :func:`render.sequence.timeline` (extended to the
scene's minimum duration); the PNG frames and the GIF hold each level once. Each level is composed
when it is needed, so a clip is never held in memory whole.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from render.basis import Basis
from render.compose import Canvas, to_pixels
from render.encode import FrameSink, FramesSink, GifSink, H264, Mp4Sink, write_png, write_sidecar, write_viewer
from render.scene import Scene
from render.sequence import Morph, morph_weights, target_face, timeline
from render.stills import STRIP_FRAMES, strip
from render.subject import Subject

__all__ = ["render_clip"]


def render_clip(subject: Subject, basis: Basis, scene: Scene, staging: Path) -> int:
    """Write the subject's clip into ``staging``; return the number of video frames."""
    morph_spec, output = scene.morph, scene.output
    morph = Morph(subject.face, target_face(subject.face, basis, morph_spec.target), morph_weights(morph_spec))
    pad = (morph_spec.padding, morph_spec.pad_value)
    video = Canvas(*pad, output.size, output.interpolation, output.frame, output.background)
    small = Canvas(*pad, output.gif_size, output.interpolation)
    order = timeline(len(morph), output.fps, output.min_duration, output.extend)

    mp4 = gif = frames = None
    if "mp4" in output.formats:
        gop = max(1, round(output.fps * output.gop_seconds))
        mp4 = Mp4Sink(staging / f"{subject.name}.mp4", output.frame_size, output.fps,
                      H264(output.crf, output.max_kbps, gop))
    if "gif" in output.formats:
        side = output.gif_size
        gif = GifSink(staging / f"{subject.name}.gif", (side, side), output.gif_fps, output.gif.colors,
                      output.gif.tolerance)
    if "frames" in output.formats:
        frames = FramesSink(staging / "frames" / subject.name)
    sinks: list[FrameSink] = [s for s in (mp4, gif, frames) if s is not None]
    try:
        shown, current, pixels = -1, -1, None
        for level in order if mp4 else range(len(morph)):
            if level != current:
                face, current = morph.frame(level), level
                pixels = video(face)
            if mp4:
                mp4.write(pixels)
            if level > shown:  # the first time this level appears (timelines only move on)
                if frames:
                    frames.write(pixels)
                if gif:
                    gif.write(pixels if small == video else small(face))
                shown = level
        for sink in sinks:
            sink.close()
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise

    if mp4:
        write_sidecar(mp4.path, title=scene.title or f"{scene.name}: {subject.name}",
                      description=scene.description, frames=len(order), fps=output.fps,
                      size=output.frame_size, preset=output.preset)
    if "html" in output.formats:
        coefficients = basis.project(subject.face[None])[0] if morph_spec.target == "projection" else np.zeros(len(basis.components_))
        write_viewer(staging / f"{subject.name}.html", face=subject.face, target=morph.target, basis=basis,
                     coefficients=coefficients, spread=basis.spread_, weights=morph.weights,
                     padding=morph_spec.padding, pad_value=morph_spec.pad_value, size=output.size,
                     interpolation=output.interpolation, emotion=scene.filter.emotion,
                     title=scene.title or f"{scene.name}: {subject.name}", idle_seconds=output.viewer.idle_seconds)
    if subject.from_photo:
        write_png(staging / "crops" / f"{subject.name}.png", to_pixels(subject.face))
    if "stills" in output.formats:
        picks = np.unique(np.linspace(0, len(morph) - 1, min(STRIP_FRAMES, len(morph))).round().astype(int))
        still = Canvas(*pad, min(output.size, 512), output.interpolation)
        write_png(staging / "stills" / f"{subject.name}-sequence.png", strip([still(morph.frame(k)) for k in picks]))
    return len(order) if mp4 else len(morph)
