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
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from render.errors import OutputError, shown
from render.ground.console import Console
from render.hashing import describe_files

__all__ = ["Manifest", "MANIFEST_FILE", "JOURNAL_FILE"]

MANIFEST_FILE = "manifest.json"
JOURNAL_FILE = ".manifest.journal"
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
    _journal: IO[str] | None = field(default=None, repr=False)
    _pending: bool = field(default=False, repr=False)

    @classmethod
    def load(cls, folder: Path, scene: str, console: Console) -> Manifest:
        manifest = cls(folder, scene)
        path = folder / MANIFEST_FILE
        if path.exists() or path.is_symlink():
            try:
                if not path.is_file():
                    raise ValueError("not a regular file")
                manifest.clips, manifest.published = _parse(_read(path))
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                aside = path.with_name(f"{MANIFEST_FILE}.damaged")
                try:  # kept for a look, out of the way of the rebuilt one
                    if aside.is_dir() and not aside.is_symlink():
                        shutil.rmtree(aside)
                    os.replace(path, aside)
                    kept = f"moved to {aside.name}"
                except OSError:
                    kept = "left as it is"
                console.warn(f"{shown(path)}: unreadable ({exc}); {kept}, rebuilt, and every clip of the scene is rendered again")
        manifest._replay(console)
        manifest._sweep()
        return manifest

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
        self.clips[clip] = entry
        self._append({"clip": clip, "entry": entry}, every)

    def record_published(self, target: str, name: str, entry: dict[str, Any], every: float = 10.0) -> None:
        """Add one file published to ``target`` (a URL), in the journal at once."""
        self.published.setdefault(target, {})[name] = entry
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
        self._saved, self._pending = time.monotonic(), False
        document = {"version": VERSION, "scene": self.scene, "clips": dict(sorted(self.clips.items()))}
        if self.published:
            document["published"] = {url: dict(sorted(files.items())) for url, files in sorted(self.published.items())}
        self.folder.mkdir(parents=True, exist_ok=True)
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
        # Only now is the journal redundant: a save cut short keeps it, and the next load replays it.
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        (self.folder / JOURNAL_FILE).unlink(missing_ok=True)

    def _append(self, line: dict[str, Any], every: float) -> None:
        try:
            if self._journal is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._journal = open(self.folder / JOURNAL_FILE, "a", encoding="utf-8")
            self._journal.write(json.dumps(line, separators=(",", ":")) + "\n")
            self._journal.flush()  # in the kernel's hands: a killed process loses nothing
        except OSError as exc:
            raise OutputError(f"{shown(self.folder / JOURNAL_FILE)}: cannot be written ({exc.strerror}); check the "
                              "folder's permissions and free space") from exc  # --debug shows the original
        self._pending = True
        if time.monotonic() - self._saved >= every:
            self.save()

    def _replay(self, console: Console) -> None:
        path = self.folder / JOURNAL_FILE
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except (FileNotFoundError, IsADirectoryError):
            return
        except OSError as exc:
            console.warn(f"{shown(path)}: unreadable ({exc}); what it recorded is rendered or published again")
            return
        for line in lines:
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    continue
                if isinstance(item.get("clip"), str) and _clip_record(item.get("entry")):
                    self.clips[item["clip"]] = item["entry"]
                elif (isinstance(item.get("published"), str) and isinstance(item.get("file"), str)
                      and isinstance(item.get("entry"), dict)):
                    self.published.setdefault(item["published"], {})[item["file"]] = item["entry"]
            except ValueError:
                continue  # a line cut short by a kill: what it was about is simply done again
        self._pending = True

    def _sweep(self) -> None:
        """Remove temporary manifests that a killed save left behind."""
        now = time.time()
        for stale in self.folder.glob(f".{MANIFEST_FILE}.*.tmp"):
            try:
                if now - stale.stat().st_mtime > _STALE_SECONDS:
                    stale.unlink()
            except OSError:
                pass


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
