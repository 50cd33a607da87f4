"""Progress: a live display on a terminal, plain lines elsewhere, nothing with ``--quiet``; and the
summary of a batch (rendered, skipped, failed with the reason for each)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["Report"]


@dataclass
class Report:
    """Counts and shows clips as they are skipped, start, and finish."""

    quiet: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    total: int = 0
    _live: Any = None
    _overall: Any = None
    _tasks: dict[str, Any] = field(default_factory=dict)
    _started: float = 0.0
    #: when the run began (the scenes read, the model and the basis loaded, before the first film)
    opened: float = field(default_factory=time.monotonic)

    @property
    def rich(self) -> bool:
        return not self.quiet and self.stream.isatty()

    def begin(self, total: int, units: int | None = None) -> None:
        """``total`` films to come; ``units``: the steps the live display's bar counts (a long film
        made in parts counts each part), the films by default."""
        self.total = total
        self._started = time.monotonic()
        if self.rich and total:  # no live display for a run with nothing to show
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._live = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"),
                                  TimeRemainingColumn(), console=Console(file=self.stream))
            self._live.start()
            self._overall = self._live.add_task("clips", total=units or total)

    def skip(self, label: str) -> None:
        self.skipped.append(label)
        self._advance()
        self._line(f"{label}: up to date, skipped")

    def running(self, label: str) -> None:
        if self._live is not None:
            self._tasks[label] = self._live.add_task(f"  {label}", total=None)

    def part(self, label: str, said: bool = True) -> None:
        """A part of a long film arrived, or failed (the film is counted when joined, or failed)."""
        if label in self._tasks:
            self._live.remove_task(self._tasks.pop(label))
        self._advance()
        if said:
            self._line(f"{label}: done")

    def finish(self, label: str, reason: str | None, units: int = 1) -> None:
        """A film done, or failed (``units``: the steps of the bar it still stood for)."""
        if reason is None:
            self.rendered.append(label)
        else:
            self.failed.append((label, reason))
        if label in self._tasks:
            self._live.remove_task(self._tasks.pop(label))
        self._advance(units)
        done = len(self.rendered) + len(self.skipped) + len(self.failed)
        self._line(f"{label}: {'done' if reason is None else 'FAILED'} ({done}/{self.total})")

    def stop(self) -> None:
        """Stop the live display, if any, and give the terminal its cursor back (whatever happened)."""
        if self._live is not None:
            self._live.stop()
            self._live = None

    def end(self, folders: list[str] = ()) -> None:  # type: ignore[assignment]
        """Stop the live display and print the summary: counts, time, rate, where the files are."""
        self.stop()
        timing = self.timing() + (f"; files in {', '.join(folders)}" if folders else "")
        if self.quiet and not self.failed:
            return
        if self.rich:
            from rich.console import Console
            from rich.table import Table

            table = Table(title="batch", show_lines=False)
            table.add_column("clips")
            table.add_column("count", justify="right")
            table.add_column("reason")
            table.add_row("rendered", str(len(self.rendered)), "")
            table.add_row("skipped (up to date)", str(len(self.skipped)), "")
            for label, reason in self.failed:
                table.add_row(f"failed: {label}", "1", reason)
            console = Console(file=self.stream)
            console.print(table)
            console.print(timing.strip().capitalize())
            return
        print(f"render: summary: {len(self.rendered)} rendered, {len(self.skipped)} skipped (up to date), "
              f"{len(self.failed)} failed{timing}", file=self.stream, flush=True)
        for label, reason in self.failed:
            print(f"render: failed: {label}: {reason}", file=self.stream, flush=True)

    def timing(self) -> str:
        """`` in 11.1 s (6.8 s of it reading the model and the basis), 1.2 films/s`` (or ``4.2 s a film``):
        the run's wall time from its start, the cold start's share when it counts, and the rate of
        films (a clip, a grid or a playlist each) over the rendering itself."""
        now = time.monotonic()
        wall, rendering = now - self.opened, now - self._started
        cold = self._started - self.opened
        said = f" in {wall:.1f} s" + (f" ({cold:.1f} s of it reading the scenes, the model and the basis)"
                                      if cold >= 0.5 and cold >= wall / 10 else "")
        films = len(self.rendered)
        if films and rendering > 0:
            said += f", {films / rendering:.1f} films/s" if films >= rendering else f", {rendering / films:.1f} s a film"
        return said

    def _advance(self, units: int = 1) -> None:
        if self._live is not None:
            self._live.advance(self._overall, units)

    def _line(self, message: str) -> None:
        if not self.quiet and not self.rich:
            print(f"render: {message}", file=self.stream, flush=True)
