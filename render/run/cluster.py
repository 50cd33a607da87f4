"""A Dask cluster as the batch's executor: ``--executor dask://host:port``.

The cluster's workers are other machines, with the same install of the package and no share of this
machine's disk: jobs go to them in their ``away()`` form (:mod:`render.ground.job`) and their files come
back to be published here. Before any job is sent the cluster is asked to have a worker, and every
worker to run this very version of the package (films must not depend on which machine drew them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from render.errors import ExecutorError

__all__ = ["Cluster", "connect", "WAIT_SECONDS"]

WAIT_SECONDS = 30.0  #: how long a scheduler with no worker yet is given one


@dataclass
class Cluster:
    """A client of a cluster whose workers all run this version, and ``threads``: theirs in all."""

    spec: str
    client: Any
    threads: int
    _asked: float = 0.0
    _empty_since: float | None = None

    def lost(self) -> str | None:
        """Why the cluster can run nothing more: its scheduler gone (the client gave up reconnecting,
        after its timeout), or no worker left for :data:`WAIT_SECONDS`; None while it can."""
        if self.client.status in ("closing", "closed", "failed"):
            return f"--executor {self.spec}: the Dask scheduler stopped answering"
        now = time.monotonic()
        if self.client.status != "running" or now - self._asked < 2.0:
            return None
        self._asked = now
        try:
            workers = len(self.client.nthreads())
        except OSError:
            return None  # said by the status once the client gives up
        self._empty_since = None if workers else (self._empty_since or now)
        if self._empty_since is not None and now - self._empty_since > WAIT_SECONDS:
            return f"--executor {self.spec}: no Dask worker has been left for {WAIT_SECONDS:.0f} s"
        return None

    def failure(self, error: Exception) -> Exception:
        """A film's failure as Dask reports it, in the tool's terms: the workers that took it died."""
        if type(error).__name__ == "KilledWorker":
            times = getattr(error, "allowed_failures", None)
            return ExecutorError(f"--executor {self.spec}: the Dask workers that rendered it ended before it was done"
                                 + (f", {times + 1} times" if isinstance(times, int) else "")
                                 + " (killed, or out of memory); nothing of it was kept: see the workers' logs, and "
                                 "render again")
        return error


@contextlib.contextmanager
def connect(spec: str, say: Callable[[str], None]) -> Iterator[Cluster]:
    """A client of the scheduler at ``spec`` (``dask://host:port``) whose workers all run this version
    (a wait for a first worker is said through ``say``)."""
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError("--executor dask://... needs the optional Dask extra: "
                            "pip install 'happy-faces[dask]'") from None
    address = spec.removeprefix("dask://")
    # Dask's own log lines (a lost connection's traceback) are not for the person rendering: what went
    # wrong is said in one line; the scheduler's and the workers' logs keep the rest.
    for handler in logging.getLogger("distributed").handlers:
        handler.setLevel(logging.CRITICAL + 1)
    try:
        client = Client(address, timeout=10)
    except OSError as exc:
        raise ExecutorError(f"--executor {spec}: no Dask scheduler answered ({exc}); start one or "
                            f"check the address") from None
    with client:
        try:
            if not client.nthreads():
                say(f"{spec}: the scheduler has no worker yet; waiting up to {WAIT_SECONDS:.0f} s for one")
            client.wait_for_workers(1, timeout=WAIT_SECONDS)
        except (TimeoutError, asyncio.TimeoutError, OSError):  # the same class from Python 3.11 on
            raise ExecutorError(f"--executor {spec}: the scheduler has no worker after {WAIT_SECONDS:.0f} s; start one "
                                f"on each machine: dask worker tcp://{address}") from None
        _same_version(spec, client)
        yield Cluster(spec, client, max(1, sum(client.nthreads().values())))


def _same_version(spec: str, client: Any) -> None:
    """Refuse a cluster whose workers run another version of the package (or the same version with
    other code: a changed checkout), or none, naming both."""
    ours = _version()
    answers = client.run(_version, on_error="return")
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            raise ExecutorError(f"--executor {spec}: worker {worker} cannot run happy-faces ({type(answer).__name__}: "
                                f"{answer}); install happy-faces {ours[0]} on every worker, as on this machine")
        if tuple(answer) != ours:
            said, here = (f"{answer[0]} (code {answer[1][:12]})", f"{ours[0]} (code {ours[1][:12]})") \
                if answer[0] == ours[0] else (answer[0], ours[0])
            raise ExecutorError(f"--executor {spec}: worker {worker} runs happy-faces {said}, this machine {here}; "
                                f"install the same version on every worker, from the same clone")


def _version() -> tuple[str, str]:
    """The version of the package this process runs, and a digest of its code (every file of it, by
    path and bytes): two checkouts of one version with different code draw different films."""
    from pathlib import Path

    import render
    from render.hashing import Digest

    root = Path(render.__file__).parent
    digest = Digest()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.text(path.relative_to(root).as_posix()).file(path)
    return render.__version__, digest.hexdigest()
