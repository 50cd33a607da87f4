"""Films as jobs of the batch: each writes one film of a scene into its own staging folder, publishes
it whole when complete, and describes its files for the manifest.

On a worker that shares no disk with this machine (another machine of a Dask cluster) a film runs as
:class:`Away`: it carries the one file a film reads from the scene's folder (the soundtrack) as bytes,
renders into the worker's own temporary folder, and sends the finished files back, described as the
manifest will list them; this machine checks and publishes them (:func:`render.ground.staging.receive`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from render.errors import InputError
from render.film.reel import sounds
from render.ground.job import Finished
from render.ground.staging import describe_render, render_staged

__all__ = ["FilmJob", "Away"]


class FilmJob:
    """A job that writes one film of a scene (its ``name``) with ``write(staging)``, published whole
    into the scene's folder and recorded under its ``settings`` and ``source``. Subclasses are frozen
    dataclasses with those fields."""

    scene: Any  #: render.scene.Scene
    name: str
    settings: str
    source: str
    part: Any = None  #: render.film.reel.Part: the part of a long film this job writes (None: all of it)
    gather: str = ""  #: where the parts of a long film are gathered (render.film.chunks)

    @property
    def label(self) -> str:
        part = f" [part {self.part.index + 1}/{self.part.count}]" if self.part is not None else ""
        return f"{self.scene.name}: {self.name}{part}"

    @property
    def folder(self) -> Path:
        """Where the job's files go: the scene's folder, or its part's folder among a film's parts."""
        if self.part is None:
            return self.scene.scene_dir
        return Path(self.gather) / f"part-{self.part.index:04d}"

    def __call__(self) -> Finished:
        entry = render_staged(self.folder, self.write, source=self.source, settings=self.settings,
                              fps=self.scene.output.fps)
        return Finished(str(self.scene.scene_dir), self.name, entry)

    def write(self, staging: Path) -> int:
        """Write the film's files into ``staging``; return its video frame count."""
        raise NotImplementedError

    def away(self) -> Away:
        audio = self.scene.output.audio
        if not sounds(self.scene.output) or self.part is not None:  # parts: the sound is added when joined
            return Away(self)
        try:
            stat = audio.path.stat()  # an edited soundtrack (render --watch) is read again
            return Away(self, _read(audio.path, stat.st_mtime_ns, stat.st_size))
        except OSError as exc:  # said by the job, as the failure of this film alone
            return Away(self, problem=f"{audio.path}: output.audio: cannot be read ({exc.strerror}); check the file, "
                                      f"and render again")


@functools.lru_cache(maxsize=2)
def _read(path: Path, mtime_ns: int, size: int) -> bytes:
    """A soundtrack's bytes, read once for all the films of a batch (which then share them)."""
    return path.read_bytes()


@dataclass(frozen=True)
class Away:
    """A film job for a worker elsewhere: ``job`` with its scene's soundtrack as ``sound`` bytes."""

    job: FilmJob
    sound: bytes | None = field(default=None, repr=False)
    problem: str | None = None  #: why the job cannot be sent whole (said as its failure)

    @property
    def label(self) -> str:
        return self.job.label

    @property
    def part(self) -> Any:
        return self.job.part

    def away(self) -> Away:
        return self

    def __call__(self) -> Finished:
        job, scene = self.job, self.job.scene
        if self.problem:
            raise InputError(self.problem)
        with tempfile.TemporaryDirectory(prefix="happy-faces-away-") as scratch:
            if self.sound is not None:
                audio = scene.output.audio
                track = Path(scratch) / f"soundtrack{audio.path.suffix}"
                track.write_bytes(self.sound)
                output = scene.output.model_copy(update={"audio": audio.model_copy(update={"path": track})})
                job = dataclasses.replace(job, scene=scene.model_copy(update={"output": output}))
            staging = Path(scratch) / "film"
            staging.mkdir()
            count = job.write(staging)
            entry = describe_render(staging, count, source=job.source, settings=job.settings, fps=scene.output.fps)
            files = {name: staging.joinpath(name).read_bytes() for name in entry["files"]}
        return Finished(str(scene.scene_dir), job.name, entry, files, f"{socket.gethostname()}:{os.getpid()}")
