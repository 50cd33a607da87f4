"""A pump: a bounded queue and a worker thread that hands each item to a consumer.

Encoders take frames through a pump so that the render goes on composing the next frames while the
previous ones are encoded (ffmpeg reading its pipe, Pillow's LZW coder: both release the GIL).

The two threads wake each other in strides, not frame by frame: a render composes faster than an
encoder encodes, so a queue that woke the render for every frame the encoder took would pass the GIL
back and forth twice a frame. A full queue lets the render wait until half of it is consumed; the
consumer takes what is queued and is woken only when it had run dry.
"""

from __future__ import annotations

import collections
import threading
from typing import Callable, Generic, TypeVar

__all__ = ["Pump"]

T = TypeVar("T")


class Pump(Generic[T]):
    """Calls ``consume`` on every item put, in order, on its own thread; at most ``capacity`` items are
    held (queued or being consumed) at once.

    The first exception ``consume`` raises is kept and raised again by :meth:`finish`; later items
    are drained unconsumed, so :meth:`put` never blocks on a dead consumer.
    """

    def __init__(self, consume: Callable[[T], None], capacity: int = 32) -> None:
        self._consume = consume
        self._capacity = max(1, capacity)
        self._queue: collections.deque[T] = collections.deque()
        self._held = 0  #: items put and not yet consumed (queued, or in the consumer's hands)
        self._closed = False
        self._changed = threading.Condition()
        self._producer_waits = self._consumer_waits = False
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def put(self, item: T) -> None:
        with self._changed:
            if self._closed:
                raise RuntimeError("an item put in a pump already finished or cancelled")
            if self._held >= self._capacity:
                self._producer_waits = True
                try:
                    while self._held > self._capacity // 2 and self._thread.is_alive():
                        self._changed.wait(0.5)
                finally:
                    self._producer_waits = False
            self._queue.append(item)
            self._held += 1
            if self._consumer_waits:
                self._changed.notify_all()

    def finish(self) -> None:
        """Wait for every item to be consumed; raise what the consumer raised, if anything."""
        self._close()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def cancel(self) -> None:
        """Drop what is still queued, wait for the thread, and forget any error."""
        self._cancelled = True
        self._close()
        self._error = None

    def _close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closed:
                    self._consumer_waits = True
                    self._changed.wait()
                self._consumer_waits = False
                if not self._queue:
                    return
                taken = list(self._queue)
                self._queue.clear()
            for item in taken:
                if self._error is None and not self._cancelled:
                    try:
                        self._consume(item)
                    except BaseException as exc:  # handed to the render's thread by finish()
                        self._error = exc
                self._done_one()

    def _done_one(self) -> None:
        """One item consumed: the producer, waiting on a full queue, is woken once half of it is."""
        with self._changed:
            self._held -= 1
            if self._producer_waits and self._held <= self._capacity // 2:
                self._changed.notify_all()
