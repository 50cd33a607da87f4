"""A pump: a bounded queue and a worker thread that hands each item to a consumer.

Encoders take frames through a pump so that the render goes on composing the next frames while the
previous ones are encoded (ffmpeg reading its pipe, Pillow's LZW coder: both release the GIL).
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Generic, TypeVar

__all__ = ["Pump"]

T = TypeVar("T")


class Pump(Generic[T]):
    """Calls ``consume`` on every item put, in order, on its own thread.

    The first exception ``consume`` raises is kept and raised again by :meth:`finish`; later items
    are drained unconsumed, so :meth:`put` never blocks on a dead consumer.
    """

    def __init__(self, consume: Callable[[T], None], capacity: int = 32) -> None:
        self._consume = consume
        self._queue: queue.Queue[tuple[T] | None] = queue.Queue(maxsize=capacity)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def put(self, item: T) -> None:
        self._queue.put((item,))

    def finish(self) -> None:
        """Wait for every item to be consumed; raise what the consumer raised, if anything."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def cancel(self) -> None:
        """Drop what is still queued, wait for the thread, and forget any error."""
        self._cancelled = True
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._error = None

    def _run(self) -> None:
        while (entry := self._queue.get()) is not None:
            if self._error is not None or self._cancelled:
                continue
            try:
                self._consume(entry[0])
            except BaseException as exc:  # handed to the render's thread by finish()
                self._error = exc
