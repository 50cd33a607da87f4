"""The batch: jobs run through an executor, each reported as it starts and as it finishes.

A job (:mod:`render.ground.job`) carries what its worker needs and does its work when called: the batch
knows nothing of its kind. One failed job never stops the others.

Executors are :class:`concurrent.futures.Executor` s: in-process for one job at a time, a process
pool for ``--jobs N``, or a Dask cluster's executor for ``--executor dask://host:port``
(:mod:`render.run.cluster`), whose workers may share no disk with this machine.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any, Callable, Iterator

from render import interrupt
from render.encode.ffmpeg import ffmpeg_found
from render.errors import ExecutorError
from render.ground.job import Finished, Job

__all__ = ["Workers", "executor_for", "run_jobs", "submit", "cores"]


class InlineExecutor(Executor):
    """Runs each job at once in this process: one job at a time, tracebacks kept."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future, as any executor does
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class Workers:
    """Where a batch's jobs run: the ``executor``, how many jobs it runs at once (``window``), and
    whether its workers are ``away`` (they may share no disk with this process: jobs travel by value)."""

    executor: Executor
    window: int
    away: bool = False
    #: Why the executor can run nothing more (its scheduler gone), asked while jobs are out; None: it can.
    lost: Callable[[], str | None] = field(default=lambda: None)
    #: One job's failure as the executor reports it (a Dask worker that died) said in the tool's terms.
    failure: Callable[[Exception], Exception] = field(default=lambda error: error)
    #: Whether the executor is connected (a Dask client may be reconnecting to its scheduler).
    ready: Callable[[], bool] = field(default=lambda: True)


@contextlib.contextmanager
def executor_for(spec: str | None, jobs: int, say: Callable[[str], None] = print) -> Iterator[Workers]:
    """``None``/``local``: this process (one job) or a process pool; ``dask://host:port``: a Dask
    cluster (the optional ``distributed`` package), as many jobs at once as its workers have threads
    (``say``: where a wait for one is said)."""
    if spec and spec.startswith("dask://"):
        from render.run.cluster import connect

        with connect(spec, say) as cluster:
            yield Workers(cluster.client.get_executor(), cluster.threads, True, cluster.lost, cluster.failure,
                          lambda: cluster.client.status == "running")
        return
    with _settled():
        if jobs <= 1:
            yield Workers(InlineExecutor(), 1)
            return
        yield from _pool(jobs)


@contextlib.contextmanager
def _settled() -> Iterator[None]:
    """While the jobs run, what this process made before them (modules, scenes, bases: alive to the
    end) is left out of the garbage collector's passes (a pool's workers, forked, inherit it so)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _pool(jobs: int) -> Iterator[Workers]:
    """A process pool of ``jobs`` workers."""
    from concurrent.futures import ProcessPoolExecutor

    # Fork when this process holds no threads to copy (a warm batch: no TensorFlow loaded), for
    # workers that start at once; otherwise spawn fresh ones.
    method = "fork" if sys.platform.startswith("linux") and "tensorflow" not in sys.modules else "spawn"
    ffmpeg_found()  # no thread of ours is left running to be copied half-way into the workers
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_worker_start)
    with _one_opencv_thread():
        try:
            yield Workers(pool, jobs)
        except BaseException:
            # Ctrl-C (already passed on to the workers by run_jobs), or a failure: nothing new starts, and
            # every worker ends, within a bound, reaped; one that does not is killed.
            pool.shutdown(wait=False, cancel_futures=True)
            _end_workers(STOP_SECONDS)
            raise
        pool.shutdown(wait=True)


@contextlib.contextmanager
def _one_opencv_thread() -> Iterator[None]:
    """OpenCV on one thread in this process while its workers are forked from it, when it is loaded
    already (a hot folder's photos were framed here): set here, never in a forked worker, whose
    copy of OpenCV's thread pool has lost the threads that held its locks (setting it there hangs)."""
    cv2 = sys.modules.get("cv2")
    if cv2 is None:
        yield
        return
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


STOP_SECONDS = 10.0  #: how long an interrupted batch waits for its workers to drop their clips


def _worker_start() -> None:
    """In a worker: end when the batch process ends, even by SIGKILL, so that no orphan goes on
    writing into the output folder (Linux; elsewhere the pool's own shutdown has to do); let
    Ctrl-C (or the batch's SIGTERM) stop the clip in progress at its next frame, never inside the
    pump's queue or a thread join (a second Ctrl-C ends the worker and its ffmpeg at once); and
    compose on one core: the batch's parallelism is its workers (OpenCV's own threads, one a core in
    every worker, would only wake one another a few times a frame on cores the encoders already fill)."""
    import ctypes

    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    interrupt.install(signal.SIGINT, signal.SIGTERM)
    gc.freeze()  # what it starts with lives as long as it does (forked: already so; spawned: its imports)
    if "cv2" not in sys.modules:  # read by OpenCV when it loads (loaded: see _one_opencv_thread)
        os.environ["OPENCV_FOR_THREADS_NUM"] = "1"


def _end_workers(seconds: float) -> None:
    """Wait for this process's children (the pool's workers) to end, at most ``seconds`` in all; kill
    the ones left; reap every one."""
    deadline = time.monotonic() + seconds
    for worker in multiprocessing.active_children():
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join()


def _run(job: Job) -> Finished:
    """Run one job (in a worker, or here): one handed over after a Ctrl-C stops at once."""
    interrupt.check()
    return job()


def submit(executor: Executor, job: Job) -> Future:
    """Start one job on ``executor``; its future gives the :class:`Finished` record, or the exception."""
    return executor.submit(_run, job)


def run_jobs(jobs: list[Job], pool: Workers, running: Callable[[Job], None],
             finished: Callable[[Job, Finished | None, Exception | None], None],
             wanted: Callable[[Job], bool] = lambda job: True) -> None:
    """Run every job, ``pool.window`` at a time (the executor's workers: a job handed over is a job
    that runs, so "running" tells the truth and nothing waits in a queue); report each as it starts
    and as it finishes (with its result, or the exception that stopped it). A job no longer
    ``wanted`` when its turn comes (a part of a film that failed) is not started: it is reported
    finished with neither result nor error.

    On Ctrl-C (the flag :mod:`render.interrupt` raises) nothing new starts, the workers are told
    (SIGTERM: each drops its clip at the next frame), the jobs that still finish are reported, and
    KeyboardInterrupt is raised here, at a safe point. An executor lost on the way (``pool.lost``)
    raises :class:`ExecutorError` once what finished is reported."""
    executor, window = pool.executor, pool.window
    waiting = iter(jobs)
    futures: dict[Future, Job] = {}

    reported, cancelling = 0, False

    def start_next() -> None:
        nonlocal reported
        for job in waiting:
            if wanted(job):
                running(job)
                futures[submit(executor, job)] = job
                return
            reported += 1
            finished(job, None, None)

    dropped: list[Job] = []  # jobs the executor cancelled itself (a Dask client reconnecting): lost or failed

    def report(done: set[Future]) -> bool:
        """Report the finished ones; whether one was stopped by an interrupt."""
        nonlocal reported
        stopped = False
        for future in done:
            job = futures.pop(future)
            if future.cancelled():
                if not cancelling:
                    dropped.append(job)
                continue
            reported += 1
            error = future.exception()
            if isinstance(error, KeyboardInterrupt):
                stopped = True
                continue
            finished(job, future.result() if error is None else None,
                     None if error is None else pool.failure(error))  # type: ignore[arg-type]
        return stopped

    for _ in range(max(1, window)):
        start_next()
    while futures or dropped:
        done, _ = wait(list(futures), timeout=0.2, return_when=FIRST_COMPLETED) if futures else (set(), None)
        if report(done) or interrupt.requested():
            _stop_workers()
            cancelling = True
            for future in futures:
                future.cancel()
            done, _ = wait(list(futures), timeout=STOP_SECONDS)
            report(done)  # a clip that was past its last frame is finished, and kept
            raise KeyboardInterrupt
        reason = pool.lost()
        if reason:  # the jobs still out, and those it dropped, are lost with it
            cancelling = True
            for future in futures:
                future.cancel()
            raise ExecutorError(f"{reason}; {len(jobs) - reported} of {len(jobs)} jobs (a film each, or a part of a "
                                f"long film) were not done; the films finished are kept and recorded: render again "
                                f"once it is back, to make the rest")
        if dropped and pool.ready():  # the executor is back: what it dropped on the way failed
            for job in dropped:
                reported += 1
                finished(job, None, ExecutorError("the executor dropped it before it was done (a Dask scheduler "
                                                  "that went away and came back); render again to make it"))
            dropped.clear()
        if not futures and dropped:
            time.sleep(0.2)  # nothing out: wait to learn whether the executor is back or lost
        for _ in done:
            start_next()


def _stop_workers() -> None:
    """Tell every worker of this process to drop its clip (a Ctrl-C may have reached this process alone)."""
    for worker in multiprocessing.active_children():
        with contextlib.suppress(OSError):
            os.kill(worker.pid, signal.SIGTERM)


def cores() -> int:
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
