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

#: film frame, GIF frame wanted, PNG frame wanted -> (video frame, GIF frame or None, PNG frame or None)
Frames = Callable[[int, bool, bool], tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]]


@dataclass(frozen=True)
class Film:
    """``passages`` passages of ``levels`` levels, each followed by ``fade`` crossfade frames (see
    :mod:`render.film.timeline`), whose frames ``frames`` draws, at these sizes (width, height)."""

    levels: int
    frames: Frames
    video_size: tuple[int, int]
    gif_size: tuple[int, int]
    passages: int = 1
    fade: int = 0

    @property
    def length(self) -> int:
        """Frames of the film, each once (the PNG frames)."""
        return self.passages * (self.levels + self.fade)


def write_film(film: Film, name: str, staging: Path, scene: Scene, title: str) -> int:
    """Write ``<name>.mp4`` (+ its sidecar), ``<name>.gif`` and ``frames/<name>/`` as the scene asks;
    return the number of video frames. The MP4 and the GIF follow the scene's pacing (each at its own
    frame rate), the PNG frames hold each frame of the film once."""
    output, formats = scene.output, scene.output.formats
    order = timeline(film.levels, output.fps, output.pacing, film.passages, film.fade)
    gif_order = order if output.gif_fps == output.fps else timeline(
        film.levels, output.gif_fps, output.pacing, film.passages, film.fade)
    mp4 = gif = pngs = None
    problem = film_problem(output.preset, len(order), output.fps, film.video_size) if "mp4" in formats else None
    if "gif" in formats:
        problem = problem or gif_problem(output.preset, len(gif_order), film.gif_size)
    if problem:  # checked on the film itself: a grid's or playlist's size and length are known only now
        raise SceneError(f"{shown(scene.source or scene.name)}: output.preset: the film {name!r} would be {problem}")
    if "mp4" in formats:
        gop = max(1, round(output.fps * output.gop_seconds))
        mp4 = Mp4Sink(staging / f"{name}.mp4", film.video_size, output.fps, H264(output.crf, output.max_kbps, gop))
    if "gif" in formats:
        gif = GifSink(staging / f"{name}.gif", film.gif_size, output.gif_fps, output.gif.colors, output.gif.tolerance,
                      output.gif.dither == "ordered")
    if "frames" in formats:
        pngs = FramesSink(staging / "frames" / name)
    sinks: list[FrameSink] = [s for s in (mp4, gif, pngs) if s is not None]
    gif_apart = gif is not None and mp4 is not None and gif_order is not order  # the GIF's own pass
    try:
        main = order if mp4 else gif_order if gif else np.arange(film.length)
        _play(film, main, mp4, None if gif_apart else gif, pngs)
        if gif_apart:
            _play(film, gif_order, None, gif, None)
        for sink in sinks:
            sink.close()
        heavy = gif_problem(output.preset, len(gif_order), film.gif_size, gif.path.stat().st_size) if gif else None
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
    return len(order) if mp4 else len(gif_order) if gif else film.length


def _play(film: Film, order: np.ndarray, video: FrameSink | None, gif: FrameSink | None,
          pngs: FrameSink | None) -> None:
    """Send the film's frames in ``order`` to the sinks given: every frame to the video and the GIF,
    each frame once (the first time it comes) to the PNG frames."""
    seen, current = -1, -1
    pixels = small = bare = None
    for index in order:
        interrupt.check()  # Ctrl-C stops a film here, between frames, never inside an encoder's queue
        first = index > seen  # a timeline only moves on to new frames: one seen again is a repeat
        if index != current:
            pixels, small, bare = film.frames(int(index), gif is not None, first and pngs is not None)
            current = index
        if video is not None:
            video.write(pixels)
        if gif is not None:
            gif.write(small)
        if first:
            if pngs is not None:
                pngs.write(bare)
            seen = index
