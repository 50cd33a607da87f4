"""A film: frames for each level, written as the scene's videos (MP4, WebM, MOV), animated WebP, GIF
and PNG frames.

Whatever makes the frames (one face's morph, a grid of faces, a playlist of people) hands over a
:class:`Film`; this stage owns the encoders: the video follows the scene's timeline (extended to its
minimum duration), the GIF and the PNG frames hold each level once, and every file is finished, or
dropped, together.
"""

from __future__ import annotations

import json
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple, Optional

import numpy as np

from render import interrupt
from render.encode import FrameSink, FramesSink, GifSink, platform_bodies, write_sidecar
from render.encode.audio import Track, make_track, track_facts
from render.encode.ffmpeg import FfmpegSink
from render.errors import SceneError, shown
from render.scene import OutputSpec, Scene
from render.scene.presets import film_problem, gif_problem
from render.ground.formats import FORMATS, film_formats, formats_with
from render.ground.timeline import timeline

__all__ = ["Film", "Part", "write_film", "orders", "write_sidecar_of", "sounds", "soundtrack", "check_gif_weight", "VIDEOS"]

VIDEOS = formats_with(video=True)  #: the formats that are videos (with a sidecar, and sound when asked)
KEPT_BYTES = 96 << 20  #: frames composed and kept to be sent again (a 512 px film's 50 levels: 13 MB)

#: film frame, GIF frame wanted, PNG frame wanted -> (video frame, GIF frame or None, PNG frame or None)
Frames = Callable[[int, bool, bool], tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]]


@dataclass(frozen=True)
class Film:
    """``passages`` passages of ``levels`` levels, each followed by ``fade`` crossfade frames (see
    :mod:`render.ground.timeline`), whose frames ``frames`` draws, at these sizes (width, height)."""

    levels: int
    frames: Frames
    video_size: tuple[int, int]
    gif_size: tuple[int, int]
    passages: int = 1
    fade: int = 0
    alpha: Optional[np.ndarray] = None  #: the video frames' alpha channel (a transparent background)
    bare_alpha: Optional[np.ndarray] = None  #: the PNG frames' alpha channel
    gif_alpha: Optional[np.ndarray] = None  #: the GIF frames' alpha, to lay them on the matte
    #: how many pixels are drawn clipped, over every level: counted when the sidecar says it (the scene's
    #: morph.amount is not 1); None: not said
    clipped: Optional[Callable[[], int]] = None
    colour: bool = False  #: RGB frames (h, w, 3), not gray

    @property
    def length(self) -> int:
        """Frames of the film, each once (the PNG frames)."""
        return self.passages * (self.levels + self.fade)


@dataclass(frozen=True)
class Part:
    """Part ``index`` of a long film cut into ``count``: video frames [start, stop) of its timeline
    (whole closed GOPs) and GIF frames [gif_start, gif_stop) of its GIF's, written as
    ``<name>.part-<index><suffix>`` (no sound, no sidecar) to be joined (:mod:`render.film.chunks`)."""

    index: int
    count: int
    start: int
    stop: int
    gif_start: int
    gif_stop: int

    def stem(self, name: str) -> str:
        return f"{name}.part-{self.index:04d}"


def orders(film: Film, output: OutputSpec) -> tuple[np.ndarray, np.ndarray]:
    """The film frame shown at each video frame, and at each GIF frame (the same array when the GIF
    runs at the video's rate)."""
    order = timeline(film.levels, output.fps, output.pacing, film.passages, film.fade)
    gif_order = order if output.gif_fps == output.fps else timeline(
        film.levels, output.gif_fps, output.pacing, film.passages, film.fade)
    return order, gif_order


def write_film(film: Film, name: str, staging: Path, scene: Scene, title: str, part: Part | None = None) -> int:
    """Write ``<name>.mp4`` (+ its sidecar), ``.webm``, ``.mov``, ``.webp``, ``.gif`` and
    ``frames/<name>/`` as the scene asks; return the number of video frames. The videos, the WebP and
    the GIF follow the scene's pacing (the GIF at its own frame rate), the PNG frames hold each frame
    of the film once; a soundtrack, made once, goes into every video. With ``part``, only that part
    of the film, without its sound and sidecar (added when the parts are joined)."""
    output = scene.output
    order, gif_order = orders(film, output)
    _check_limits(film, name, scene, order, gif_order)
    seen = -1
    if part is not None:  # the PNG frames already written by the parts before hold their frames
        seen = int(order[: part.start].max()) if part.start else -1
        same = gif_order is order
        order = order[part.start : part.stop]
        gif_order = order if same else gif_order[part.gif_start : part.gif_stop]
    with tempfile.TemporaryDirectory(prefix="happy-faces-track-") as scratch:
        track = soundtrack(output, len(order), Path(scratch)) if part is None else None
        videos, gif, pngs = _sinks(film, name, staging, output, track, part)
        sinks: list[FrameSink] = [*videos.values(), *(s for s in (gif, pngs) if s is not None)]
        gif_apart = gif is not None and bool(videos) and gif_order is not order  # the GIF's own pass
        try:
            main = order if videos else gif_order if gif else _asked(film, name, scene)
            matte = _Matte(film, output.matte, [fmt for fmt in videos if not FORMATS[fmt].alpha])
            _play(film, main, list(videos.items()), None if gif_apart else gif, pngs, matte, seen)
            if gif_apart:
                _play(film, gif_order, [], gif, None, matte)
            for sink in sinks:
                sink.close()
            if gif and part is None:
                check_gif_weight(gif.path, len(gif_order), film, scene, name)
        except BaseException:
            for sink in sinks:
                sink.abort()
            raise
    films = [sink for fmt, sink in videos.items() if fmt in VIDEOS]
    listed = [{"file": f"{name}{sink.path.suffix}", **sink.facts} for sink in [*videos.values(), *([gif] if gif else [])]]
    if films and part is None:
        write_sidecar_of(films[0].path, listed, scene, title, len(order), film, track)
    elif part is not None:  # what each file's encoder says of it, for the joined film's sidecar
        (staging / f"{part.stem(name)}.json").write_text(json.dumps(listed), encoding="utf-8")
    return len(order) if videos else len(gif_order) if gif else film.length


def _asked(film: Film, name: str, scene: Scene) -> np.ndarray:
    """The film's frames the PNG frames hold: every one, or those ``output.frames_at`` names."""
    asked = scene.output.frames_at
    if asked is None:
        return np.arange(film.length)
    past = [k for k in asked if k >= film.length]
    if past:
        raise SceneError(f"{shown(scene.source or scene.name)}: output.frames_at: frame {past[0]} is past the last "
                         f"frame of {name!r} ({film.length - 1}); ask for 0 to {film.length - 1}")
    return np.array(sorted(set(asked)))


def sounds(output: OutputSpec) -> bool:
    """Whether the scene's films have its soundtrack (only its videos do)."""
    return output.audio is not None and bool(set(output.formats) & set(VIDEOS))


def soundtrack(output: OutputSpec, frames: int, scratch: Path) -> Track | None:
    """The soundtrack of a film of ``frames`` video frames, made into ``scratch``; None when it has none."""
    if not sounds(output):
        return None
    audio = output.audio
    return make_track(audio.path, frames / output.fps, audio.loudness, audio.fade, scratch)


def check_gif_weight(path: Path, frames: int, film: Film, scene: Scene, name: str) -> None:
    """The preset's limit on a GIF's bytes, known only once it is written (its staging folder, and so
    the GIF, then goes)."""
    heavy = gif_problem(scene.output.preset, frames, film.gif_size, path.stat().st_size)
    if heavy:
        raise SceneError(f"{shown(scene.source or scene.name)}: output.preset: the GIF of {name!r} is {heavy}")


def _check_limits(film: Film, name: str, scene: Scene, order: np.ndarray, gif_order: np.ndarray) -> None:
    """The preset's limits, checked on the film itself: a grid's or playlist's size and length are known only now."""
    output, formats = scene.output, scene.output.formats
    problem = film_problem(output.preset, len(order), output.fps, film.video_size) if "mp4" in formats else None
    if "gif" in formats:
        problem = problem or gif_problem(output.preset, len(gif_order), film.gif_size)
    if problem:
        raise SceneError(f"{shown(scene.source or scene.name)}: output.preset: the film {name!r} would be {problem}")


def _sinks(film: Film, name: str, staging: Path, output: OutputSpec, track: Track | None,
           part: Part | None = None) -> tuple[dict[str, FfmpegSink], GifSink | None, FramesSink | None]:
    """The encoders the scene asks for: each format fed the film's timeline (the videos and the WebP,
    in the format registry's order), the GIF and the PNG frames (a part's files named as a part's)."""
    formats, size, fps, alpha = output.formats, film.video_size, output.fps, film.alpha
    sound = track.path if track is not None else None
    stem = part.stem(name) if part is not None else name
    videos: dict[str, FfmpegSink] = {}
    gif = pngs = None
    try:  # each ffmpeg starts as its sink is made: one that cannot start stops those already running
        for fmt in film_formats(formats):
            if fmt.role == "timeline":  # a format without alpha gets the film laid on the matte (see _Matte)
                colour = {"colour": True} if film.colour else {}  # a gray film: a format's sink as it always was
                videos[fmt.name] = fmt.open_sink(staging / f"{stem}{fmt.suffix}", size, fps, output,
                                                 alpha if fmt.alpha else None, sound, **colour)
        if "gif" in formats:
            gif = GifSink(staging / f"{stem}.gif", film.gif_size, output.gif_fps, output.gif.colors,
                          output.gif.tolerance, output.gif.dither == "ordered",
                          part.gif_start if part is not None else 0, colour=film.colour)
        if "frames" in formats:
            pngs = FramesSink(staging / "frames" / name, film.bare_alpha)
    except BaseException:
        for sink in [*videos.values(), *([gif] if gif else [])]:
            sink.abort()
        raise
    return videos, gif, pngs


def write_sidecar_of(video: Path, listed: list[dict], scene: Scene, title: str, frames: int, film: Film,
                     track: Track | None) -> None:
    """``<name>.json`` beside ``video`` (the MP4 when there is one): its facts, every film file's
    (``listed``: each file's name and what its encoder says of it, with its soundtrack's facts added
    here), the morph's amount and the pixels it clipped when the amount is not 1, and the platforms'
    request bodies."""
    output, youtube = scene.output, scene.youtube
    platforms = platform_bodies(title, scene.description, scene.tags, scene.language, youtube.category,
                                youtube.privacy, youtube.made_for_kids, youtube.license)
    morph = {"amount": scene.morph.amount, "clipped_pixels": film.clipped()} if film.clipped is not None else None
    write_sidecar(video, title=title, description=scene.description, frames=frames, fps=output.fps,
                  size=film.video_size, preset=output.preset, platforms=platforms, morph=morph,
                  files=[{**facts, **_heard(facts["file"], output.preset, track)} for facts in listed])


def _heard(file: str, preset: str | None, track: Track | None) -> dict:
    """What the sidecar says of one film file's soundtrack."""
    container = file.rsplit(".", 1)[-1]
    return track_facts(container, track, preset) if track is not None and container in VIDEOS else {}


class _Matte:
    """A transparent film laid on ``output.matte`` for the formats without alpha (MP4, GIF): one run
    gives the see-through deliverable and the opaque one; ``flat`` names the videos that need it."""

    def __init__(self, film: Film, gray: float, flat: list[str]) -> None:
        self.flat = set(flat) if film.alpha is not None else set()
        self.video = self._weights(film.alpha, gray) if self.flat else None
        self.gif = self._weights(film.gif_alpha, gray) if film.gif_alpha is not None else None

    @staticmethod
    def _weights(alpha: np.ndarray, gray: float) -> tuple[np.ndarray, np.ndarray]:
        opaque = alpha.astype(np.float32) / 255.0
        return opaque, (1.0 - opaque) * np.float32(round(gray * 255))

    @staticmethod
    def lay(pixels: np.ndarray, weights: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        if weights is None:
            return pixels
        opaque, under = weights
        if pixels.ndim == 3:  # colour: one alpha for every channel
            opaque, under = opaque[..., None], under[..., None]
        return np.rint(pixels * opaque + under).astype(np.uint8)


def _play(film: Film, order: np.ndarray, videos: list[tuple[str, FfmpegSink]], gif: FrameSink | None,
          pngs: FrameSink | None, matte: _Matte, seen: int = -1) -> None:
    """Send the film's frames in ``order`` to the sinks given: every frame to the videos and the GIF
    (on the matte where a format has no alpha), each frame once (the first time it comes, after
    ``seen``) to the PNG frames. Each frame is composed once, and made a planar video's bytes once: a
    hold or a ping-pong's way back sends what was made before (the most recent frames are kept, up to
    :data:`KEPT_BYTES`; the composed frame itself only where a video takes it as it is)."""
    planar = [video.planar for _, video in videos]
    as_composed = not all(planar)
    kept: OrderedDict[int, _Kept] = OrderedDict()
    held = 0
    for index in order:
        interrupt.check()  # Ctrl-C stops a film here, between frames, never inside an encoder's queue
        first = index > seen  # a timeline only moves on to new frames: one seen again is a repeat
        index = int(index)
        if index in kept:
            kept.move_to_end(index)
            frame = kept[index]
        else:
            pixels, small, bare = film.frames(index, gif is not None, first and pngs is not None)
            flat = _Matte.lay(pixels, matte.video) if matte.flat else None
            made = tuple(video.raw(flat if fmt in matte.flat else pixels) if p else None
                         for (fmt, video), p in zip(videos, planar))
            if gif is not None:
                small = _Matte.lay(small, matte.gif)
            if first and pngs is not None:
                pngs.write(bare, index)
            frame = kept[index] = _Kept(pixels if as_composed else None, flat if as_composed else None, small, made)
            held += frame.nbytes
            while held > KEPT_BYTES and len(kept) > 1:
                held -= kept.popitem(last=False)[1].nbytes
        for (fmt, video), raw in zip(videos, frame.made):
            if raw is not None:
                video.send(raw)
            else:
                video.write(frame.flat if fmt in matte.flat else frame.pixels)
        if gif is not None:
            gif.write(frame.small)
        if first:
            seen = index


class _Kept(NamedTuple):
    """A frame kept to be sent again: as composed (where a video takes it so), on the matte, the GIF's,
    and each planar video's bytes (None for the others)."""

    pixels: np.ndarray | None
    flat: np.ndarray | None
    small: np.ndarray | None
    made: tuple[bytes | None, ...]

    @property
    def nbytes(self) -> int:
        arrays = sum(a.nbytes for a in (self.pixels, self.flat, self.small) if a is not None)
        return arrays + sum(len(raw) for raw in self.made if raw is not None)
