"""Upload progress in bytes: a live bar on a terminal (rich, as batches), nothing elsewhere."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["Meter"]


@dataclass
class Meter:
    quiet: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    _live: Any = None
    _task: Any = None

    def begin(self, label: str, files: int, total: int) -> None:
        if self.quiet or not self.stream.isatty():
            return
        from rich.console import Console
        from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                                   TransferSpeedColumn)

        self._live = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                              TimeRemainingColumn(), console=Console(file=self.stream), transient=True)
        self._live.start()
        self._task = self._live.add_task(f"{files} files to {label}", total=total)

    def advance(self, size: int) -> None:
        if self._live is not None:
            self._live.advance(self._task, size)

    def end(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
