"""Command-line arguments, and nothing else: :mod:`render.app` is the error boundary and the stages
the work. This module is the command group; :mod:`~render.cli.options` the options shared by the
commands, :mod:`~render.cli.commands` and :mod:`~render.cli.cache` the commands.

    render SCENE.yaml|FOLDER [...] [--output-dir DIR] [--device D] [--cache-dir DIR] [--refresh] [--preview]
                                   [--jobs N] [--executor local|dask://host:port] [--force] [--set KEY=VALUE]
                                   [--open] [--publish] [--to URL] [--quiet] [--verbose] [--debug]
    render publish SCENE.yaml|FOLDER [...] [--to URL] [--jobs N] [...]
    render serve SCENE.yaml [--host H] [--port P] [--token T] [...]
    render watch SCENE.yaml [...]
    render init [DIR]
    render schema
    render cache list|prune|clear [--cache-dir DIR] [--older-than AGE] [--max-size SIZE]
    render visitors list|purge SCENE.yaml [--older-than AGE | --all]

Only typer is imported at start-up; the pipeline (numpy, scikit-learn, TensorFlow) loads when a
scene is rendered, so ``render --help`` answers at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["cli", "run", "RENDER"]

RENDER = "render-scenes"  #: the default command's own name (a scene file is its argument)


class _SceneFirst(TyperGroup):
    """``render scene.yaml`` renders; ``render schema`` runs the subcommand of that name; a word that
    is neither a command nor a file but spelt like a command is taken for a typo of it."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-")), None)
        if args in (["--help"], ["-h"]):  # the help of a render, with the other commands listed below
            args = [RENDER, "--help"]
        own = not args or args[0] in ("--version", "-V", "--install-completion", "--show-completion")
        if not own and first not in self.commands:
            if first is not None and not Path(first).exists():
                import difflib

                close = difflib.get_close_matches(first, [c for c in self.commands if c != RENDER], n=1, cutoff=0.6)
                if close:
                    typer.echo(f"render: error: {first!r} is neither a scene file nor a command; did you mean "
                               f"'render {close[0]}'?", err=True)
                    raise typer.Exit(2)
            args = [RENDER, *args]
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


def run() -> None:
    """Console-script entry point."""
    # The tool's own linear algebra is tiny (a 64x64 basis); OpenBLAS's worker threads would only
    # spin and take CPU from the encoders. Set before numpy loads; the caller's value wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    cli(prog_name="render")


# The commands register themselves on ``cli`` as they are imported.
from render.cli import cache, commands, visitors  # noqa: E402, F401
