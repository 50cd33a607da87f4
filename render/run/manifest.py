"""The manifest: ``<output.dir>/<scene>/manifest.json``, what each finished clip is made of, and where
its files were published.

For each clip: the input it came from, the hash of every setting that shapes it, its files (bytes
and sha256), its frames and duration. A re-run skips a clip whose settings hash is the same and
whose files are all there, whole (same bytes, same sha256); it redoes clips that are missing,
changed or damaged. For each place the scene was published to (``published``, keyed by its URL):
each file's remote key, bytes, sha256 and the store's ETag.

Every record is appended at once to a journal beside it (``.manifest.journal``, one JSON line each,
flushed), and the manifest itself is rewritten atomically from time to time and at the end, when the
journal is folded in and removed. A run killed at any moment (SIGKILL included) therefore loses no
finished clip or upload: the next load replays the journal (a last line cut short is ignored).

Several processes may write one scene's records at once (a batch beside the live kiosk's hot folder,
two publishes, two renders): every append and every save takes the scene's records lock
(a ``flock`` on the scene's folder, held for milliseconds), and a save merges: it reads the manifest and journal on
disk, puts in what this process recorded (or forgot), and writes the whole; so no writer ever drops
another's records. A lock held for more than :data:`LOCK_SECONDS` is said, naming its holder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from render.errors import OutputError, shown
from render.ground.console import Console
from render.ground.folderlock import folder_lock
from render.hashing import describe_files

__all__ = ["Manifest", "MANIFEST_FILE", "JOURNAL_FILE"]

MANIFEST_FILE = "manifest.json"
JOURNAL_FILE = ".manifest.journal"
LOCK_SECONDS = 30.0  #: the longest a writer waits for another's append or save
VERSION = 1
_STALE_SECONDS = 60.0  #: a temporary manifest older than this was left by a killed save


@dataclass
class Manifest:
    """The record of one scene's finished clips and published files."""

    folder: Path
    scene: str
    clips: dict[str, dict[str, Any]] = field(default_factory=dict)
    published: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _saved: float = field(default_factory=time.monotonic, repr=False)
    _pending: bool = field(default=False, repr=False)
    #: what this process recorded or forgot: a save puts these over what is on disk, and only these
    _mine: dict[str, dict[str, Any] | None] = field(default_factory=dict, repr=False)
    _mine_published: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, folder: Path, scene: str, console: Console) -> Manifest:
        manifest = cls(folder, scene)
        with manifest._locked(create=False):
            manifest.clips, manifest.published = manifest._on_disk(console)
            manifest._pending = (folder / JOURNAL_FILE).exists()
            manifest._sweep()
        return manifest

    def _on_disk(self, console: Console | None) -> tuple[dict, dict]:
        """The records on disk: the manifest (set aside when damaged, with a warning) and the journal."""
        clips: dict[str, dict[str, Any]] = {}
        published: dict[str, dict[str, dict[str, Any]]] = {}
        path = self.folder / MANIFEST_FILE
        if path.exists() or path.is_symlink():
            try:
                if not path.is_file():
                    raise ValueError("not a regular file")
                clips, published = _parse(_read(path))
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                aside = path.with_name(f"{MANIFEST_FILE}.damaged")
                try:  # kept for a look, out of the way of the rebuilt one
                    if aside.is_dir() and not aside.is_symlink():
                        shutil.rmtree(aside)
                    os.replace(path, aside)
                    kept = f"moved to {aside.name}"
                except OSError:
                    kept = "left as it is"
                if console is not None:
                    console.warn(f"{shown(path)}: unreadable ({exc}); {kept}, rebuilt, and every clip of the scene is rendered again")
        _replay(self.folder / JOURNAL_FILE, clips, published, console)
        return clips, published

    def up_to_date(self, clip: str, settings: str) -> bool:
        """Whether the clip's record has these settings and all its files are there, whole."""
        record = self.clips.get(clip)
        if not record or record.get("settings") != settings:
            return False
        files = record.get("files", {})
        for name, expected in files.items():
            path = self.folder / name
            if not path.is_file() or path.stat().st_size != expected.get("bytes"):
                return False
        return describe_files(self.folder, list(files)) == files

    def record(self, clip: str, entry: dict[str, Any], every: float = 10.0) -> None:
        """Add a finished clip, in the journal at once; fold the journal into the manifest when
        ``every`` seconds have passed since the last time (0: now)."""
        self.clips[clip] = self._mine[clip] = entry
        self._append({"clip": clip, "entry": entry}, every)

    def forget(self, clip: str) -> dict[str, Any] | None:
        """Take a clip out of the records (its next save removes it from the file too); its entry."""
        self._mine[clip] = None
        entry = self.clips.pop(clip, None)
        self._append({"clip": clip, "forget": True}, 10.0)
        return entry

    def record_published(self, target: str, name: str, entry: dict[str, Any], every: float = 10.0) -> None:
        """Add one file published to ``target`` (a URL), in the journal at once."""
        self.published.setdefault(target, {})[name] = self._mine_published[(target, name)] = entry
        self._append({"published": target, "file": name, "entry": entry}, every)

    def flush(self) -> None:
        """Fold what the journal holds into the manifest file."""
        if self._pending or (self.folder / JOURNAL_FILE).exists():
            self.save()

    def save(self) -> None:
        """Write the manifest atomically, then drop the journal it now holds."""
        try:
            self._save()
        except OSError as exc:
            raise OutputError(f"{shown(self.folder / MANIFEST_FILE)}: cannot be written ({exc.strerror}); check the "
                              "folder's permissions and free space (what finished is in the journal beside it)") from exc  # --debug shows the original

    def _save(self) -> None:
        with self._locked():
            # Merged: what is on disk now (another writer's records included), this process's own over it.
            clips, published = self._on_disk(None)
            for clip, entry in self._mine.items():
                if entry is None:
                    clips.pop(clip, None)
                else:
                    clips[clip] = entry
            for (target, name), entry in self._mine_published.items():
                published.setdefault(target, {})[name] = entry
            self.clips, self.published = clips, published
            self._saved, self._pending = time.monotonic(), False
            document = {"version": VERSION, "scene": self.scene, "clips": dict(sorted(clips.items()))}
            if published:
                document["published"] = {url: dict(sorted(files.items())) for url, files in sorted(published.items())}
            fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST_FILE}.", suffix=".tmp", dir=self.folder)
            os.chmod(tmp, 0o666 & ~_umask())  # an ordinary file, not mkstemp's private one
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(document, f, indent=1)
                    f.write("\n")
                os.replace(tmp, self.folder / MANIFEST_FILE)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            # Only now is the journal redundant (every writer appends under the lock: nothing is in it
            # that this save did not read); a save cut short keeps it, and the next load replays it.
            (self.folder / JOURNAL_FILE).unlink(missing_ok=True)

    def _append(self, line: dict[str, Any], every: float) -> None:
        try:
            with self._locked(), open(self.folder / JOURNAL_FILE, "a", encoding="utf-8") as journal:
                journal.write(json.dumps(line, separators=(",", ":")) + "\n")  # in the kernel's hands at close
        except OSError as exc:
            raise OutputError(f"{shown(self.folder / JOURNAL_FILE)}: cannot be written ({exc.strerror}); check the "
                              "folder's permissions and free space") from exc  # --debug shows the original
        self._pending = True
        if time.monotonic() - self._saved >= every:
            self.save()

    def _locked(self, create: bool = True) -> contextlib.AbstractContextManager[None]:
        """The scene's records lock, for one append or save (see :func:`render.ground.folderlock.folder_lock`)."""
        return folder_lock(self.folder, LOCK_SECONDS, "the scene's records", create=create)

    def _sweep(self) -> None:
        """Remove temporary manifests that a killed save left behind."""
        now = time.time()
        for stale in self.folder.glob(f".{MANIFEST_FILE}.*.tmp"):
            try:
                if now - stale.stat().st_mtime > _STALE_SECONDS:
                    stale.unlink()
            except OSError:
                pass


def _replay(path: Path, clips: dict, published: dict, console: Console | None) -> None:
    """Put the journal's records into ``clips`` and ``published``."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except (FileNotFoundError, IsADirectoryError):
        return
    except OSError as exc:
        if console is not None:
            console.warn(f"{shown(path)}: unreadable ({exc}); what it recorded is rendered or published again")
        return
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill: what it was about is simply done again
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("clip"), str) and _clip_record(item.get("entry")):
            clips[item["clip"]] = item["entry"]
        elif isinstance(item.get("clip"), str) and item.get("forget") is True:
            clips.pop(item["clip"], None)
        elif (isinstance(item.get("published"), str) and isinstance(item.get("file"), str)
              and isinstance(item.get("entry"), dict)):
            published.setdefault(item["published"], {})[item["file"]] = item["entry"]


def _parse(text: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:
    """The clips and published records of a manifest file; ValueError when it is not one."""
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise ValueError("not a manifest of this version")
    clips, published = document.get("clips"), document.get("published", {})
    if not isinstance(clips, dict) or not all(_clip_record(v) for v in clips.values()):
        raise ValueError("its clips are not records")
    if not isinstance(published, dict) or not all(isinstance(files, dict) and all(isinstance(e, dict) for e in files.values())
                                                  for files in published.values()):
        raise ValueError("its published files are not records")
    return clips, published


def _clip_record(record: Any) -> bool:
    """A clip's record, in shape: its files each with a size and a sha256."""
    if not isinstance(record, dict) or not isinstance(record.get("files", {}), dict):
        return False
    return all(isinstance(name, str) and isinstance(f, dict) and isinstance(f.get("bytes"), int)
               and isinstance(f.get("sha256"), str) for name, f in record.get("files", {}).items())


def _read(path: Path, most: int = 256 << 20) -> str:
    """The manifest's text, read with a hard limit whatever the file is."""
    with open(path, "rb") as f:
        data = f.read(most + 1)
    if len(data) > most:
        raise ValueError(f"over {most >> 20} MB")
    return data.decode("utf-8")


def _umask() -> int:
    """The process's umask, read without setting it (setting it, even back, races other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: the only portable way, set and put back
    os.umask(mask)
    return mask
