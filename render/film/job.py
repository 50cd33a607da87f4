"""Films as jobs of the batch: each writes one film of a scene into its own staging folder, publishes
it whole when complete, and describes its files for the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from render.hashing import describe_files
from render.run.job import Finished
from render.run.staging import staged

__all__ = ["FilmJob", "render_staged"]


class FilmJob:
    """A job that writes one film of a scene (its ``name``) with ``write(staging)``, published whole
    into the scene's folder and recorded under its ``settings`` and ``source``. Subclasses are frozen
    dataclasses with those fields."""

    scene: Any  #: render.scene.Scene
    name: str
    settings: str
    source: str

    @property
    def label(self) -> str:
        return f"{self.scene.name}: {self.name}"

    def __call__(self) -> Finished:
        entry = render_staged(self.scene.scene_dir, self.write, source=self.source, settings=self.settings,
                              fps=self.scene.output.fps)
        return Finished(self.scene.name, self.name, entry)

    def write(self, staging: Path) -> int:
        """Write the film's files into ``staging``; return its video frame count."""
        raise NotImplementedError


def render_staged(folder: Path, write: Callable[[Path], int], *, source: str, settings: str,
                  fps: float) -> dict[str, Any]:
    """Run ``write(staging)`` (it returns the film's frame count) in a staging folder of ``folder``,
    publish what it wrote, and return the manifest entry that describes it."""
    with staged(folder, sweep=False) as staging:
        count = write(staging)
        # Described here, before publishing: once published, another render of the same scene may
        # already be replacing these files with its own (identical) ones.
        files = describe_files(staging, [p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()])
    return {"input": source, "settings": settings, "frames": count, "duration_s": round(count / fps, 6),
            "files": files}
