"""Command-line arguments, and nothing else: :mod:`render.app` is the error boundary and
:mod:`render.run.program` the work.

    render SCENE.yaml|FOLDER [...] [--output-dir DIR] [--device D] [--cache-dir DIR] [--refresh]
                                   [--jobs N] [--executor local|dask://host:port] [--force] [--quiet] [--debug]
    render serve SCENE.yaml [--host H] [--port P] [--token T] [...]
    render watch SCENE.yaml [...]
    render schema
    render cache list|clear [--cache-dir DIR]

Only typer is imported at start-up; the pipeline (numpy, scikit-learn, TensorFlow) loads when a
scene is rendered, so ``render --help`` answers at once.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["cli", "run"]

_RENDER = "render-scenes"


class _SceneFirst(TyperGroup):
    """``render scene.yaml`` renders; ``render schema`` runs the subcommand of that name; a word that
    is neither a command nor a file but spelt like a command is taken for a typo of it."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-")), None)
        if args in (["--help"], ["-h"]):  # the help of a render, with the other commands listed below
            args = [_RENDER, "--help"]
        own = not args or args[0] in ("--version", "-V", "--install-completion", "--show-completion")
        if not own and first not in self.commands:
            if first is not None and not Path(first).exists():
                import difflib

                close = difflib.get_close_matches(first, [c for c in self.commands if c != _RENDER], n=1, cutoff=0.6)
                if close:
                    typer.echo(f"render: error: {first!r} is neither a scene file nor a command; did you mean "
                               f"'render {close[0]}'?", err=True)
                    raise typer.Exit(2)
            args = [_RENDER, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage("render", "SCENE.yaml [SCENE.yaml ...] [OPTIONS]\n       render COMMAND")


class _Render(TyperCommand):
    """The default command: its usage and messages name it ``render``, as users type it."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage("render", "SCENE.yaml|FOLDER [...] [OPTIONS]\n       render COMMAND")

    def make_context(self, info_name: Any, args: list[str], parent: Any = None, **extra: Any) -> Any:
        # Its own root, named as typed: "Try 'render -h'", not "render render-scenes -h".
        return super().make_context("render", args, parent=None, **extra)


cli = typer.Typer(
    cls=_SceneFirst,
    add_completion=True,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Render happy-eigenface films from scene files.\n\n"
    "Each scene names a face set, an emotion filter, a PCA basis and the faces to morph onto it; "
    "the films and stills go into <output.dir>/<name>/. Options of a render: see "
    "'render render-scenes --help'.",
)


def _version(value: bool) -> None:
    if value:
        from render import __version__

        typer.echo(f"render (happy-faces) {__version__}")
        raise typer.Exit()


@cli.callback()
def _main(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", "-V", metavar="", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """Render happy-eigenface films from scene files."""


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


def _executor(value: Optional[str]) -> Optional[str]:
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
    typer.Option("--set", "-s", metavar="KEY=VALUE", callback=lambda values: _sets(values or []),
                 help="Change one scene key for this run, e.g. --set morph.levels=12 --set output.formats=[mp4] "
                      "(dotted keys, YAML values; repeatable; checked with the file)."),
]
Debug = Annotated[bool, typer.Option("--debug", metavar="", help="Show tracebacks of failures.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", metavar="",
                                       help="Say more: each cache entry found or computed, each film's files.")]


def _sets(values: list[str]) -> tuple:
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


def _options(output_dir: Optional[Path], device: Optional[Device], cache_dir: Optional[Path], refresh: bool,
             quiet: bool, debug: bool, jobs: Optional[int], executor: Optional[str] = None, force: bool = False,
             sets: tuple = (), preview: bool = False, verbose: bool = False, open_: bool = False,
             publish: bool = False, to: Optional[str] = None):
    from render.run.batch import cores
    from render.run.program import Options

    return Options(output_dir, device.value if device else None, cache_dir, refresh, quiet, debug,
                   jobs or cores(), executor if executor != "local" else None, force, sets or (), preview,
                   verbose, open_, publish, to)


def _store(value: Optional[str]) -> Optional[str]:
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
    typer.Option("--to", metavar="URL", callback=_store,
                 help="Publish to URL instead of the scene's publish.to: s3://bucket/prefix, sftp://host/path, "
                      "webdav(s)://host/path, file:///folder."),
]


@cli.command(_RENDER, cls=_Render, hidden=True, context_settings={"help_option_names": ["-h", "--help"]},
             help="Render happy-eigenface films from scene files: each scene names a face set, an emotion filter, "
                  "a PCA basis and the faces to morph onto it; the films and stills go into <output.dir>/<name>/.",
             epilog="Commands: render publish (to S3, SFTP, WebDAV), render serve (the live kiosk), render watch (a hot folder), render init (a starter "
                    "scene), render schema, render cache list|prune|clear, render --version. "
                    "Each has its own --help.")
def render_scenes(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (YAML), or folders of them.", show_default=False)],
    output_dir: OutputDir = None,
    device: DeviceOption = None,
    cache_dir: CacheDir = None,
    refresh: Refresh = False,
    jobs: Jobs = None,
    executor: Annotated[
        Optional[str],
        typer.Option("--executor", callback=_executor,
                     help="Where clips render: 'local' (default), or dask://host:port (a Dask cluster)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", metavar="", help="Render every clip, even those up to date.")] = False,
    sets: Sets = None,
    preview: Annotated[bool, typer.Option("--preview", metavar="", help="A quick look: 128 px, at most 25 levels, MP4 only, "
                                          "into <output.dir>/previews/.")] = False,
    open_: Annotated[bool, typer.Option("--open", metavar="", help="Open the first film made with the system's "
                                        "viewer (xdg-open, or open on macOS).")] = False,
    publish: Annotated[bool, typer.Option("--publish", metavar="", help="Then publish each scene (see "
                                          "'render publish --help').")] = False,
    to: To = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    from render.app import main

    options = _options(output_dir, device, cache_dir, refresh, quiet, debug, jobs, executor, force, sets, preview,
                       verbose, open_, publish or to is not None, to)
    if options.publish:
        from render.publish.step import render_and_publish

        raise typer.Exit(main(lambda: render_and_publish(options, scenes), debug))
    from render.run.program import Program

    raise typer.Exit(main(lambda: Program(options).run(scenes), debug))


@cli.command("publish", help="Publish what scenes have rendered to their store (the scene's publish.to, or --to): "
                             "new, changed or missing files only, each verified and recorded in the manifest.")
def publish(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (YAML), or folders of them.", show_default=False,
                                                 metavar="SCENE.yaml|FOLDER...")],
    to: To = None,
    output_dir: OutputDir = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, max=64,
                                                help="Files uploaded at once; replaces the scene's publish.jobs.")] = None,
    sets: Sets = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    from render.app import main
    from render.publish.step import publish_paths

    sets = (*(sets or ()), *((((("publish", "jobs"), jobs),) if jobs else ())))
    options = _options(output_dir, None, None, False, quiet, debug, 1, sets=sets, verbose=verbose, publish=True, to=to)
    raise typer.Exit(main(lambda: publish_paths(options, scenes), debug))


@cli.command("serve", help="Serve the live kiosk: each visitor's photo drawn into the happy eigenface at once.")
def serve(
    scene: Annotated[Path, typer.Argument(help="The scene file (YAML) the kiosk renders.", show_default=False)],
    host: Annotated[str, typer.Option("--host", help="Address to listen on; other than 127.0.0.1, other machines can reach it.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        Optional[str],
        typer.Option("--token", envvar="HAPPY_FACES_TOKEN", show_default=False,
                     help="Access token every /api/ request must carry (or set $HAPPY_FACES_TOKEN)."),
    ] = None,
    output_dir: OutputDir = None,
    device: DeviceOption = None,
    cache_dir: CacheDir = None,
    refresh: Refresh = False,
    jobs: Jobs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    from render.app import main
    from render.serve.server import serve_scene

    options = _options(output_dir, device, cache_dir, refresh, quiet, debug, jobs)
    raise typer.Exit(main(lambda: serve_scene(scene, options, host, port, token), debug))


@cli.command("watch", help="Watch the scene's folder inputs (a photo booth's hot folder): render each new photo once.")
def watch(
    scene: Annotated[Path, typer.Argument(help="The scene file (YAML); its {folder: ...} inputs are watched.", show_default=False)],
    output_dir: OutputDir = None,
    device: DeviceOption = None,
    cache_dir: CacheDir = None,
    refresh: Refresh = False,
    jobs: Jobs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    from render.app import main
    from render.serve.watch import watch_scene

    options = _options(output_dir, device, cache_dir, refresh, quiet, debug, jobs)
    raise typer.Exit(main(lambda: watch_scene(scene, options), debug))


@cli.command("init", help="Write a commented starter scene (and its schema, and a photos folder) into DIR.")
def init(folder: Annotated[Path, typer.Argument(help="Where to write it (made if missing).")] = Path(".")) -> None:
    from render.app import main
    from render.scene.starter import write_starter

    def work() -> int:
        for path in write_starter(folder):
            typer.echo(f"render: wrote {path}{'/' if path.is_dir() else ''}", err=True)
        typer.echo(f"render: next: render {folder / 'scene.yaml'} --preview", err=True)
        return 0

    raise typer.Exit(main(work))


@cli.command("schema", help="Print the JSON Schema of scene files (for editors).")
def schema() -> None:
    import json

    from render.scene import scene_schema

    typer.echo(json.dumps(scene_schema(), indent=2))


cache_cli = typer.Typer(help="List or clear the cache of datasets, model scores and bases.", no_args_is_help=True)
cli.add_typer(cache_cli, name="cache")


@cache_cli.command("list", help="List cached entries: kind, key, size, when last used, and what made them.")
def cache_list(cache_dir: CacheDir = None) -> None:
    import time

    from render.cache import Cache, default_cache_dir

    cache = Cache(cache_dir or default_cache_dir())
    entries = sorted(cache.entries(), key=lambda e: e.used)
    typer.echo(f"{len(entries)} entries, {sum(e.bytes for e in entries) / 1e6:.1f} MB in {cache.root}")
    for e in entries:
        made = ", ".join(f"{k}={_short(v)}" for k, v in e.parts.items())
        used = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.used))
        typer.echo(f"{e.kind:8} {e.key[:12]}  {e.bytes / 1e6:8.2f} MB  used {used}  {made}")


def _short(value: object, most: int = 16) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= most else text[: most - 1] + "\u2026"  # shortened, and says so


@cache_cli.command("prune", help="Remove entries unused for a while, then the least recently used beyond a size.")
def cache_prune(
    cache_dir: CacheDir = None,
    older_than: Annotated[Optional[str], typer.Option("--older-than", metavar="AGE",
                                                      help="Remove entries unused for AGE: 30d, 12h, 2w...")] = None,
    max_size: Annotated[Optional[str], typer.Option("--max-size", metavar="SIZE",
                                                    help="Then keep at most SIZE: 500MB, 2GB... (default: "
                                                         "$HAPPY_FACES_CACHE_MAX, else 2GB)")] = None,
) -> None:
    from render.cache import Cache, default_cache_dir, max_bytes, parse_age, parse_size

    try:
        age = parse_age(older_than) if older_than else None
        size = parse_size(max_size) if max_size else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    cache = Cache(cache_dir or default_cache_dir())
    removed, freed = cache.prune(age, size if size is not None else (None if age else max_bytes()))
    typer.echo(f"removed {removed} entries ({freed / 1e6:.1f} MB) from {cache.root}")


@cache_cli.command("clear", help="Remove every cached entry.")
def cache_clear(cache_dir: CacheDir = None) -> None:
    from render.cache import Cache, default_cache_dir

    cache = Cache(cache_dir or default_cache_dir())
    typer.echo(f"removed {cache.clear()} files from {cache.root}")


def run() -> None:
    """Console-script entry point."""
    # The tool's own linear algebra is tiny (a 64x64 basis); OpenBLAS's worker threads would only
    # spin and take CPU from the encoders. Set before numpy loads; the caller's value wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    cli(prog_name="render")
