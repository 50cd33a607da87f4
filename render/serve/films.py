"""The kiosk's films, made from the registry's pending records: a dispatcher thread hands a few at a
time to worker processes (the executor's workers, below the server's CPU priority) and records each
as it ends. It never dies of one visitor, a lost worker or a busy registry; what a kill or a stop left
pending is made the same way at the next start."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import CancelledError, Executor, Future
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np

from render.ground.console import Console
from render.ground.morph import Morph
from render.run.batch import submit
from render.scene import Scene
from render.serve.season import PREFIX, drop_pending, read_pending, remove_visitor
from render.serve.studio import Studio
from render.serve.visitors import Record, Registry

__all__ = ["FilmMaker"]


class FilmMaker:
    """What the kiosk needs to make its visitors' films (set by :class:`render.serve.kiosk.Kiosk`)."""

    studio: Studio
    registry: Registry
    scene: Scene
    folder: Path
    console: Console
    workers: int
    executor: Executor
    _executors: Callable[[], Executor]
    _lock: threading.Lock
    _in_flight: dict[str, Future]
    _answered: dict[str, tuple[float, int]]
    _wake: threading.Event
    _stop: threading.Event
    _failed: Callable[[], None]  #: one more failure in a row
    _note_error: Callable[[str], None]  #: said, and kept for /api/status

    def _dispatch(self) -> None:
        """The films' thread: it never dies of one visitor, a lost worker or a busy registry."""
        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            try:
                self._start_waiting()
            except Exception as exc:  # noqa: BLE001 - said and counted; the next round tries again
                self._note_error(f"the films could not be started: {str(exc) or type(exc).__name__}")

    def _start_waiting(self) -> None:
        with self._lock:
            free = self.workers - len(self._in_flight)
        for record in self.registry.pending() if free > 0 else []:
            if self._stop.is_set() or free <= 0:
                return
            with self._lock:
                running = record.id in self._in_flight
            # A film may have finished since the list was read (its record is done, its face gone): read
            # the record again, after the in-flight check, before making it twice.
            again = None if running else self.registry.get(record.id)
            if again is not None and again.state == "pending":
                self._start(again)
                free -= 1

    def _start(self, record: Record) -> None:
        size = self.studio.basis.mean_.shape
        try:
            with np.load(io.BytesIO(read_pending(self.folder, record.id)), allow_pickle=False) as kept:
                face, readout = kept["face"], kept["readout"]
            if face.shape != size or face.dtype != np.float32 or not np.isfinite(face).all():
                raise ValueError(f"a face of {face.shape} {face.dtype}, not {size} float32")
            morph = Morph.of(face, self.studio.basis, self.scene.morph)
            job = self.studio.clip(PREFIX + record.id, morph, readout if self.scene.reads_frames else None,
                                   f"visitor {record.id}", from_photo=self.scene.serve.keep != "none")
        except (OSError, ValueError, KeyError) as exc:
            reason = f"the face kept for the film was lost or damaged ({type(exc).__name__})"
            self.registry.fail(record.id, reason)
            self._note_error(f"visitor {record.id}: {reason}")
            remove_visitor(self.folder, record.id)
            return
        try:
            future = submit(self.executor, job)
        except BrokenProcessPool:  # a worker was killed (out of memory, say): a new pool, the film again
            self._renew_pool()
            future = submit(self.executor, job)
        with self._lock:
            self._in_flight[record.id] = future
        future.add_done_callback(partial(self._done, record.id))

    def _renew_pool(self) -> None:
        with self._lock:
            if getattr(self.executor, "_broken", False):
                self.executor.shutdown(wait=False, cancel_futures=True)
                self.executor = self._executors()

    def _done(self, visitor_id: str, future: Future) -> None:
        """On the executor's thread: the film recorded (or why it failed); the kept face removed."""
        try:
            error = future.exception()
        except CancelledError:  # stopped before it began: still pending, for the next start
            error = None
        try:
            if future.cancelled():
                return
            if isinstance(error, BrokenProcessPool):  # the worker died, not the film: made again
                self._note_error("a film worker died; a new one makes its film again")
                self._failed()
                self._renew_pool()
                return
            if error is None:
                entry = future.result().entry
                if not self.registry.finish(visitor_id, sorted(entry["files"]),
                                            sum(f.get("bytes", 0) for f in entry["files"].values())):
                    remove_visitor(self.folder, visitor_id)  # deleted or purged meanwhile
                self._failures = 0
            else:
                reason = str(error) or type(error).__name__
                self.registry.fail(visitor_id, reason)
                self._note_error(reason)
                self._failed()
            drop_pending(self.folder, visitor_id)  # never through a link swapped in while serving
            answered = self._answered.pop(visitor_id, None)
            times = (f"answered in {answered[1]} ms, film in {time.monotonic() - answered[0]:.1f} s" if answered
                     else "film made after a restart")
            self.console.log(f"visitor {visitor_id}: consent film, {'failed' if error else 'done'}, {times}")
        except Exception as exc:  # noqa: BLE001 - the registry busy or full: pending still, made at the next start
            self._note_error(str(exc) or type(exc).__name__)
        finally:
            with self._lock:
                self._in_flight.pop(visitor_id, None)
            self._wake.set()
