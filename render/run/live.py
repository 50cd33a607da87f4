"""``render SCENE --watch``: the artist's loop. The scenes render, then again whenever a scene file,
a photo it reads (an image input, a folder input's photos, a folder dataset) or its soundtrack
changes, in the same warm process (the model, the basis and the imports already loaded); ``--open``
opens the film again after each render. A render that fails (a scene saved half-edited, a photo
without a face) is said in its one line and the watch goes on; Ctrl-C ends it.

The files are looked at twice a second (their size and modification time, a folder's listing): a
handful of files, where an inotify watch would add a thread and miss editors that save by renaming.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable

from render import interrupt
from render.errors import ExitCode, RenderError
from render.run.program import Options, Program, scene_files

__all__ = ["live", "LOOK_SECONDS", "SETTLE_SECONDS"]

LOOK_SECONDS = 0.5  #: how often the files are looked at
SETTLE_SECONDS = 0.3  #: a change is rendered once the files have stayed the same this long (an editor's saves)


def live(paths: list[Path], options: Options) -> int:
    """Render ``paths``, then again on every change, until Ctrl-C; return the last render's code (the
    interrupt's when Ctrl-C cut a render short)."""
    console = options.console
    told, code, rendering = False, 0, False
    try:
        while True:
            # What the render reads, as it is before the render starts: a save during the render is a
            # change seen after it, never taken for the state it rendered.
            watched = _watched(paths, options)
            seen = _state(watched)
            rendering = True
            code = _render(paths, options)
            rendering = False
            if code == ExitCode.INTERRUPTED:  # Ctrl-C during a render: the watch ends with it
                break
            if not told:
                console.log(f"watching {len(watched)} files for changes (Ctrl-C stops)")
                told = True
            now = _changed(watched, seen)
            changed = sorted(str(p) for p in set(now) | set(seen) if now.get(p) != seen.get(p))
            console.log(f"changed: {', '.join(changed[:3])}{', ...' if len(changed) > 3 else ''}; rendering again")
    except KeyboardInterrupt:
        if rendering:  # the render under way was cut short: its code is the interrupt's, not the last one's
            code = ExitCode.INTERRUPTED
        console.log("stopped watching" + ("; the render under way was cut short" if rendering else ""))
    return int(code)


def _changed(watched: list[Path], seen: dict[Path, tuple]) -> dict[Path, tuple]:
    """Wait until the files differ from ``seen`` and have stayed the same a moment (an editor's saves)."""
    while True:
        with interrupt.deferred():  # Ctrl-C lands between looks
            time.sleep(LOOK_SECONDS)
            interrupt.check()
        now = _state(watched)
        if now == seen:
            continue
        while True:
            time.sleep(SETTLE_SECONDS)
            later = _state(watched)
            if later == now:
                return now
            now = later


def _render(paths: list[Path], options: Options) -> int:
    """One render of the scenes; a failure is said (the run's own one line) and the watch goes on."""
    try:
        return Program(options).run(paths)
    except RenderError as exc:  # the run itself could not start (a folder with no scene, say)
        options.console.error(str(exc))
        return int(exc.exit_code)


def _watched(paths: list[Path], options: Options) -> list[Path]:
    """The scene files, and what each scene that loads reads: its photos, its folders, its soundtrack."""
    try:
        files = scene_files(paths)
    except RenderError:
        return list(paths)
    watched: list[Path] = [*paths, *files]
    for path in files:
        try:
            scene = options.scene(path)
        except RenderError:
            continue  # said by the render; the file itself is watched
        watched += list(_inputs_of(scene))
    return sorted(set(watched))


def _inputs_of(scene) -> Iterable[Path]:  # noqa: ANN001
    for spec in scene.inputs:
        for key in ("image", "folder"):
            value = getattr(spec, key, None)
            if isinstance(value, Path):
                yield value
    dataset_folder = getattr(scene.dataset, "folder", None)
    if isinstance(dataset_folder, Path):
        yield dataset_folder
    if scene.output.audio is not None:
        yield scene.output.audio.path


def _state(paths: list[Path]) -> dict[Path, tuple]:
    """Each path's size and modification time (a folder's: its photos'), or None when it is not there."""
    state: dict[Path, tuple] = {}
    for path in paths:
        try:
            if path.is_dir():
                state[path] = tuple(sorted((entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
                                           for entry in path.iterdir() if entry.is_file()))
            else:
                stat = path.stat()
                state[path] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            state[path] = ()
    return state
