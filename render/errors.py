"""One exception tree and one exit-code enum for the whole tool.

Every failure a user can cause is a :class:`RenderError` subclass whose message is a single line
saying where (file, key, line), what was wrong and what to do. The CLI's error boundary maps each
class to its :class:`ExitCode`; nothing below the boundary catches broad exceptions.
"""

from __future__ import annotations

import enum

__all__ = [
    "ExitCode",
    "RenderError",
    "SceneError",
    "InputError",
    "ModelError",
    "EncodeError",
    "OutputError",
    "ExecutorError",
    "DetectorError",
]


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
    DETECTOR = 10  #: the face detector (OpenCV's Haar cascades) is missing or unusable
    INTERRUPTED = 130  #: Ctrl-C


class RenderError(Exception):
    """Base of every error the tool reports to a user in one line."""

    exit_code: ExitCode = ExitCode.ERROR


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


class DetectorError(RenderError):
    """The face detector's files are missing or unreadable."""

    exit_code = ExitCode.DETECTOR
