"""Native libraries' chatter kept off the user's terminal: TensorFlow, LiteRT and the converters print
from C++ straight to file descriptors 1 and 2, where Python's own redirection cannot reach."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from typing import Callable, Iterator

__all__ = ["fd_to_file"]


@contextlib.contextmanager
def fd_to_file(fd: int) -> Iterator[Callable[[], str]]:
    """File descriptor ``fd`` (1 or 2), and Python's own stream with it, sent to a temporary file for
    the block; yields a function that returns what was written (to show when something fails)."""
    stream = sys.stdout if fd == 1 else sys.stderr
    stream.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), fd)

        def captured() -> str:
            sink.seek(0)
            return sink.read().decode("utf-8", "replace").strip()

        redirect = contextlib.redirect_stdout if fd == 1 else contextlib.nullcontext
        try:
            with redirect(io.StringIO()):  # type: ignore[operator]
                yield captured
        finally:
            stream.flush()
            os.dup2(saved, fd)
            os.close(saved)
