"""The one error boundary of the program: every exception becomes an exit code and one line.

Below this point the program runs without catching broad exceptions; here a :class:`RenderError`
is said as the tool's own line, Ctrl-C as an interruption, and anything else as the bug it is, with
how to see its traceback. With ``--debug`` every exception goes on up, traceback and all.
"""

from __future__ import annotations

from typing import Callable

from render.errors import ExitCode, RenderError
from render.run.program import error_lines, say

__all__ = ["main"]


def main(work: Callable[[], int], debug: bool = False) -> int:
    """Run ``work`` (a render, the kiosk, a watch); return the process's exit code."""
    try:
        return work()
    except (Exception, KeyboardInterrupt) as exc:
        if debug:
            raise
        code, message = _explain(exc)
        say(message)
        return code


def _explain(exc: BaseException) -> tuple[ExitCode, str]:
    if isinstance(exc, RenderError):
        return exc.exit_code, error_lines(str(exc))
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED, "interrupted; finished clips are kept and recorded, clips in progress were not published"
    return ExitCode.ERROR, f"internal error: {type(exc).__name__}: {exc}; rerun with --debug and report the traceback"
