"""The one error boundary of the program: every exception becomes an exit code and one line.

Here a :class:`RenderError` is said as the tool's own line, Ctrl-C as an interruption, and anything
else as the bug it is, with how to see its traceback. With ``--debug`` every exception goes on up,
traceback and all. Below this point broad exceptions are caught only where one failure must not stop
the others (see :mod:`render.errors`), and each is said and counted there, never swallowed.
"""

from __future__ import annotations

from typing import Callable

from render.errors import RenderError, RenderWarning, explain
from render.ground.console import Console

__all__ = ["main"]


def main(work: Callable[[], int], debug: bool = False) -> int:
    """Run ``work`` (a render, the kiosk, a watch); return the process's exit code."""
    console = Console()
    _tool_warnings(console)
    try:
        return work()
    except (Exception, KeyboardInterrupt) as exc:
        if debug:
            raise
        code, message = explain(exc)
        if isinstance(exc, RenderError):
            console.error(message)
        else:
            console.say(message)
        return code


def _tool_warnings(console: Console) -> None:
    """Warnings said as the tool's own lines (``render: warning: ...``), each time, never raw; Pillow's
    own (a corrupt EXIF block, a large image) are left out: the tool says what matters of them."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
        console.warn(f"{message}" if issubclass(category, RenderWarning) else f"{category.__name__}: {message}")

    warnings.showwarning = show
    warnings.filterwarnings("ignore", module="PIL")
    warnings.simplefilter("always", RenderWarning)
