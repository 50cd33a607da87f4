"""The manifest: ``<output.dir>/<scene>/manifest.json``, what each finished clip is made of.

For each clip: the input it came from, the hash of every setting that shapes it, its files (bytes
and sha256), its frames and duration. A re-run skips a clip whose settings hash is the same and
whose files are all there, whole (same bytes, same sha256); it redoes clips that are missing,
changed or damaged. The manifest is rewritten atomically as clips finish (at most once a second during
a batch, and at its end), so a batch killed half way keeps the record of the clips it finished.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from render.hashing import describe_files

__all__ = ["Manifest", "MANIFEST_FILE"]

MANIFEST_FILE = "manifest.json"
VERSION = 1


@dataclass
class Manifest:
    """The record of one scene's finished clips."""

    folder: Path
    scene: str
    clips: dict[str, dict[str, Any]] = field(default_factory=dict)
    _saved: float = field(default=float("-inf"), repr=False)
    _dirty: bool = field(default=False, repr=False)

    @classmethod
    def load(cls, folder: Path, scene: str, warn: Callable[[str], None]) -> Manifest:
        path = folder / MANIFEST_FILE
        if not path.exists():
            return cls(folder, scene)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("version") != VERSION or not isinstance(document.get("clips"), dict):
                raise ValueError("not a manifest of this version")
            return cls(folder, scene, document["clips"])
        except (OSError, ValueError) as exc:
            warn(f"{path}: unreadable ({exc}); every clip of the scene is rendered again")
            return cls(folder, scene)

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

    def record(self, clip: str, entry: dict[str, Any], every: float = 1.0) -> None:
        """Add a finished clip; rewrite the file (atomically) when ``every`` seconds have passed since
        the last write. :meth:`save` at the end writes the rest: a batch killed before then redoes at
        most the clips of its last second."""
        self.clips[clip] = entry
        self._dirty = True
        if time.monotonic() - self._saved >= every:
            self.save()

    def flush(self) -> None:
        """Write what :meth:`record` has not written yet."""
        if self._dirty:
            self.save()


    def save(self) -> None:
        self._saved, self._dirty = time.monotonic(), False
        document = {"version": VERSION, "scene": self.scene, "clips": dict(sorted(self.clips.items()))}
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
