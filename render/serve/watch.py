"""``render watch``: a photo booth's hot folder, each new or replaced photo rendered once.

The scene's ``{folder: ...}`` inputs are rendered as a batch first (what is up to date is skipped),
then watched (watchdog): a photo that appears, or is replaced, is rendered once it is whole: it has
stopped changing and its bytes end as a whole JPEG or PNG ends (a copy that stalls is waited for, up
to :data:`STALL_SECONDS`); a removed photo's films are left alone. A long-running command never dies
of one input: a photo without a usable face, a link loop, a link through a file named like a photo,
even a bug, is named in one line and the watch goes on. A watched folder removed, or renamed away (an
operator clearing the booth), is said, waited for, and watched again when it is back, its photos
rendered. Ctrl-C stops it.
"""

from __future__ import annotations

import contextlib
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from render.cache import Cache, default_cache_dir
from render import interrupt
from render.errors import InputError, RenderError, SceneError, shown
from render.faces.photo import PHOTO_SUFFIXES
from render.faces.portrait import kept_detail, toned
from render.faces.subjects import clip_name, named_inputs
from render.ground.morph import Morph
from render.run.program import Options, Program
from render.scene import FolderInput

__all__ = ["watch_scene", "SETTLE_SECONDS"]

#: A photo whose size and modification time have not changed for this long, and whose bytes end as a
#: whole photo's do, is taken as complete.
SETTLE_SECONDS = 1.0
#: How much of a JPEG's start is read for its segments (EXIF, thumbnails and all come before the image data).
HEAD_BYTES = 1 << 20
#: A photo unchanged this long is rendered (or said to be damaged) even when its end is not whole.
STALL_SECONDS = 60.0


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
    if scene.compare is not None:
        raise SceneError(f"{scene.where('compare')}: render watch makes one clip per photo on the scene's basis; "
                         "render the comparison as a batch (render scene.yaml), or leave compare out")
    console = options.console
    Program(options).run([path])  # what is there already, as a batch

    arrived: queue.Queue[Path] = queue.Queue()

    class Arrivals(FileSystemEventHandler):
        def on_any_event(self, event) -> None:  # created, modified, moved in: the path it ends at
            if event.event_type in ("created", "modified", "moved", "closed"):
                arrived.put(Path(getattr(event, "dest_path", "") or event.src_path))
            if event.event_type in ("deleted", "moved") and Path(event.src_path) in watched.paths:
                watched.lost(Path(event.src_path))  # the watched folder itself: gone, or replaced at once

    cache = Cache(options.cache_dir or default_cache_dir(), console=console)
    observer = Observer()
    watched = _Folders(observer, Arrivals(), folders, arrived, console)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="film") as executor:
        studio = Studio(scene, cache, executor, console, warm=scene.reads_frames, kiosk=False)
        observer.start()
        console.log(f"watching {', '.join(map(str, folders))} for new photos (Ctrl-C stops)")
        try:
            with interrupt.deferred():  # Ctrl-C lands between photos, never inside the queue's wait
                _loop(arrived, studio, watched, options)
        except KeyboardInterrupt:
            console.log("stopped watching")
        finally:
            observer.stop()
            observer.join()
    return 0


class _Folders:
    """The watched folders, each followed: gone (removed, renamed away) is said once and waited for;
    back (the same path, a new folder) is watched again and its photos looked at."""

    def __init__(self, observer, handler, folders: list[Path], arrived, console) -> None:  # noqa: ANN001
        self.observer, self.handler, self.arrived, self.console = observer, handler, arrived, console
        self.watches: dict[Path, tuple[object, tuple[int, int] | None]] = {}
        self.paths = set(folders)
        self._lost: set[Path] = set()  # told by the watcher itself that the folder went (thread-safe enough: a set's add)
        for folder in folders:
            self._watch(folder)

    def lost(self, folder: Path) -> None:
        self._lost.add(folder)

    def _identity(self, folder: Path) -> tuple[int, int] | None:
        try:
            stat = folder.stat()
        except OSError:
            return None
        return (stat.st_dev, stat.st_ino) if folder.is_dir() else None

    def _watch(self, folder: Path) -> None:
        self.watches[folder] = (self.observer.schedule(self.handler, str(folder), recursive=False), self._identity(folder))

    def check(self) -> None:
        for folder, (watch, identity) in list(self.watches.items()):
            now = self._identity(folder)
            if folder in self._lost:  # removed and made again at once can give the same inode: the event says it
                self._lost.discard(folder)
                identity = None if now is not None else identity
            if now == identity:
                continue
            if watch is not None:
                with contextlib.suppress(KeyError, OSError):  # its watcher may have stopped by itself
                    self.observer.unschedule(watch)
            if now is None:
                self.console.warn(f"{folder}: the watched folder is gone (removed or renamed); waiting for it to "
                                  "come back")
                self.watches[folder] = (None, None)
                continue
            try:
                self._watch(folder)
                entries = sorted(folder.iterdir())
            except OSError:  # gone again already: the next check says it
                self.watches[folder] = (None, None)
                continue
            self.console.log(f"{folder}: the watched folder is back; watching it again")
            for entry in entries:  # what was copied in while it was not watched
                self.arrived.put(entry)


def _loop(arrived, studio, folders: _Folders, options: Options) -> None:
    waiting: dict[Path, tuple[tuple[int, int], float]] = {}  # photo -> (size, mtime), since when unchanged
    checked = time.monotonic()
    while True:
        interrupt.check()
        if time.monotonic() - checked >= 1.0:
            folders.check()
            checked = time.monotonic()
        # Every event there is now, then the photos waiting: a file written without pause beside them
        # (a log) never keeps them waiting.
        try:
            photo = arrived.get(timeout=0.2)
            while True:
                if photo.parent in folders.paths and photo.suffix.lower() in PHOTO_SUFFIXES:
                    waiting[photo] = ((-1, -1), time.monotonic())
                photo = arrived.get_nowait()
        except queue.Empty:
            pass
        now = time.monotonic()
        for photo, (seen, since) in list(waiting.items()):
            try:
                stat = photo.stat()
                if not photo.is_file():
                    raise IsADirectoryError(f"{photo.name} is not a file")
            except FileNotFoundError:  # removed before it settled (or a link to nothing)
                del waiting[photo]
                if photo.is_symlink():
                    options.console.error(f"{shown(photo)}: a link to nothing; copy the photo itself into the folder")
                continue
            except (OSError, RuntimeError) as exc:  # a link loop, a link through a file, a folder named .jpg
                del waiting[photo]
                options.console.error(f"{shown(photo)}: cannot be read ({getattr(exc, 'strerror', None) or exc}); "
                                      "copy the photo itself into the folder")
                continue
            current = (stat.st_size, stat.st_mtime_ns)
            if current != seen:
                waiting[photo] = (current, now)
            elif now - since >= SETTLE_SECONDS and (whole(photo) or now - since >= STALL_SECONDS):
                del waiting[photo]
                _render(photo, studio, options)


def whole(photo: Path) -> bool:
    """Whether a photo's bytes end as a whole JPEG (its segments up to the image data, then its
    end-of-image marker, give or take a few bytes of padding) or PNG (its IEND chunk) does: a copy
    still under way, or stalled (even just after a segment that happens to end as an image does), does
    not."""
    try:
        with photo.open("rb") as f:
            head = f.read(HEAD_BYTES)  # a JPEG's segments before its image data: its EXIF, thumbnails
            f.seek(max(0, photo.stat().st_size - 1024))
            tail = f.read().rstrip(b"\x00")
    except OSError:
        return True  # said by the render that follows
    if head.startswith(b"\x89PNG"):
        return tail.endswith(b"IEND\xaeB`\x82")
    if head.startswith(b"\xff\xd8"):
        return _jpeg_scan_starts(head) and b"\xff\xd9" in tail[-64:]
    return True  # not a photo at all: said by the render


def _jpeg_scan_starts(data: bytes) -> bool:
    """Whether a JPEG's segments are there whole up to the start of its image data (SOS)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return False
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker == 0xDA:
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return False


def _render(photo: Path, studio, options: Options) -> None:
    """Render one settled photo, unless its film is already up to date; a failure, whatever it is, is
    said in one line and the watch goes on (``--debug`` raises what is not the tool's own)."""
    scene = studio.scene
    label = f"{scene.name}: {clip_name(photo)}"
    try:
        name = _name(photo, studio)
        label = f"{scene.name}: {name}"
        face, detail = toned(studio.portraits.portrait_of(photo), *studio.tone)
        detail = kept_detail(detail)
        morph = Morph.of(face, studio.basis, scene.morph)
        job = studio.clip(name, morph, studio.read(morph) if scene.reads_frames else None,
                          f"{shown(photo)} (person: largest)", detail=detail)
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
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - a long-running command never dies of one input
        if options.debug:
            raise
        options.console.error(f"{label}: failed unexpectedly ({type(exc).__name__}: {exc}); the watch goes on "
                              "(--debug shows where)")
        return
    options.console.log(f"{label}: done")


def _name(photo: Path, studio) -> str:
    """The photo's clip name, as a batch of the scene names it (:func:`render.faces.subjects.named_inputs`)."""
    names = {item.photo: item.name for item in named_inputs(studio.scene, studio.kept) if item.photo is not None}
    return names.get(photo, clip_name(photo))
