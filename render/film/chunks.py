"""Long films cut into parts, rendered apart (on several workers), and joined without coding again.

A film longer than :data:`MIN_PARTS` chunks of about :data:`CHUNK_SECONDS` is cut at closed-GOP
boundaries (a whole number of the MP4's GOPs a chunk) into parts: each part is a job of the batch
that writes its run of the timeline (its video coded from a keyframe, its GIF frames from a whole
frame, its first-seen PNG frames) into a part folder of the film's gathering folder. When every part
has arrived (:class:`Whole`), they are joined on this machine: the videos by their format's joiner
(ffmpeg's concat demuxer, the streams copied), the GIF by its own writer, the PNG frames moved; the
soundtrack and the sidecar are made for the whole film, which is then published and recorded like
any other.

Where a film is cut depends on the film alone (its length, its frame rate, its GOP), never on the
workers: one worker or twenty make the same parts, so the same bytes.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from render.encode.gif import join as join_gif
from render.film.reel import VIDEOS, Film, Part, check_gif_weight, orders, soundtrack, write_sidecar_of
from render.ground.formats import film_formats
from render.ground.job import Finished
from render.ground.staging import receive, render_staged
from render.scene import OutputSpec, Scene

__all__ = ["CHUNK_SECONDS", "MIN_PARTS", "cut", "split", "join_film", "Whole"]

CHUNK_SECONDS = 10.0  #: about how long a part of a long film runs (a whole number of GOPs)
MIN_PARTS = 3  #: a film shorter than this many chunks is written whole, by one worker


def cut(film: Film, output: OutputSpec) -> list[Part]:
    """The parts of ``film`` as the scene's ``output`` writes it: none when it is written whole (too
    short, or one of its formats cannot be joined)."""
    chosen = [f for f in film_formats(output.formats) if f.role != "extra"]
    if "mp4" not in output.formats or not all(f.joinable for f in chosen):
        return []
    order, gif_order = orders(film, output)
    gop = max(1, round(output.fps * output.gop_seconds))
    size = gop * max(1, round(CHUNK_SECONDS * output.fps / gop))
    count = math.ceil(len(order) / size)
    if count < MIN_PARTS:
        return []
    parts = []
    for k in range(count):
        start, stop = k * size, min(len(order), (k + 1) * size)
        gif_start, gif_stop = (start, stop) if gif_order is order else (
            round(start * len(gif_order) / len(order)), round(stop * len(gif_order) / len(order)))
        parts.append(Part(k, count, start, stop, gif_start, gif_stop))
    return parts


def split(job: Any, film: Film) -> Whole | None:
    """The parts of a film job as jobs (its ``for_part(part, gather)``), and what joins them; None for a
    film written whole."""
    parts = cut(film, job.scene.output)
    if not parts:
        return None
    # In the scene's folder, named as a staging folder of this process: what a killed run leaves
    # there is swept by the next one.
    gather = job.scene.scene_dir / f".{job.name}.partial-{os.getpid()}-parts"
    jobs = [job.for_part(part, str(gather)) for part in parts]
    return Whole(job, tuple(parts), gather, jobs)


def join_film(film: Film, name: str, folders: list[Path], staging: Path, scene: Scene, title: str,
              parts: tuple[Part, ...]) -> int:
    """Join the ``parts`` of ``film``, each in its folder of ``folders``, into ``staging``, with the
    film's soundtrack and its sidecar; return its video frame count."""
    output = scene.output
    order, gif_order = orders(film, output)
    stems = [part.stem(name) for part in parts]
    with tempfile.TemporaryDirectory(prefix="happy-faces-track-") as scratch:
        track = soundtrack(output, len(order), Path(scratch))
        for fmt in film_formats(output.formats):
            pieces = [folder / f"{stem}{fmt.suffix}" for folder, stem in zip(folders, stems)]
            if fmt.role == "timeline":
                fmt.joins.load()(pieces, staging / f"{name}{fmt.suffix}", output, track.path if track else None)
            elif fmt.role == "gif":
                join_gif(pieces, staging / f"{name}.gif", film.gif_size, output.gif.colors, film.colour)
                check_gif_weight(staging / f"{name}.gif", len(gif_order), film, scene, name)
            elif fmt.role == "frames":
                target = staging / "frames" / name
                target.mkdir(parents=True, exist_ok=True)
                for folder in folders:
                    for png in sorted((folder / "frames" / name).glob("*.png")):
                        os.replace(png, target / png.name)
        listed = json.loads((folders[0] / f"{stems[0]}.json").read_text(encoding="utf-8"))
        video = next(f for f in film_formats(output.formats) if f.name in VIDEOS)  # as a film made whole
        write_sidecar_of(staging / f"{name}{video.suffix}", listed, scene, title, len(order), film, track)
    return len(order)


@dataclass(eq=False)
class Whole:
    """A long film being made in parts: its ``job`` (the film, whole), its ``parts``, the folder they
    are gathered in, and the part ``jobs`` the batch runs. Lives on this machine only."""

    job: Any
    parts: tuple[Part, ...]
    gather: Path
    jobs: list[Any]
    arrived: set[int] = field(default_factory=set)
    over: bool = False  #: joined, or failed: parts still arriving are dropped

    @property
    def label(self) -> str:
        return self.job.label

    def arrive(self, part: Part, result: Finished) -> Finished | None:
        """Take one part's result (its files too, sent by a worker elsewhere); once every part is in,
        join them, publish the film into its scene's folder and return its record."""
        folders = [job.folder for job in self.jobs]
        if result.files is not None:
            receive(folders[part.index], result.files, result.entry, f"worker {result.where}")
        self.arrived.add(part.index)
        if len(self.arrived) < len(self.parts):
            return None
        self.over = True
        job, scene = self.job, self.job.scene
        try:
            entry = render_staged(scene.scene_dir, lambda staging: job.join(folders, staging, self.parts),
                                  source=job.source, settings=job.settings, fps=scene.output.fps)
        finally:
            self.discard()
        return Finished(str(scene.scene_dir), job.name, entry)

    def discard(self) -> None:
        """Remove what was gathered (the film joined, failed, or the batch stopped)."""
        shutil.rmtree(self.gather, ignore_errors=True)
