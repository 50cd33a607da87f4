"""The batch: jobs run through an executor, each reported as it starts and as it finishes.

A job (:mod:`render.run.job`) carries what its worker needs and does its work when called: the batch
knows nothing of its kind. One failed job never stops the others.

Executors are :class:`concurrent.futures.Executor` s: in-process for one job at a time, a process
pool for ``--jobs N``, or a Dask cluster's executor for ``--executor dask://host:port``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any, Callable, Iterator

from render.errors import ExecutorError
from render.run.job import Finished, Job

__all__ = ["executor_for", "run_jobs", "submit", "cores"]


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
            raise ExecutorError("--executor dask://... needs the optional Dask extra: "
                                "pip install 'happy-faces[dask]'") from None
        try:
            client = Client(spec.removeprefix("dask://"), timeout=10)
        except OSError as exc:
            raise ExecutorError(f"--executor {spec}: no Dask scheduler answered ({exc}); start one or "
                                f"check the address") from None
        with client:
            yield client.get_executor()
        return
    if jobs <= 1:
        yield InlineExecutor()
        return
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
        for worker in multiprocessing.active_children():  # the pool's workers are this process's children
            with contextlib.suppress(OSError):
                os.kill(worker.pid, signal.SIGINT)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


_busy = False  #: in a worker: whether a job is running


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


def _run(job: Job) -> Finished:
    """Run one job (in a worker): a Ctrl-C meanwhile drops it (see :func:`_interrupted`)."""
    global _busy
    _busy = True
    try:
        return job()
    finally:
        _busy = False


def submit(executor: Executor, job: Job) -> Future:
    """Start one job on ``executor``; its future gives the :class:`Finished` record, or the exception."""
    return executor.submit(_run, job)


def run_jobs(jobs: list[Job], executor: Executor, running: Callable[[Job], None],
             finished: Callable[[Job, Finished | None, Exception | None], None], window: int = 1) -> None:
    """Run every job, ``window`` at a time (the executor's workers: a job handed over is a job that
    runs, so "running" tells the truth and nothing waits in a queue); report each as it starts and as
    it finishes (with its result, or the exception that stopped it). A Ctrl-C in a worker comes back
    here as one."""
    waiting = iter(jobs)
    futures: dict[Future, Job] = {}

    def start_next() -> None:
        job = next(waiting, None)
        if job is not None:
            running(job)
            futures[submit(executor, job)] = job

    for _ in range(max(1, window)):
        start_next()
    while futures:
        done, _ = wait(list(futures), timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            job, error = futures.pop(future), future.exception()
            if isinstance(error, KeyboardInterrupt):
                raise error
            finished(job, future.result() if error is None else None, error)  # type: ignore[arg-type]
            start_next()


def cores() -> int:
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
