"""Console output: where the tool speaks, as one object passed in (httpie's ``Environment``).

Every line goes to stderr as the tool's own (``render: ...``), so that stdout stays for what a
command prints as its result (``render schema``, ``render cache list``). The streams are looked up
when a line is written, not when the console is made: a test that captures stderr sees every line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

__all__ = ["Console"]


@dataclass(frozen=True)
class Console:
    """How much to say (``quiet``: errors and warnings only; ``verbose``: notes too) and where."""

    quiet: bool = False
    verbose: bool = False
    stream: TextIO | None = None  #: None: ``sys.stderr`` at the time of writing

    @property
    def isatty(self) -> bool:
        stream = self.stream or sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)())

    def say(self, message: str) -> None:
        """Each line of ``message`` as the tool's own, whatever the verbosity."""
        stream = self.stream or sys.stderr
        for line in message.splitlines() or [""]:
            print(f"render: {line}", file=stream, flush=True)

    def log(self, message: str) -> None:
        """Progress worth a line, unless ``quiet``."""
        if not self.quiet:
            self.say(message)

    def note(self, message: str) -> None:
        """Detail for ``--verbose`` only (a cache hit, each file written)."""
        if self.verbose:
            self.say(message)

    def warn(self, message: str) -> None:
        """Something wrong that does not stop the work."""
        self.say(f"warning: {message}")

    def error(self, message: str) -> None:
        """A failure: ``error:`` before each line (a scene with several problems has one a line)."""
        self.say("\n".join(f"error: {line}" for line in message.splitlines()))
