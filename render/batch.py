"""The batch: clips rendered through an executor, each published whole, recorded in the manifest.

Everything learnt (dataset, scores, basis, each clip's readout) is computed once, in the parent
process, and travels with each job: workers never load the model or fit a basis. A job renders into
its own staging folder and publishes its files when complete; the parent records each finished clip
in the scene's manifest as results arrive. One failed clip never stops the others.

Executors are :class:`concurrent.futures.Executor` s: in-process for one job at a time, a process
pool for ``--jobs N``, or a Dask cluster's executor for ``--executor dask://host:port``.
"""

from __future__ import annotations

import contextlib
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from render.errors import OutputError, RenderError
from render.manifest import describe_files

__all__ = ["ClipJob", "ClipResult", "executor_for", "run_jobs", "run_clip"]


@dataclass(frozen=True)
class ClipJob:
    """Everything a worker needs to render one clip."""

    scene: Any  #: render.scene.Scene
    subject: Any  #: render.subject.Subject (for a grid or playlist: the first of ``subjects``)
    basis: dict[str, np.ndarray]
    readout: np.ndarray
    settings: str  #: hash of every setting that shapes the clip
    source: str  #: where the input came from, for the manifest
    subjects: tuple = ()  #: every face of a grid or playlist
    name: str = ""  #: the clip's name, when it is not the subject's (a grid or playlist)

    @property
    def clip(self) -> str:
        return self.name or self.subject.name


@dataclass(frozen=True)
class ClipResult:
    """A finished clip: its manifest entry."""

    scene: str
    clip: str
    entry: dict[str, Any]


def run_clip(job: ClipJob) -> ClipResult:
    """Render one clip into its own staging folder and publish it (runs in a worker)."""
    from render.basis import Basis
    from render.clip import render_clip
    from render.layout import render_layout
    from render.staging import staged

    global _busy
    scene, basis = job.scene, Basis.from_state(job.basis)
    _busy = True
    try:
        with staged(scene.scene_dir, sweep=False) as staging:
            if job.subjects:
                clip, count = render_layout(list(job.subjects), basis, scene, staging)
            else:
                clip, count = job.subject.name, render_clip(job.subject, basis, scene, staging, lambda morph: job.readout)
            # Described here, before publishing: once published, another render of the same scene
            # may already be replacing these files with its own (identical) ones.
            names = [p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()]
            files = describe_files(staging, names)
    finally:
        _busy = False
    entry = {
        "input": job.source,
        "settings": job.settings,
        "frames": count,
        "duration_s": round(count / scene.output.fps, 6),
        "files": files,
    }
    return ClipResult(scene.name, clip, entry)


class InlineExecutor(Executor):
    """Runs each job at once in this process: one job at a time, tracebacks kept."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future, as any executor does
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def executor_for(spec: str | None, jobs: int) -> Iterator[Executor]:
    """``None``/``local``: this process (one job) or a process pool; ``dask://host:port``: a Dask
    cluster (the optional ``distributed`` package)."""
    if spec and spec.startswith("dask://"):
        try:
            from distributed import Client
        except ImportError:
            raise OutputError("--executor dask://... needs the optional Dask extra: "
                              "pip install 'happy-faces[dask]'") from None
        try:
            client = Client(spec.removeprefix("dask://"), timeout=10)
        except OSError as exc:
            raise OutputError(f"--executor {spec}: no Dask scheduler answered ({exc}); start one or "
                              f"check the address") from None
        with client:
            yield client.get_executor()
        return
    if jobs <= 1:
        yield InlineExecutor()
        return
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    # Fork when this process holds no threads to copy (a warm batch: no TensorFlow loaded), for
    # workers that start at once; otherwise spawn fresh ones.
    method = "fork" if sys.platform.startswith("linux") and "tensorflow" not in sys.modules else "spawn"
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_worker_start)
    try:
        yield pool
    except BaseException:
        # Ctrl-C, or a SIGINT sent to this process alone: interrupt the workers too, so each drops
        # its clip's staging folder instead of finishing and publishing it.
        for worker in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(OSError):
                os.kill(worker.pid, signal.SIGINT)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


_busy = False  #: in a worker: whether a clip is being rendered


def _worker_start() -> None:
    """In a worker: end when the batch process ends, even by SIGKILL, so that no orphan goes on
    writing into the output folder (Linux; elsewhere the pool's own shutdown has to do); and on
    Ctrl-C, drop the clip in progress (its staging folder goes), or, idle, wait for the pool to
    close (a worker that left on its own would make the pool kill the others mid-clean-up)."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    signal.signal(signal.SIGINT, _interrupted)


def _interrupted(signum: int, frame: Any) -> None:
    if _busy:
        raise KeyboardInterrupt


def run_jobs(jobs: list[ClipJob], executor: Executor, running: Callable[[ClipJob], None],
             finished: Callable[[ClipJob, ClipResult | None, RenderError | None], None]) -> None:
    """Submit every job; report each as it starts running and as it finishes (with its result, or
    the error that stopped it)."""
    futures: dict[Future, ClipJob] = {executor.submit(run_clip, job): job for job in jobs}
    pending, told = set(futures), set()
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in [*pending, *done]:
            if future not in told and (future.running() or future.done()):
                told.add(future)
                running(futures[future])
        for future in done:
            job, error = futures[future], future.exception()
            if error is None:
                finished(job, future.result(), None)
            elif isinstance(error, RenderError):
                finished(job, None, error)
            elif isinstance(error, KeyboardInterrupt):
                raise error
            else:  # a bug in a worker: reported like the rest, with how to see the traceback
                finished(job, None, RenderError(f"internal error: {type(error).__name__}: {error}; rerun with --jobs 1 --debug"))


def cores() -> int:
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
