"""A film: frames for each level, written as the scene's MP4, GIF and PNG frames.

Whatever makes the frames (one face's morph, a grid of faces, a playlist of people) hands over a
:class:`Film`; this stage owns the encoders: the video follows the scene's timeline (extended to its
minimum duration), the GIF and the PNG frames hold each level once, and every file is finished, or
dropped, together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from render import interrupt
from render.encode import FrameSink, FramesSink, GifSink, H264, Mp4Sink, platform_bodies, write_sidecar
from render.errors import SceneError, shown
from render.scene import Scene
from render.scene.presets import film_problem, gif_problem
from render.film.timeline import timeline

__all__ = ["Film", "write_film"]

#: level, first time shown -> (video frame, GIF frame or None, PNG frame or None)
Frames = Callable[[int, bool], tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]]


@dataclass(frozen=True)
class Film:
    """``levels`` levels whose frames ``frames`` draws, at these sizes (width, height)."""

    levels: int
    frames: Frames
    video_size: tuple[int, int]
    gif_size: tuple[int, int]


def write_film(film: Film, name: str, staging: Path, scene: Scene, title: str) -> int:
    """Write ``<name>.mp4`` (+ its sidecar), ``<name>.gif`` and ``frames/<name>/`` as the scene asks;
    return the number of video frames."""
    output = scene.output
    order = timeline(film.levels, output.fps, output.min_duration, output.extend)
    mp4 = gif = pngs = None
    problem = film_problem(output.preset, len(order), output.fps, film.video_size) if "mp4" in output.formats else None
    if "gif" in output.formats:  # a GIF holds each level once
        problem = problem or gif_problem(output.preset, film.levels, film.gif_size)
    if problem:  # checked on the film itself: a grid's or playlist's size and length are known only now
        raise SceneError(f"{shown(scene.source or scene.name)}: output.preset: the film {name!r} would be {problem}")
    if "mp4" in output.formats:
        gop = max(1, round(output.fps * output.gop_seconds))
        mp4 = Mp4Sink(staging / f"{name}.mp4", film.video_size, output.fps, H264(output.crf, output.max_kbps, gop))
    if "gif" in output.formats:
        gif = GifSink(staging / f"{name}.gif", film.gif_size, output.gif_fps, output.gif.colors, output.gif.tolerance,
                      output.gif.dither == "ordered")
    if "frames" in output.formats:
        pngs = FramesSink(staging / "frames" / name)
    sinks: list[FrameSink] = [s for s in (mp4, gif, pngs) if s is not None]
    try:
        seen, current, pixels = -1, -1, None
        for level in order if mp4 else range(film.levels):
            interrupt.check()  # Ctrl-C stops a film here, between frames, never inside an encoder's queue
            first = level > seen  # timelines only move on: a level seen again is a repeat
            if level != current or first:
                pixels, small, bare = film.frames(level, first)
                current = level
            if mp4:
                mp4.write(pixels)
            if first:
                if gif:
                    gif.write(small)
                if pngs:
                    pngs.write(bare)
                seen = level
        for sink in sinks:
            sink.close()
        heavy = gif_problem(output.preset, film.levels, film.gif_size, gif.path.stat().st_size) if gif else None
        if heavy:  # known only once written; the staging folder, and so the GIF, goes
            raise SceneError(f"{shown(scene.source or scene.name)}: output.preset: the GIF of {name!r} is {heavy}")
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise
    if mp4:
        youtube = scene.youtube
        platforms = platform_bodies(title, scene.description, scene.tags, scene.language, youtube.category,
                                    youtube.privacy, youtube.made_for_kids, youtube.license)
        write_sidecar(mp4.path, title=title, description=scene.description, frames=len(order), fps=output.fps,
                      size=film.video_size, preset=output.preset, platforms=platforms)
    return len(order) if mp4 else film.levels
