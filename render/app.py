"""The one error boundary of the program: every exception becomes an exit code and one line.

Below this point the program runs without catching broad exceptions; here a :class:`RenderError`
is said as the tool's own line, Ctrl-C as an interruption, and anything else as the bug it is, with
how to see its traceback. With ``--debug`` every exception goes on up, traceback and all.
"""

from __future__ import annotations

from typing import Callable

from render.errors import RenderError, explain
from render.run.program import error_lines, say

__all__ = ["main"]


def main(work: Callable[[], int], debug: bool = False) -> int:
    """Run ``work`` (a render, the kiosk, a watch); return the process's exit code."""
    try:
        return work()
    except (Exception, KeyboardInterrupt) as exc:
        if debug:
            raise
        code, message = explain(exc)
        say(error_lines(message) if isinstance(exc, RenderError) else message)
        return code
