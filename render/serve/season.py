"""A season's upkeep of the kiosk's visitors: what is kept of a visitor on disk, removing it (DELETE,
retention, a purge), and ``render visitors list`` / ``render visitors purge``, which work beside a
running server (the registry is SQLite: a purged visitor is 404 at once).

Nothing outside the scene's folder is ever removed, whatever a record names.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from render.errors import InputError
from render.ground.console import Console
from render.run.manifest import Manifest
from render.serve.visitors import DATABASE, PENDING, Record, Registry

__all__ = ["PREFIX", "remove_visitor", "purge", "Purged", "visitors_list", "visitors_purge", "inside", "midnight",
           "carry_over", "plausible"]

PREFIX = "visitor-"  #: a visitor's clip name is PREFIX + their id (never published: render.publish.select)


def inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` (links followed) lies in ``folder``."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def remove_visitor(folder: Path, visitor_id: str, files: tuple[str, ...] | list[str]) -> None:
    """Remove every file kept of a visitor: their film's files, its frames, the crop, the kept photo,
    the pending face. Only inside ``folder``."""
    name = PREFIX + visitor_id
    places = [folder / f for f in files] + [folder / "crops" / f"{name}.png", folder / PENDING / f"{visitor_id}.npz"]
    if (folder / "photos").is_dir():
        places += list((folder / "photos").glob(f"{name}.*"))
    for path in places:
        if inside(folder, path.parent) and (path.is_file() or path.is_symlink()):
            path.unlink(missing_ok=True)
    frames = folder / "frames" / name
    if frames.is_dir() and not frames.is_symlink() and inside(folder, frames):
        shutil.rmtree(frames, ignore_errors=True)


@dataclass(frozen=True)
class Purged:
    visitors: int
    bytes: int


def purge(registry: Registry, records: list[Record]) -> Purged:
    """Remove these visitors: their records first (their ids are 404 at once), then their files."""
    gone = [record for record in records if registry.remove(record.id)]
    for record in gone:
        remove_visitor(registry.folder, record.id, record.files)
    return Purged(len(gone), sum(record.bytes for record in gone))


def plausible(visitor_id: str) -> bool:
    """Whether ``visitor_id`` is of the kiosk's making (16 hex digits): no other reaches the registry."""
    return len(visitor_id) == 16 and all(c in "0123456789abcdef" for c in visitor_id)


def carry_over(manifest: Manifest, registry: Registry, console: Console) -> None:
    """Visitors an earlier version recorded in manifest.json move to the registry, once."""
    folder = registry.folder
    moved = [name for name in list(manifest.clips) if name.startswith(PREFIX) and plausible(name[len(PREFIX):])]
    for name in moved:
        entry = manifest.clips.pop(name)
        files = entry.get("files", {}) if isinstance(entry.get("files"), dict) else {}
        kept = sorted(f for f in files if isinstance(f, str) and inside(folder, folder / f))
        stamps = [(folder / f).stat().st_mtime for f in kept if (folder / f).is_file()]
        size = sum(v.get("bytes", 0) for v in files.values() if isinstance(v, dict) and isinstance(v.get("bytes"), int))
        registry.carry(name[len(PREFIX):], min(stamps, default=time.time()), kept, size)
    if moved:
        manifest.save()
        console.log(f"{len(moved)} visitors carried over from manifest.json into {registry.path.name}")


def _registry(scene_path: Path, scene_dir: Path) -> Registry:
    if not (scene_dir / DATABASE).is_file():
        raise InputError(f"{scene_path}: no visitors recorded in {scene_dir} (the kiosk never served this scene "
                         "there); name the scene render serve runs")
    return Registry(scene_dir)


def visitors_list(scene_path: Path, scene_dir: Path, console: Console) -> int:
    """``render visitors list``: count, oldest, newest, films by state, disk used."""
    registry = _registry(scene_path, scene_dir)
    counts = registry.counts(since=midnight())
    used = sum(p.stat().st_size for p in scene_dir.rglob(f"{PREFIX}*") if p.is_file())
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
