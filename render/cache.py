"""A content-addressed cache of what is learnt once and reused by every render.

An entry is named by the sha256 of everything that changes it (its kind, that kind's format version,
and the parts a stage passes: dataset digest, model checksum, parameters). It is two files written
atomically: ``<kind>-<key>.npz`` (arrays, loaded with ``allow_pickle=False``) and
``<kind>-<key>.json`` (what made it, and each array's shape, dtype and sha256). The JSON is written
last, so an entry without one is incomplete. A damaged entry is reported as a warning and rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from render.errors import OutputError
from render.ground.console import Console
from render.ground.units import parse_age, parse_size
from render.hashing import sha256_arrays, sha256_json

__all__ = ["FORMAT_VERSIONS", "Cache", "CacheEntry", "default_cache_dir", "CACHE_ENV", "CACHE_MAX_ENV",
           "DEFAULT_MAX_BYTES", "parse_size", "parse_age", "max_bytes"]

#: Each kind of entry's format version: raising one invalidates that kind's entries alone. All began
#: at 3, the single version they replaced (basis 2: it records its spread; 3: fitted in float64).
FORMAT_VERSIONS: dict[str, int] = {"dataset": 3, "scores": 3, "basis": 3, "readout": 3, "litert": 3}
CACHE_ENV = "HAPPY_FACES_CACHE"
CACHE_MAX_ENV = "HAPPY_FACES_CACHE_MAX"
#: The cache's size after each render, least recently used entries going first (``$HAPPY_FACES_CACHE_MAX``).
DEFAULT_MAX_BYTES = 2_000_000_000


def max_bytes() -> int:
    """The cache's cap: ``$HAPPY_FACES_CACHE_MAX`` (a size), else :data:`DEFAULT_MAX_BYTES`."""
    given = os.environ.get(CACHE_MAX_ENV)
    if not given:
        return DEFAULT_MAX_BYTES
    try:
        return parse_size(given)
    except ValueError as exc:
        raise OutputError(f"${CACHE_MAX_ENV}: {exc}") from None

Arrays = dict[str, np.ndarray]


def default_cache_dir() -> Path:
    """``$HAPPY_FACES_CACHE``; else ``models/cache/`` of the checkout the package runs from (one
    with ``pyproject.toml`` and ``models/``); else the platform's user cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / "models").is_dir():
        return checkout / "models" / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("happy-faces", appauthor=False))


@dataclass(frozen=True)
class CacheEntry:
    """One complete entry, as listed by ``render cache list``."""

    kind: str
    key: str
    parts: dict[str, Any]
    created: float
    bytes: int
    used: float  #: when a render last read or wrote it


class Cache:
    """Entries under ``root``. ``refresh`` ignores existing entries (and overwrites them)."""

    def __init__(self, root: Path, *, refresh: bool = False, console: Console | None = None) -> None:
        self.root = root
        self.refresh = refresh
        self.console = console or Console()  #: warned of damaged entries, told of every lookup with ``-v``

    @staticmethod
    def key(kind: str, parts: Mapping[str, Any]) -> str:
        """sha256 of the kind, its format version and the parts (JSON, keys sorted)."""
        return sha256_json({"kind": kind, "format": FORMAT_VERSIONS[kind], "parts": dict(parts)})

    def fetch(self, kind: str, parts: Mapping[str, Any], build: Callable[[], Arrays]) -> tuple[Arrays, bool]:
        """The entry's arrays, built by ``build`` and stored when missing or damaged.

        Returns the arrays and whether they came from the cache.
        """
        found = self.lookup(kind, parts)
        if found is not None:
            return found, True
        arrays = build()
        self.store(kind, parts, arrays)
        return arrays, False

    def lookup(self, kind: str, parts: Mapping[str, Any]) -> Arrays | None:
        """The entry's arrays, or None when missing, damaged, or ``refresh`` is on."""
        key = self.key(kind, parts)
        found = None if self.refresh else self._load(kind, key)
        self.console.note(f"cache: {kind} {key[:12]} {'found' if found is not None else 'not found: computing it'}")
        return found

    def store(self, kind: str, parts: Mapping[str, Any], arrays: Arrays) -> None:
        """Write an entry (atomically)."""
        self._store(kind, self.key(kind, parts), parts, arrays)

    def entries(self) -> list[CacheEntry]:
        """Every complete entry, oldest first; damaged ones are skipped."""
        found = []
        for meta_path in sorted(self.root.glob("*-*.json")) if self.root.is_dir() else []:
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                if not _entry_meta(meta):
                    continue  # damaged, or another program's: neither listed nor counted, and pruned
                stat = meta_path.stat()
                size = stat.st_size + meta_path.with_suffix(".npz").stat().st_size
                found.append(CacheEntry(meta["kind"], meta["key"], meta["parts"], float(meta["created"]), size, stat.st_mtime))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
        return sorted(found, key=lambda e: e.created)

    def damaged(self, older_than: float = 0.0) -> list[Path]:
        """The files of entries that cannot be read (metadata of another shape, a half without the
        other), last changed at least ``older_than`` seconds ago (a write in progress is younger)."""
        if not self.root.is_dir():
            return []
        good = {e.key for e in self.entries()}
        now, found = time.time(), []
        for path in self.root.iterdir():
            if not ours(path.name) or path.name.startswith(".") or not path.is_file() or path.is_symlink():
                continue
            key = path.stem.split("-", 1)[1]
            try:
                if key not in good and now - path.stat().st_mtime >= older_than:
                    found.append(path)
            except OSError:
                continue
        return sorted(found)

    def clear(self) -> int:
        """Remove every entry (and leftovers of interrupted writes); return how many files went."""
        removed = 0
        if self.root.is_dir():
            for path in self.root.iterdir():
                if ours(path.name) and path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def prune(self, older_than: float | None = None, max_size: int | None = None) -> tuple[int, int]:
        """Remove entries unused for ``older_than`` seconds, then the least recently used until the
        rest fit in ``max_size`` bytes, and leftovers of interrupted writes; return (entries, bytes)
        removed."""
        now, removed, freed = time.time(), 0, 0
        entries = sorted(self.entries(), key=lambda e: e.used)  # least recently used first
        total = sum(e.bytes for e in entries)
        for entry in entries:
            stale = older_than is not None and now - entry.used > older_than
            if not stale and (max_size is None or total <= max_size):
                continue
            for path in self._paths(entry.kind, entry.key):
                path.unlink(missing_ok=True)
            removed, freed, total = removed + 1, freed + entry.bytes, total - entry.bytes
        for broken in self.damaged(older_than=3600):  # not a write in progress: removed, said by the count
            broken.unlink(missing_ok=True)
            removed += broken.suffix == ".json"
        for leftover in self.root.glob(".*.tmp") if self.root.is_dir() else []:
            if ours(leftover.name) and now - leftover.stat().st_mtime > 3600:  # not a write in progress
                leftover.unlink(missing_ok=True)
        return removed, freed

    def _paths(self, kind: str, key: str) -> tuple[Path, Path]:
        stem = self.root / f"{kind}-{key}"
        return stem.with_suffix(".npz"), stem.with_suffix(".json")

    def _load(self, kind: str, key: str) -> Arrays | None:
        npz_path, meta_path = self._paths(kind, key)
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("key") != key or meta.get("format") != FORMAT_VERSIONS[kind]:
                raise ValueError("its metadata belongs to another entry")
            with np.load(npz_path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            _check(arrays, meta["arrays"])
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            self.console.warn(f"cache entry {meta_path.stem} in {self.root} is damaged ({exc}); rebuilding it")
            return None
        with contextlib.suppress(OSError):  # used now: the last to go when the cache is pruned
            os.utime(meta_path)
        return arrays

    def _store(self, kind: str, key: str, parts: Mapping[str, Any], arrays: Arrays) -> None:
        npz_path, meta_path = self._paths(kind, key)
        meta = {
            "kind": kind,
            "key": key,
            "format": FORMAT_VERSIONS[kind],
            "parts": dict(parts),
            "created": time.time(),
            "arrays": {name: _describe(a) for name, a in arrays.items()},
        }
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(npz_path, lambda f: np.savez(f, **arrays))
            _atomic_write(meta_path, lambda f: f.write(json.dumps(meta, indent=1).encode()))
        except OSError as exc:
            raise OutputError(
                f"{self.root}: cannot write the cache ({exc.strerror}); choose another folder with "
                f"--cache-dir or ${CACHE_ENV}"
            ) from None


#: The names this cache writes: ``<kind>-<sha256>.npz|.json``, and a write's temporary ``.<that>.<random>.tmp``.
_NAME = re.compile(r"^\.?(?:" + "|".join(FORMAT_VERSIONS) + r")-[0-9a-f]{64}\.(?:npz|json)(?:\.[A-Za-z0-9_]+\.tmp)?$")


def ours(name: str) -> bool:
    """Whether a file name is one this cache writes: nothing else in the folder is ever removed."""
    return bool(_NAME.match(name))


def _entry_meta(meta: Any) -> bool:
    """Whether an entry's metadata has the shape this version writes."""
    created = meta.get("created") if isinstance(meta, dict) else None
    return (isinstance(meta, dict) and isinstance(meta.get("kind"), str) and isinstance(meta.get("key"), str)
            and isinstance(meta.get("parts"), dict) and isinstance(created, (int, float))
            and not isinstance(created, bool) and created == created)  # not NaN


def _describe(array: np.ndarray) -> dict[str, Any]:
    return {"shape": list(array.shape), "dtype": array.dtype.str, "sha256": sha256_arrays(array)}


def _check(arrays: Arrays, expected: dict[str, dict[str, Any]]) -> None:
    if set(arrays) != set(expected):
        raise ValueError(f"arrays {sorted(arrays)} instead of {sorted(expected)}")
    for name, array in arrays.items():
        if _describe(array) != expected[name]:
            raise ValueError(f"array {name!r} does not match its recorded shape, type or checksum")


def _atomic_write(path: Path, write: Callable[[Any], Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
