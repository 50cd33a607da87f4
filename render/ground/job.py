"""Jobs: the units of work a batch runs, whatever their kind.

A job is a small picklable object that carries exactly what its worker needs (never a model, never a
cache) and does its work when called, returning the record the manifest keeps of it. Each kind lives
with the stage that owns its work (films of a scene in :mod:`render.film.job`: a clip, a grid or a
playlist); the batch runs any of them through this protocol and knows nothing of their kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Job", "Finished"]


@dataclass(frozen=True)
class Finished:
    """A finished job: the manifest entry of ``name`` in the scene whose folder is ``scene`` (a scene is
    its folder: two scenes of one name may write two folders in one run)."""

    scene: str
    name: str
    entry: dict[str, Any]


class Job(Protocol):
    """What the batch runs: ``label`` names it in progress lines and errors (``scene: clip``), and
    calling it does the work, in whatever process the executor chose."""

    @property
    def label(self) -> str: ...

    def __call__(self) -> Finished: ...
