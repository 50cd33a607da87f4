"""A season's upkeep of the kiosk's visitors: what is kept of a visitor on disk, removing it (DELETE,
retention, a purge), and ``render visitors list`` / ``render visitors purge``, which work beside a
running server (the registry is SQLite: a purged visitor is 404 at once).

Nothing outside the scene's folder is ever removed, whatever a record names.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from render.errors import InputError
from render.ground.console import Console
from render.run.manifest import Manifest
from render.serve.visitors import DATABASE, PENDING, Record, Registry

__all__ = ["PREFIX", "remove_visitor", "purge", "Purged", "visitors_list", "visitors_purge", "inside", "midnight",
           "carry_over", "plausible", "own_file", "sweep_orphans", "check_folder"]

PREFIX = "visitor-"  #: a visitor's clip name is PREFIX + their id (never published: render.publish.select)


def inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` (links followed) lies in ``folder``."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL in the name
        return False


def own_file(folder: Path, visitor_id: str, name: object) -> bool:
    """Whether ``name`` is one of the files a visitor's film writes (``visitor-<id>.<suffix>``, its
    readout ``visitor-<id>-readout.<suffix>``, their
    frames, their crop), a plain file inside ``folder``: no other name of a record is ever served or
    removed (not the registry, not another visitor's film)."""
    stem = PREFIX + visitor_id
    if not isinstance(name, str) or "\0" in name or "\\" in name or ".." in name.split("/"):
        return False
    ours = (name.startswith((f"{stem}.", f"{stem}-")) and "/" not in name) or name == f"crops/{stem}.png" or \
        (name.startswith(f"frames/{stem}/") and name.count("/") == 2)
    path = folder / name
    return ours and inside(folder, path.parent) and not path.is_symlink()


def open_inside(folder: Path, name: str) -> int:
    """A descriptor of the plain file ``name`` (a relative path) inside ``folder``, walked component by
    component with no link followed: a link swapped in at any moment is refused (OSError), never
    followed out of the folder."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    parts = name.split("/")
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for part in parts[:-1]:
            if part in ("", ".", ".."):
                raise OSError(errno.EACCES, f"{name}: not a plain path")
            inner = os.open(part, flags | getattr(os, "O_DIRECTORY", 0), dir_fd=fd)
            os.close(fd)
            fd = inner
        if parts[-1] in ("", ".", ".."):
            raise OSError(errno.EACCES, f"{name}: not a plain path")
        found = os.open(parts[-1], flags, dir_fd=fd)
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(found).st_mode):
        os.close(found)
        raise OSError(errno.EACCES, f"{name}: not a plain file")
    return found


@contextlib.contextmanager
def pending_folder(folder: Path) -> Iterator[int]:
    """A descriptor of the scene's ``pending/`` folder, opened with no link followed: every write, read
    and removal of a kept face goes through it, so a link swapped in for the folder at any moment is
    refused (OSError), never written, read or removed through."""
    outer = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        inner = os.open(PENDING, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0), dir_fd=outer)
    finally:
        os.close(outer)
    try:
        yield inner
    finally:
        os.close(inner)


def write_pending(folder: Path, visitor_id: str, data: bytes) -> None:
    """A visitor's kept face, written whole and durably into ``pending/`` (see :func:`pending_folder`)."""
    name, temporary = f"{visitor_id}.npz", f".{visitor_id}.npz.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with pending_folder(folder) as fd:
        try:
            with os.fdopen(os.open(temporary, flags, 0o600, dir_fd=fd), "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.rename(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
        except BaseException:  # a full disk, say: nothing half-written stays
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=fd)
            raise
        os.fsync(fd)


def read_pending(folder: Path, visitor_id: str) -> bytes:
    """A visitor's kept face, read from ``pending/`` (never through a link)."""
    with pending_folder(folder) as fd:
        handle = os.open(f"{visitor_id}.npz", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=fd)
    with os.fdopen(handle, "rb") as file:
        return file.read()


def drop_pending(folder: Path, visitor_id: str) -> None:
    """A visitor's kept face removed from ``pending/`` (never through a link; gone already is fine)."""
    with contextlib.suppress(OSError), pending_folder(folder) as fd:
        os.unlink(f"{visitor_id}.npz", dir_fd=fd)


def remove_visitor(folder: Path, visitor_id: str) -> None:
    """Remove every file kept of a visitor, by the names their film writes (whatever a record lists,
    and whatever was published after it was read): the film's files, its frames, the crop, the kept
    photo, the pending face. Only inside ``folder``, never through a link."""
    stem = PREFIX + visitor_id
    drop_pending(folder, visitor_id)
    places = [*folder.glob(f"{stem}.*"), *folder.glob(f"{stem}-*"), folder / "crops" / f"{stem}.png"]
    if (folder / "photos").is_dir() and not (folder / "photos").is_symlink():
        places += list((folder / "photos").glob(f"{stem}.*"))
    for path in places:
        if inside(folder, path.parent) and (path.is_file() or path.is_symlink()):
            path.unlink(missing_ok=True)
    frames = folder / "frames" / stem
    if frames.is_dir() and not frames.is_symlink() and inside(folder, frames):
        shutil.rmtree(frames, ignore_errors=True)


def sweep_orphans(registry: Registry) -> int:
    """At start, before any visitor: the faces and photos a kill left between their writing and their
    record (no promise was made: the client got no answer). Returns how many visitors' files went."""
    folder = registry.folder
    known = {record.id for record in registry.every()}
    found = {p.name.split(".")[0] for p in (folder / PENDING).glob("*.npz")}
    found |= {p.name.split(".")[0][len(PREFIX):] for p in (folder / "photos").glob(f"{PREFIX}*")} \
        if (folder / "photos").is_dir() and not (folder / "photos").is_symlink() else set()
    for stray in (folder / PENDING).glob(".*.tmp"):
        stray.unlink(missing_ok=True)
    orphans = {visitor_id for visitor_id in found - known if plausible(visitor_id)}
    for visitor_id in orphans:
        remove_visitor(folder, visitor_id)
    return len(orphans)


@dataclass(frozen=True)
class Purged:
    visitors: int
    bytes: int


def purge(registry: Registry, records: list[Record]) -> Purged:
    """Remove these visitors: their records first (their ids are 404 at once), then their files."""
    gone = [record for record in records if registry.remove(record.id)]
    for record in gone:
        remove_visitor(registry.folder, record.id)
    return Purged(len(gone), sum(record.bytes for record in gone))


def plausible(visitor_id: str) -> bool:
    """Whether ``visitor_id`` is of the kiosk's making (16 hex digits): no other reaches the registry."""
    return len(visitor_id) == 16 and all(c in "0123456789abcdef" for c in visitor_id)


def carry_over(manifest: Manifest, registry: Registry, console: Console) -> None:
    """Visitors an earlier version recorded in manifest.json move to the registry, once."""
    folder = registry.folder
    moved = [name for name in list(manifest.clips) if name.startswith(PREFIX) and plausible(name[len(PREFIX):])]
    for name in moved:
        entry = manifest.forget(name)
        visitor_id = name[len(PREFIX):]
        files = entry.get("files", {}) if isinstance(entry, dict) and isinstance(entry.get("files"), dict) else {}
        kept = sorted(f for f in files if own_file(folder, visitor_id, f) and (folder / f).is_file())
        stamps = [(folder / f).stat().st_mtime for f in kept]
        registry.carry(visitor_id, min(stamps, default=time.time()), kept, sum((folder / f).stat().st_size for f in kept))
    if moved:
        manifest.save()
        console.log(f"{len(moved)} visitors carried over from manifest.json into {registry.path.name}")


def check_folder(folder: Path) -> None:
    """The scene's folder and the kiosk's own entries in it are real folders and files, not links that
    would take a visitor's data (or the lock) out of it; said as one line, before anything is written."""
    from render.errors import OutputError

    own = [folder, *(folder / name for name in ("serve.lock", DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm",
                                                  PENDING, "photos", "crops", "frames"))]
    links = [path for path in own if path.is_symlink()]
    if links:
        raise OutputError(f"{links[0]}: is a symbolic link, which would take visitors' data out of {folder}; "
                          "remove the link, or serve with another output folder")
    for name in (PENDING, "photos", "crops", "frames"):
        if (folder / name).exists() and not (folder / name).is_dir():
            raise OutputError(f"{folder / name}: is a file where the kiosk keeps a folder; move it away")


def _registry(scene_path: Path, scene_dir: Path) -> Registry:
    if not (scene_dir / DATABASE).is_file():
        raise InputError(f"{scene_path}: no visitors recorded in {scene_dir} (the kiosk never served this scene "
                         "there); name the scene render serve runs")
    return Registry(scene_dir)


def visitors_list(scene_path: Path, scene_dir: Path, console: Console) -> int:
    """``render visitors list``: count, oldest, newest, films by state, disk used."""
    registry = _registry(scene_path, scene_dir)
    counts = registry.counts(since=midnight())
    used = counts["bytes"]  # what the films' files weighed when they were recorded
    when = (lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t is not None else "-")
    print(f"{counts['visitors']} visitors in {scene_dir} ({counts['today']} today): {counts['done']} films done, "
          f"{counts['failed']} failed, {counts['pending']} pending")
    print(f"oldest {when(counts['oldest'])}, newest {when(counts['newest'])}, {used / 1e6:.1f} MB on disk")
    return 0


def visitors_purge(scene_path: Path, scene_dir: Path, older_than: float | None, console: Console) -> int:
    """``render visitors purge``: every visitor (``older_than`` None), or those older than that."""
    registry = _registry(scene_path, scene_dir)
    records = list(registry.every()) if older_than is None else registry.older_than(time.time() - older_than)
    done = purge(registry, records)
    console.say(f"purged {done.visitors} visitor{'s' if done.visitors != 1 else ''} "
                f"({done.bytes / 1e6:.1f} MB) from {scene_dir}")
    return 0


def midnight() -> float:
    """Today's start, local time (the kiosk's "today")."""
    now = time.localtime()
    return time.mktime((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0, 0, 0, -1))
