"""Ctrl-C, deferred to safe points.

While a batch runs, SIGINT (and SIGTERM in a worker) only raise a flag; the render checks it at safe
points (between frames, between jobs) and stops there with KeyboardInterrupt, so an interrupt never
lands inside a queue, a lock or a thread join, where it could leave a pump or a pool stuck for good.
A second Ctrl-C ends at once: the child processes this process started (ffmpeg) are killed and
reaped, and the process exits with 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Any, Iterator

__all__ = ["deferred", "install", "requested", "check", "adopt", "release", "EXIT_CODE"]

EXIT_CODE = 130
_requested = False
_children: set[Any] = set()  #: Popen objects of live child processes (ffmpeg), killed on a hard exit
_lock = threading.Lock()


def requested() -> bool:
    """Whether an interrupt is waiting to be acted on."""
    return _requested


def check() -> None:
    """At a safe point: stop here if an interrupt was asked for."""
    if _requested:
        raise KeyboardInterrupt


def adopt(process: Any) -> None:
    """Remember a child process, to kill it on a hard exit."""
    with _lock:
        _children.add(process)


def release(process: Any) -> None:
    with _lock:
        _children.discard(process)


@contextlib.contextmanager
def deferred(*signals: int) -> Iterator[None]:
    """Within: the ``signals`` (default SIGINT) raise the flag instead of KeyboardInterrupt; the same
    signal twice ends the process at once. Only in the main thread; elsewhere a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    global _requested
    chosen = signals or (signal.SIGINT,)
    _requested = False
    previous = {number: signal.signal(number, _flag) for number in chosen}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        pending, _requested = _requested, False
    if pending:  # it came after the last safe point: not lost, acted on here
        raise KeyboardInterrupt


def install(*signals: int) -> None:
    """For a worker process, for good: the ``signals`` raise the flag (see :func:`deferred`)."""
    for number in signals:
        signal.signal(number, _flag)


def _flag(signum: int, frame: Any) -> None:
    global _requested
    if _requested and signum == signal.SIGINT:
        _hard_exit()
    _requested = True


def _hard_exit() -> None:
    """The second Ctrl-C: every child killed and reaped, then out, without unwinding anything."""
    for process in list(_children):
        with contextlib.suppress(OSError):
            process.kill()
        with contextlib.suppress(OSError, ChildProcessError):
            os.waitpid(process.pid, 0)
    os._exit(EXIT_CODE)
