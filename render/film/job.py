"""Films as jobs of the batch: each writes one film of a scene into its own staging folder, publishes
it whole when complete, and describes its files for the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from render.ground.job import Finished
from render.ground.staging import render_staged

__all__ = ["FilmJob"]


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
        return Finished(str(self.scene.scene_dir), self.name, entry)

    def write(self, staging: Path) -> int:
        """Write the film's files into ``staging``; return its video frame count."""
        raise NotImplementedError
