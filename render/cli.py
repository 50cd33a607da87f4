"""Command-line arguments, and nothing else: the work happens in :mod:`render.app`.

    render SCENE.yaml [SCENE.yaml ...] [--output-dir DIR] [--quiet] [--debug]
    render schema

Only typer is imported at start-up; the pipeline (numpy, scikit-learn, TensorFlow) loads when a
scene is rendered, so ``render --help`` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

__all__ = ["cli", "run"]

_RENDER = "render-scenes"


class _SceneFirst(TyperGroup):
    """``render scene.yaml`` renders; ``render schema`` runs the subcommand of that name."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-")), None)
        wants_help = not args or args[0] in ("--help", "-h")
        if not wants_help and first not in self.commands:
            args = [_RENDER, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage("render", "SCENE.yaml [SCENE.yaml ...] [OPTIONS]\n       render COMMAND")


cli = typer.Typer(
    cls=_SceneFirst,
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Render happy-eigenface films from scene files.\n\n"
    "Each scene names a face set, an emotion filter, a PCA basis and the faces to morph onto it; "
    "the films and stills go into <output.dir>/<name>/. Options of a render: see "
    "'render render-scenes --help'.",
)


@cli.command(_RENDER, help="Render one or more scene files (the default command).")
def render_scenes(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (YAML).", show_default=False)],
    output_dir: Annotated[
        Optional[Path],
        typer.Option("--output-dir", "-o", help="Write under DIR instead of the scene's output.dir."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of failures.")] = False,
) -> None:
    from render.app import main

    raise typer.Exit(main(scenes, output_dir=output_dir, debug=debug, quiet=quiet))


@cli.command("schema", help="Print the JSON Schema of scene files (for editors).")
def schema() -> None:
    import json

    from render.scene import scene_schema

    typer.echo(json.dumps(scene_schema(), indent=2))


def run() -> None:
    """Console-script entry point."""
    cli(prog_name="render")
