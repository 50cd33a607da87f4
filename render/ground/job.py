"""Jobs: the units of work a batch runs, whatever their kind.

A job is a small picklable object that carries exactly what its worker needs (never a model, never a
cache) and does its work when called, returning the record the manifest keeps of it. A job for a
worker that shares no disk with this machine (another machine of a cluster) is its ``away()`` form:
it carries every file it reads by value and sends back the files it wrote. Each kind lives
with the stage that owns its work (films of a scene in :mod:`render.film.job`: a clip, a grid or a
playlist); the batch runs any of them through this protocol and knows nothing of their kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Job", "Finished"]


@dataclass(frozen=True)
class Finished:
    """A finished job: the manifest entry of ``name`` in the scene whose folder is ``scene`` (a scene is
    its folder: two scenes of one name may write two folders in one run). A job run away from the
    scene's folder sends its ``files`` back (relative path -> bytes, as the entry describes them) and
    says ``where`` it ran (host and process)."""

    scene: str
    name: str
    entry: dict[str, Any]
    files: dict[str, bytes] | None = field(default=None, repr=False)
    where: str | None = None


class Job(Protocol):
    """What the batch runs: ``label`` names it in progress lines and errors (``scene: clip``), and
    calling it does the work, in whatever process the executor chose."""

    @property
    def label(self) -> str: ...

    def __call__(self) -> Finished: ...

    def away(self) -> Job:
        """This job as it runs where the scene's folder and inputs cannot be read: everything it reads
        carried by value, its files sent back in its :class:`Finished` record."""
