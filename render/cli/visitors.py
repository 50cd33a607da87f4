"""``render visitors``: a kiosk's visitors over a season, listed or purged (the event reset). Both work
while ``render serve`` runs on the scene: a purged visitor is 404 at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from render.app import main
from render.cli import cli
from render.cli.options import Debug, OutputDir, run_options

visitors_cli = typer.Typer(help="List or purge a kiosk's visitors (render serve's scene).", no_args_is_help=True)
cli.add_typer(visitors_cli, name="visitors")

Scene = Annotated[Path, typer.Argument(help="The scene file (YAML) render serve serves.", show_default=False,
                                       readable=False)]


@visitors_cli.command("list", help="Count the visitors: today, films done, failed and pending, oldest, newest, disk used.")
def visitors_list(scene: Scene, output_dir: OutputDir = None, debug: Debug = False) -> None:
    from render.serve.season import visitors_list as listed

    options = run_options(output_dir, None, None, False, False, debug, 1)
    raise typer.Exit(main(lambda: listed(scene, options.scene(scene).scene_dir, options.console), debug))


@visitors_cli.command("purge", help="Remove visitors (films, crops, kept photos, records): those older than AGE, "
                                    "or all of them (--all, the reset between events).")
def visitors_purge(
    scene: Scene,
    older_than: Annotated[Optional[str], typer.Option("--older-than", metavar="AGE",
                                                      help="Remove visitors older than AGE: 90d, 12h, 30m...")] = None,
    every: Annotated[bool, typer.Option("--all", help="Remove every visitor.")] = False,
    output_dir: OutputDir = None,
    debug: Debug = False,
) -> None:
    from render.errors import UsageError
    from render.ground.units import parse_age
    from render.serve.season import visitors_purge as purged

    def work() -> int:
        if every == (older_than is not None):
            raise UsageError("render visitors purge: give --older-than AGE (e.g. 90d) or --all, one of them")
        try:
            age = parse_age(older_than) if older_than is not None else None
        except ValueError as exc:
            raise UsageError(f"--older-than: {exc}") from None
        return purged(scene, options.scene(scene).scene_dir, age, options.console)

    options = run_options(output_dir, None, None, False, False, debug, 1)
    raise typer.Exit(main(work, debug))
