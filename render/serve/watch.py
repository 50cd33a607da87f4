"""``render watch``: a photo booth's hot folder, each new or replaced photo rendered once.

The scene's ``{folder: ...}`` inputs are rendered as a batch first (what is up to date is skipped),
then watched (watchdog): a photo that appears, or is replaced, is rendered as soon as it has stopped
growing (a file still being copied is waited for); a removed photo's films are left alone; a photo
without a usable face is named in one line and the watch goes on. Ctrl-C stops it.
"""

from __future__ import annotations

import queue
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from render.cache import Cache, default_cache_dir
from render import interrupt
from render.errors import InputError, RenderError, SceneError, shown
from render.faces.photo import PHOTO_SUFFIXES
from render.faces.portrait import match_tone
from render.faces.subjects import clip_name, named_inputs
from render.ground.morph import Morph
from render.run.program import Options, Program
from render.scene import FolderInput

__all__ = ["watch_scene", "SETTLE_SECONDS"]

#: A photo whose size and modification time have not changed for this long is taken as complete.
SETTLE_SECONDS = 1.0


def watch_scene(path: Path, options: Options) -> int:
    """Render the scene, then every photo that arrives in its folders, until Ctrl-C; return 0."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    from render.serve.studio import Studio

    scene = options.scene(path)
    folders = [spec.folder for spec in scene.inputs if isinstance(spec, FolderInput)]
    if not folders:
        raise SceneError(f"{scene.where('inputs')}: render watch watches {{folder: path}} inputs and this scene "
                         f"has none; add one, e.g. inputs: [{{folder: booth}}]")
    if scene.layout != "clips":
        raise SceneError(f"{scene.where('layout')}: render watch makes one clip per photo; use layout: clips")
    console = options.console
    Program(options).run([path])  # what is there already, as a batch

    arrived: queue.Queue[Path] = queue.Queue()

    class Arrivals(FileSystemEventHandler):
        def on_any_event(self, event) -> None:  # created, modified, moved in: the path it ends at
            if event.event_type in ("created", "modified", "moved", "closed"):
                arrived.put(Path(getattr(event, "dest_path", "") or event.src_path))

    cache = Cache(options.cache_dir or default_cache_dir(), console=console)
    observer = Observer()
    for folder in folders:
        observer.schedule(Arrivals(), str(folder), recursive=False)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="film") as executor:
        studio = Studio(scene, cache, executor, console, warm=scene.reads_frames, kiosk=False)
        observer.start()
        console.log(f"watching {', '.join(map(str, folders))} for new photos (Ctrl-C stops)")
        try:
            with interrupt.deferred():  # Ctrl-C lands between photos, never inside the queue's wait
                _loop(arrived, studio, set(folders), options)
        except KeyboardInterrupt:
            console.log("stopped watching")
        finally:
            observer.stop()
            observer.join()
    return 0


def _loop(arrived, studio, folders: set[Path], options: Options) -> None:
    waiting: dict[Path, tuple[tuple[int, int], float]] = {}  # photo -> (size, mtime), since when unchanged
    while True:
        interrupt.check()
        try:
            photo = arrived.get(timeout=0.2)
            if photo.parent in folders and photo.suffix.lower() in PHOTO_SUFFIXES:
                waiting[photo] = ((-1, -1), time.monotonic())
            continue
        except queue.Empty:
            pass
        now = time.monotonic()
        for photo, (seen, since) in list(waiting.items()):
            try:
                stat = photo.stat()
            except FileNotFoundError:  # removed before it settled: nothing to do
                del waiting[photo]
                continue
            current = (stat.st_size, stat.st_mtime_ns)
            if current != seen:
                waiting[photo] = (current, now)
            elif now - since >= SETTLE_SECONDS:
                del waiting[photo]
                _render(photo, studio, options)


def _render(photo: Path, studio, options: Options) -> None:
    """Render one settled photo, unless its film is already up to date; a failure is said, not raised."""
    scene = studio.scene
    name = _name(photo, studio)
    label = f"{scene.name}: {name}"
    try:
        face = match_tone(studio.portraits.framed(photo), *studio.tone)
        morph = Morph.of(face, studio.basis, scene.morph)
        job = studio.clip(name, morph, studio.read(morph) if scene.reads_frames else None,
                          f"{shown(photo)} (person: largest)")
        if not options.force and studio.manifest.up_to_date(job.name, job.settings):
            options.console.log(f"{label}: up to date, skipped")
            return
        studio.film(job).result()
    except InputError as exc:
        options.console.error(str(exc))
        return
    except RenderError as exc:
        if options.debug:
            raise
        options.console.error(f"{label}: {exc}")
        return
    options.console.log(f"{label}: done")


def _name(photo: Path, studio) -> str:
    """The photo's clip name, as a batch of the scene names it (:func:`render.faces.subjects.named_inputs`)."""
    names = {item.photo: item.name for item in named_inputs(studio.scene, studio.kept) if item.photo is not None}
    return names.get(photo, clip_name(photo))
