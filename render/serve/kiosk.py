"""The kiosk over a season: visitors welcomed, their films promised durably and made in the
background, forgotten on schedule, and the kiosk resting when it could not keep a promise.

A visitor who consents to a film gets a 201 only once their framed face (and the readout it needs) is
fsync'ed in ``pending/`` and their record is in the registry. Films are made by a dispatcher from the
registry's pending records, a few at a time (the executor's workers, at a lower CPU priority than the
server): what a kill or a stop left pending is made at the next start, the same way. A visitor who
consents to nothing gets the live morph and nothing of them is written anywhere.
"""

from __future__ import annotations

import io
import os
import contextlib
import secrets
import shutil
import threading
import time
from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from render.errors import InputError, OutputError, RenderError
from render.faces.photo import without_location
from render.ground.console import Console
from render.ground.staging import staged, sweep
from render.serve.films import FilmMaker
from render.serve.season import (PREFIX, carry_over, drop_pending, midnight, own_file, pending_folder, plausible,
                                 purge, remove_visitor, sweep_orphans, write_pending)
from render.serve.studio import Studio
from render.serve.visitors import PENDING, Registry

__all__ = ["Kiosk", "Resting", "UnknownVisitor", "CONSENTS"]

CONSENTS = ("film", "none")  #: what a visitor may choose: their film kept, or nothing of them kept
FAILURES_TO_REST = 3  #: films failing in a row that make the kiosk rest
REST_SECONDS = 60.0  #: how long it rests before it tries a film again
RETAIN_EVERY = 3600.0  #: seconds between the retention's sweeps


class Resting(Exception):
    """The kiosk takes no new film now (HTTP 503), and says why."""


class UnknownVisitor(LookupError):
    """No visitor of that id (never seen, deleted, purged or past the retention)."""


@dataclass(frozen=True)
class Visitor:
    """A visitor as the API shows them: ``rendering``, then ``done`` (its files) or ``failed``."""

    id: str
    state: str
    reason: str | None
    files: tuple[str, ...]

    @property
    def name(self) -> str:
        return PREFIX + self.id


class Kiosk(FilmMaker):
    """The visitors of one scene served by one process (see :class:`render.serve.lock.ServeLock`); their
    films made by :class:`~render.serve.films.FilmMaker`."""

    def __init__(self, studio: Studio, registry: Registry, executors: Callable[[], Executor], workers: int,
                 console: Console) -> None:
        self.studio, self.registry, self.console = studio, registry, console
        self._executors, self.executor = executors, executors()  #: a new pool when a worker dies
        self.scene, self.folder, self.workers = studio.scene, studio.scene.scene_dir, workers
        self.started = time.time()
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._in_flight: dict[str, Future] = {}
        #: id -> when their 201 went out, and how long it took (for the visitor's log line)
        self._answered: dict[str, tuple[float, int]] = {}
        self._failures, self._resting_until = 0, 0.0
        self._wake, self._stop = threading.Event(), threading.Event()
        try:
            (self.folder / PENDING).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.folder / PENDING}: cannot be made ({exc.strerror}); check the folder's "
                              "permissions") from exc
        sweep(self.folder)  # staging folders a killed render left
        gone = sweep_orphans(registry)
        if gone:
            console.log(f"{gone} visitor{'s' if gone != 1 else ''} left half-written by a kill (no answer was "
                        "given) removed")
        carry_over(studio.manifest, registry, console)
        self.retain()
        self._threads = [threading.Thread(target=self._dispatch, name="kiosk-films", daemon=True),
                         threading.Thread(target=self._retain_hourly, name="kiosk-retention", daemon=True)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, patience: float = 60.0) -> None:
        """Take no film further: those running finish (for at most ``patience`` seconds), those waiting
        stay pending for the next start."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(5)
        with self._lock:
            running = list(self._in_flight.values())
        wait(running, timeout=patience)
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:  # a worker still stuck past the patience (Python 3.14 has terminate_workers)
            if process.is_alive():
                process.kill()

    # --- visitors -------------------------------------------------------------------------------------
    def welcome(self, photo: bytes, consent: str) -> tuple[str | None, dict[str, Any]]:
        """A visitor's morph at once; with ``film``, their film promised durably. Returns their id
        (None with ``none``: nothing of them is kept) and the page's data.

        Raises
        ------
        Resting
            When a film is asked for and the kiosk cannot promise one now.
        InputError
            When the photo is not usable (NoFaceError: no face in it).
        """
        began = time.monotonic()
        if consent == "film":
            reason = self.resting()
            if reason:
                raise Resting(reason)
        try:
            face, morph, readout, page = self.studio.see(photo)
        except InputError:
            raise
        except RenderError as exc:  # the model (or the detector) failing, not the visitor's photo
            self._note_error(str(exc))
            self._failed()
            raise Resting(f"the kiosk is resting: it cannot read faces now ({type(exc).__name__})") from exc
        if consent == "none":
            self.console.log(f"visitor -: consent none, live morph only, answered in {_ms(began)} ms")
            return None, page
        visitor_id = secrets.token_hex(8)
        try:  # all of it written and durable, or nothing of it left and no promise made
            kept = io.BytesIO()
            np.savez(kept, face=face, readout=readout)
            write_pending(self.folder, visitor_id, kept.getvalue())  # never through a link swapped in meanwhile
            if self.scene.serve.keep == "photos":
                suffix = ".png" if photo.startswith(b"\x89PNG") else ".jpg"
                with staged(self.folder, sweep=False) as staging:
                    (staging / "photos").mkdir()
                    # Kept as sent, but for where it was taken (a phone's GPS, XMP, IPTC).
                    (staging / "photos" / f"{PREFIX}{visitor_id}{suffix}").write_bytes(without_location(photo))
            self.registry.add(visitor_id)
        except (OSError, OutputError) as exc:
            remove_visitor(self.folder, visitor_id)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            self._note_error(f"a visitor's film could not be promised: {reason}")
            raise Resting(f"the kiosk is resting: its disk refused a visitor's film ({reason})") from exc
        with self._lock:
            self._answered[visitor_id] = (time.monotonic(), _ms(began))
        self._wake.set()
        return visitor_id, page

    def visitor(self, visitor_id: str) -> Visitor:
        record = self.registry.get(visitor_id) if plausible(visitor_id) else None
        if record is None:
            raise UnknownVisitor(visitor_id)
        return Visitor(record.id, "rendering" if record.state == "pending" else record.state, record.reason, record.files)

    def delete(self, visitor_id: str) -> None:
        """Remove every file kept of a visitor; a film being made is removed as it finishes."""
        record = self.registry.get(visitor_id) if plausible(visitor_id) else None
        if record is None:
            raise UnknownVisitor(visitor_id)
        purge(self.registry, [record])

    def path(self, visitor: Visitor, name: str) -> Path:
        """The file ``name`` of a finished visitor's film: only a name their record lists that is one of
        their film's own files (never the registry, never another visitor's), a file in the folder."""
        path = self.folder / name
        if visitor.state != "done" or name not in visitor.files or not own_file(self.folder, visitor.id, name) \
                or not path.is_file():
            raise UnknownVisitor(f"{visitor.id}/{name}")
        return path

    # --- health ---------------------------------------------------------------------------------------
    def resting(self) -> str | None:
        """Why the kiosk takes no new film now, or None."""
        serve = self.scene.serve
        free = shutil.disk_usage(self.folder).free
        if free < serve.min_free_mb * 1e6:
            return (f"the kiosk is resting: the disk is nearly full ({free / 1e6:.0f} MB free, "
                    f"{serve.min_free_mb:g} MB needed)")
        if time.monotonic() < self._resting_until:
            return f"the kiosk is resting: {FAILURES_TO_REST} films failed in a row; it tries again shortly"
        waiting = self.registry.pending_count()
        if waiting >= serve.max_pending:
            return f"the kiosk is resting: {waiting} films are waiting to be made"
        return None

    def status(self) -> dict[str, Any]:
        counts = self.registry.counts(since=midnight())
        return {"visitors": counts["visitors"], "today": counts["today"], "films": {
                    "done": counts["done"], "failed": counts["failed"], "pending": counts["pending"]},
                "queue": counts["pending"], "rendering": len(self._in_flight),
                "disk_free_mb": round(shutil.disk_usage(self.folder).free / 1e6, 1),
                "uptime_s": round(time.time() - self.started, 1), "last_error": self.last_error,
                "resting": self.resting()}

    def retain(self) -> None:
        """Remove the visitors older than the scene's retention (none without one)."""
        self._forget_faces()
        keep = self.scene.serve.retention_s
        if keep is None:
            return
        done = purge(self.registry, self.registry.older_than(time.time() - keep))
        if done.visitors:
            self.console.log(f"retention: removed {done.visitors} visitor{'s' if done.visitors != 1 else ''} older "
                             f"than {self.scene.serve.retention} ({done.bytes / 1e6:.1f} MB)")

    def _forget_faces(self) -> None:
        """Kept faces whose film is no longer to be made (done, failed, deleted): removed, whatever left
        them (a removal refused while the folder was tampered with)."""
        names: list[str] = []
        with contextlib.suppress(OSError), pending_folder(self.folder) as fd:
            names = [n for n in os.listdir(fd) if n.endswith(".npz") and plausible(n[:-4])]
        for name in names:
            record = self.registry.get(name[:-4])
            if record is None or record.state != "pending":
                drop_pending(self.folder, name[:-4])

    # --- films ----------------------------------------------------------------------------------------
    def _failed(self) -> None:
        """One more failure in a row (a film, the model); three make the kiosk rest a while."""
        self._failures += 1
        if self._failures >= FAILURES_TO_REST:
            self._resting_until = time.monotonic() + REST_SECONDS

    def _note_error(self, message: str) -> None:
        """Said in full in the log; kept for /api/status without the machine's paths (the scene's folder
        named as such)."""
        self.console.error(message)
        for place in sorted({str(self.folder.resolve()), str(self.folder)}, key=len, reverse=True):
            message = message.replace(place, "the scene's folder")
        self.last_error = message

    def _retain_hourly(self) -> None:
        while not self._stop.wait(RETAIN_EVERY):
            try:
                self.retain()
            except OutputError as exc:
                self._note_error(str(exc))


def _ms(began: float) -> int:
    return round((time.monotonic() - began) * 1000)

