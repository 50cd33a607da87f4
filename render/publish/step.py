"""Publishing as a step of a run: ``render publish`` over rendered scenes, and ``render --publish``,
which hands each scene to this step once the batch has rendered it. One scene's failure never stops
the others; each is said and counted by the program's own failures."""

from __future__ import annotations

from pathlib import Path

from render.errors import ExitCode, InputError, RenderError, shown
from render.run.manifest import Manifest
from render.run.program import Options, Program, nowhere, scene_files
from render.scene import Scene

__all__ = ["Publishing", "publish_paths", "render_and_publish"]


class Publishing:
    """Publishes scenes for ``program``: its options, its console, its count of failures."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.claimed: dict[tuple[str, str], str] = {}  #: (store, key) -> the scene published there

    def scene(self, scene: Scene, manifest: Manifest) -> None:
        """Publish one rendered scene and say what was sent and where its links are."""
        from render.publish.meter import Meter
        from render.publish.publisher import publish_scene

        program, console, verbose = self.program, self.program.console, self.program.options.verbose
        if scene.publish.to is None:
            program.failed(nowhere(scene))
            return
        try:
            done = publish_scene(scene, manifest, Meter(quiet=program.options.quiet), console, self.claimed)
        except Exception as exc:  # noqa: BLE001 - as for rendering: one scene's failure never stops the others
            program.failed(exc)
            return
        megabytes, sent = done.bytes / 1e6, len(done.sent)
        console.log(f"{scene.name}: published {sent} file{'s' if sent != 1 else ''} ({megabytes:.1f} MB) to "
                    f"{done.store} in {done.seconds:.1f} s" + (f"; {done.current} up to date" if done.current else "")
                    + (f"; {done.swept} left by an interrupted run removed" if done.swept else ""))
        if done.index is not None:
            films = f"{len(done.links)} film{'s' if len(done.links) != 1 else ''}"
            console.log(f"{scene.name}: links to its {films}, with QR codes: {done.index}")
        elif verbose:
            console.say(f"{scene.name}: no links: {done.store} gives none; set publish.public_url to the address "
                        "its files are served at")
        if verbose:
            for clip, link in sorted(done.links.items()):
                console.say(f"{clip}: {link}")


def publish_paths(options: Options, paths: list[Path]) -> ExitCode:
    """``render publish``: put what the scenes of ``paths`` have rendered on their stores."""
    program = Program(options)
    publishing = Publishing(program)
    files = scene_files(paths)
    for path in files:
        try:
            scene = options.scene(path)
            manifest = Manifest.load(scene.scene_dir, scene.name, program.console)
            if not manifest.clips:
                raise InputError(f"{shown(path)}: nothing rendered yet in {scene.scene_dir}; render it first "
                                 f"(render {shown(path)} --publish renders and publishes)")
        except RenderError as exc:
            program.failed(exc)
            continue
        publishing.scene(scene, manifest)
    if len(files) > 1 and program.failures:
        program.console.say(f"{len(program.failures)} of {len(files)} scenes were not published, or not whole")
    return program.exit_code


def render_and_publish(options: Options, paths: list[Path]) -> ExitCode:
    """``render --publish``: render the scenes, then publish each one rendered."""
    program = Program(options)
    return program.run(paths, then=Publishing(program).scene)
