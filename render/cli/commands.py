"""The commands: render scenes, publish them, serve the kiosk, watch a hot folder, write a starter
scene, print the schema. Each parses its arguments and hands the work to the error boundary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from render.cli import RENDER, _Render, cli
from render.cli.options import (CacheDir, frame_numbers, Debug, DeviceOption, Jobs, OutputDir, Quiet, Refresh, Sets, To, Verbose,
                                executor_url, run_options)


@cli.command(RENDER, cls=_Render, hidden=True, context_settings={"help_option_names": ["-h", "--help"]},
             help="Render happy-eigenface films from scene files: each scene names a face set, an emotion filter, "
                  "a PCA basis and the faces to morph onto it; the films and stills go into <output.dir>/<name>/.",
             epilog="Commands: render publish (to S3, SFTP, WebDAV), render serve (the live kiosk), render watch (a hot folder), render init (a starter "
                    "scene), render schema, render cache list|prune|clear, render --version. "
                    "Each has its own --help.")
def render_scenes(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (YAML), or folders of them.", show_default=False, readable=False)],
    output_dir: OutputDir = None,
    device: DeviceOption = None,
    cache_dir: CacheDir = None,
    refresh: Refresh = False,
    jobs: Jobs = None,
    executor: Annotated[
        Optional[str],
        typer.Option("--executor", callback=executor_url,
                     help="Where clips render: 'local' (default), or dask://host:port (a Dask cluster)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", metavar="", help="Render every clip, even those up to date.")] = False,
    sets: Sets = None,
    preview: Annotated[bool, typer.Option("--preview", metavar="", help="A quick look: 128 px, at most 25 levels, MP4 only, "
                                          "into <output.dir>/previews/.")] = False,
    frame: Annotated[Optional[str], typer.Option("--frame", metavar="N", callback=lambda v: frame_numbers(v),
                                                 help="Write only frame N (or N-M, or N,M,...) of each film, as PNG, "
                                                      "into <output.dir>/previews/<name>/frames/; fast, for stills and checks.")] = None,
    open_: Annotated[bool, typer.Option("--open", metavar="", help="Open the first film made with the system's "
                                        "viewer (xdg-open, or open on macOS).")] = False,
    watch: Annotated[bool, typer.Option("--watch", "-w", metavar="", help="Then render again whenever the scene, "
                                        "its photos or its soundtrack change, until Ctrl-C (with --open: open the "
                                        "film again each time).")] = False,
    publish: Annotated[bool, typer.Option("--publish", metavar="", help="Then publish each scene (see "
                                          "'render publish --help').")] = False,
    to: To = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    from render.app import main

    options = run_options(output_dir, device, cache_dir, refresh, quiet, debug, jobs, executor, force, sets, preview,
                       verbose, open_, publish or to is not None, to, frame or ())
    if watch:
        if options.publish:
            raise typer.BadParameter("--watch renders on every change: publish once the scene is done, without --watch",
                                     param_hint="'--watch'")
        from render.run.live import live

        raise typer.Exit(main(lambda: live(scenes, options), debug))
    if options.publish:
        from render.publish.step import render_and_publish

        raise typer.Exit(main(lambda: render_and_publish(options, scenes), debug))
    from render.run.program import Program

    raise typer.Exit(main(lambda: Program(options).run(scenes), debug))


@cli.command("publish", help="Publish what scenes have rendered to their store (the scene's publish.to, or --to): "
                             "new, changed or missing files only, each verified and recorded in the manifest.")
def publish(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (YAML), or folders of them.", show_default=False, readable=False,
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
    options = run_options(output_dir, None, None, False, quiet, debug, 1, sets=sets, verbose=verbose, publish=True, to=to)
    raise typer.Exit(main(lambda: publish_paths(options, scenes), debug))


@cli.command("serve", help="Serve the live kiosk: each visitor's photo drawn into the happy eigenface at once.")
def serve(
    scene: Annotated[Path, typer.Argument(help="The scene file (YAML) the kiosk renders.", show_default=False, readable=False)],
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

    options = run_options(output_dir, device, cache_dir, refresh, quiet, debug, jobs)
    raise typer.Exit(main(lambda: serve_scene(scene, options, host, port, token), debug))


@cli.command("watch", help="Watch the scene's folder inputs (a photo booth's hot folder): render each new photo once.")
def watch(
    scene: Annotated[Path, typer.Argument(help="The scene file (YAML); its {folder: ...} inputs are watched.", show_default=False,
                                          readable=False)],
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

    options = run_options(output_dir, device, cache_dir, refresh, quiet, debug, jobs)
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
