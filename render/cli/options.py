"""The options several commands share, and how their values become a run's :class:`Options`."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer


CacheDir = Annotated[
    Optional[Path],
    typer.Option(
        "--cache-dir",
        help="Cache folder (default: $HAPPY_FACES_CACHE, else models/cache/ in a checkout, else the "
        "user cache folder).",
        show_default=False,
    ),
]


class Device(str, enum.Enum):
    auto = "auto"
    cpu = "cpu"
    gpu = "gpu"


def executor_url(value: Optional[str]) -> Optional[str]:
    """'local', or dask://host[:port]; anything else is refused (exit 2), never run locally."""
    if value is None or value == "local":
        return value
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (reading it checks it is a number)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme != "dask" or not parts.hostname or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username):
        raise typer.BadParameter(f"{value!r} is neither 'local' nor dask://host:port (a Dask scheduler's address)")
    return value


OutputDir = Annotated[
    Optional[Path], typer.Option("--output-dir", "-o", help="Write under DIR instead of the scene's output.dir.")
]
DeviceOption = Annotated[
    Optional[Device], typer.Option("--device", help="Where the emotion model runs; replaces the scene's filter.device.")
]
Refresh = Annotated[bool, typer.Option("--refresh", metavar="", help="Ignore cached scores and bases; recompute and store them.")]
Jobs = Annotated[
    Optional[int],
    typer.Option("--jobs", "-j", min=1, help="Films rendered at once, in worker processes (default: the cores)."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="Print errors only.")]
Sets = Annotated[
    Optional[list[str]],
    typer.Option("--set", "-s", metavar="KEY=VALUE", callback=lambda values: parse_sets(values or []),
                 help="Change one scene key for this run, e.g. --set morph.levels=12 --set output.formats=[mp4] "
                      "(dotted keys, YAML values; repeatable; checked with the file)."),
]
Debug = Annotated[bool, typer.Option("--debug", metavar="", help="Show tracebacks of failures.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", metavar="",
                                       help="Say more: each cache entry found or computed, each film's files.")]


def parse_sets(values: list[str]) -> tuple:
    """``KEY=VALUE`` strings to ((key, path), value) pairs; the value read as YAML (12, [mp4], 0.5)."""
    import re

    import yaml

    pairs = []
    for given in values:
        key, equals, value = given.partition("=")
        if not equals or not re.fullmatch(r"[A-Za-z_]+(\.[A-Za-z_]+)*", key):
            raise typer.BadParameter(f"{given!r}: write KEY=VALUE with a dotted scene key, e.g. morph.levels=12")
        from render.errors import SceneError
        from render.scene.load import parse_yaml

        try:
            parsed = parse_yaml(value, "--set")[1] if value.strip() else ""
        except yaml.YAMLError:
            raise typer.BadParameter(f"{given!r}: the value is not valid YAML; quote it") from None
        except SceneError as exc:
            raise typer.BadParameter(f"{key}: {str(exc).split(': ', 1)[1]}") from None
        pairs.append((tuple(key.split(".")), parsed))
    return tuple(pairs)


def run_options(output_dir: Optional[Path], device: Optional[Device], cache_dir: Optional[Path], refresh: bool,
             quiet: bool, debug: bool, jobs: Optional[int], executor: Optional[str] = None, force: bool = False,
             sets: tuple = (), preview: bool = False, verbose: bool = False, open_: bool = False,
             publish: bool = False, to: Optional[str] = None, frames: tuple = ()):
    from render.run.batch import cores
    from render.run.program import Options

    return Options(output_dir, device.value if device else None, cache_dir, refresh, quiet, debug,
                   jobs or cores(), executor if executor != "local" else None, force, sets or (), preview,
                   verbose, open_, publish, to, tuple(frames))


def frame_numbers(value: Optional[str]) -> tuple[int, ...] | None:
    """``--frame``: N, N-M or N,M,... (frame numbers from 0) as a tuple; anything else refused (exit 2)."""
    if value is None:
        return None
    import re

    numbers: list[int] = []
    for part in value.split(","):
        found = re.fullmatch(r"\s*(\d{1,7})\s*(?:-\s*(\d{1,7})\s*)?", part)
        if not found or (found.group(2) and int(found.group(2)) < int(found.group(1))):
            raise typer.BadParameter(f"{value!r}: write a frame number (0 is the first), a range N-M, or numbers "
                                     "separated by commas, e.g. --frame 24 or --frame 0-9,49")
        first, last = int(found.group(1)), int(found.group(2) or found.group(1))
        numbers.extend(range(first, last + 1))
    if len(set(numbers)) > 1000:
        raise typer.BadParameter(f"{value!r}: at most 1000 frames at once; render the frames format for all of them")
    return tuple(sorted(set(numbers)))


def store_url(value: Optional[str]) -> Optional[str]:
    """A store URL, checked as the scene's publish.to is (exit 2 when it is not one)."""
    if value is None:
        return value
    from render.scene.publish import check_store_url

    try:
        return check_store_url(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


To = Annotated[
    Optional[str],
    typer.Option("--to", metavar="URL", callback=store_url,
                 help="Publish to URL instead of the scene's publish.to: s3://bucket/prefix, sftp://host/path, "
                      "webdav(s)://host/path, file:///folder."),
]
