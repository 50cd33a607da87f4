"""One exception tree and one exit-code enum for the whole tool.

Every failure a user can cause is a :class:`RenderError` subclass whose message is a single line
saying where (file, key, line), what was wrong and what to do. The CLI's error boundary maps each
class to its :class:`ExitCode` (:func:`explain`). Below the boundary, broad exceptions are caught only
where one failure must not stop the others (a scene of a run, a job in the executor, a scene being
published, a photo in a watched folder, a visitor's film): each is said and counted as a failure
there, with its exit code, and raised with ``--debug``; never swallowed.
"""

from __future__ import annotations

import enum
import errno

__all__ = [
    "explain",
    "ExitCode",
    "RenderError",
    "SceneError",
    "UsageError",
    "InputError",
    "ModelError",
    "EncodeError",
    "OutputError",
    "ExecutorError",
    "DetectorError",
    "MissingError",
    "PublishError",
    "RenderWarning",
    "shown",
    "WRITE_ERRNOS",
]

#: What writing a file can meet that is the disk's or the folder's doing, not the program's: the
#: encoders let these through, and the staging folder says them as an output error (exit 7).
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO})


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    ERROR = 1  #: an unexpected internal error (a bug: please report it with --debug output)
    USAGE = 2  #: bad command-line arguments
    SCENE = 3  #: the scene file is unreadable, not YAML, or does not match the schema
    INPUT = 4  #: the dataset or an input face cannot be used as asked
    MODEL = 5  #: the emotion model is missing, damaged or unusable
    ENCODE = 6  #: ffmpeg or an image writer failed
    OUTPUT = 7  #: the output folder cannot be written
    MIXED = 8  #: several scenes, inputs or clips failed, in different ways (each named above the summary)
    EXECUTOR = 9  #: the executor (a Dask cluster) cannot be reached or used
    DETECTOR = 10  #: the face detector (BlazeFace's model file, or OpenCV's Haar cascades) is missing or unusable
    UNREACHABLE = 11  #: the store to publish to cannot be reached (unknown host, refused, stopped answering)
    DENIED = 12  #: the store refused the credentials, or the permission to write
    NO_FOLDER = 13  #: the bucket or folder to publish into does not exist
    FULL = 14  #: the store is full (disk full, quota exceeded)
    MISSING = 15  #: a part of the tool is not installed (an implementation's package: a store's, say)
    INTERRUPTED = 130  #: Ctrl-C


def explain(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code and the message a failure is reported with: a :class:`RenderError` in its own
    words, Ctrl-C as an interruption, anything else as the bug it is."""
    if isinstance(exc, RenderError):
        return exc.exit_code, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED, "interrupted; what was finished is kept and recorded, nothing half-done is left"
    return ExitCode.ERROR, f"internal error: {type(exc).__name__}: {exc}; rerun with --jobs 1 --debug and report the traceback"


class RenderError(Exception):
    """Base of every error the tool reports to a user in one line."""

    exit_code: ExitCode = ExitCode.ERROR


class UsageError(RenderError):
    """A command-line value the tool reads itself is wrong (said as one line, like the others)."""

    exit_code = ExitCode.USAGE


class SceneError(RenderError):
    """The scene file cannot be read or does not validate."""

    exit_code = ExitCode.SCENE


class InputError(RenderError):
    """The dataset or an input does not allow what the scene asks."""

    exit_code = ExitCode.INPUT


class ModelError(RenderError):
    """The emotion model cannot be found, verified or run."""

    exit_code = ExitCode.MODEL


class EncodeError(RenderError):
    """An encoder (ffmpeg, the GIF or PNG writer) failed."""

    exit_code = ExitCode.ENCODE


class OutputError(RenderError):
    """The output location cannot be created or written."""

    exit_code = ExitCode.OUTPUT


class ExecutorError(RenderError):
    """The executor the batch was given (a Dask scheduler) cannot be reached or used."""

    exit_code = ExitCode.EXECUTOR


class MissingError(RenderError):
    """An implementation named by a registry cannot be imported: its package is not installed."""

    exit_code = ExitCode.MISSING


class DetectorError(RenderError):
    """The face detector's files are missing or unreadable."""

    exit_code = ExitCode.DETECTOR


class PublishError(RenderError):
    """Publishing failed: the store is unreachable, refuses us, lacks the folder, or is full."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.UNREACHABLE) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def __reduce__(self) -> tuple:  # picklable with its code, like every error a worker may raise
        return type(self), (str(self), self.exit_code)


class RenderWarning(UserWarning):
    """Something worth saying that does not stop the work (a photo's damaged EXIF block, say): shown as
    the tool's own ``render: warning:`` line by the error boundary."""


def shown(value: object) -> str:
    """A name (a file, a folder, a key) as a message shows it: as it is when printable, else quoted
    with its escapes, so that a newline or a terminal escape in a file name cannot pass for another
    line of the tool's own."""
    text = str(value)
    return text if text.isprintable() else repr(text)
