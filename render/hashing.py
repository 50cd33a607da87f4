"""Content hashes: the one way the tool names what something is made of.

Every key and checksum is a sha256 hex digest: of a file's bytes (the model, the dataset's source, a
published file), of a JSON document written canonically (keys sorted: the cache's parts, a scene's
settings), or of arrays' raw bytes (a basis, a face). :class:`Digest` chains them, in order, for a
key made of several kinds of part.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

__all__ = ["Digest", "sha256_file", "sha256_json", "sha256_arrays", "describe_files", "checksum_problem",
           "remembering"]

_BLOCK = 1 << 20
#: Within :func:`remembering`: the digests of the files read so far, by what the file is (its device,
#: inode, size and modification and change times); None elsewhere.
_remembered: ContextVar[dict[tuple[int, ...], str] | None] = ContextVar("remembered", default=None)


class Digest:
    """A sha256 fed with text, JSON documents, arrays and files, in the order given."""

    def __init__(self, text: str = "") -> None:
        self._h = hashlib.sha256(text.encode())

    def text(self, text: str) -> Digest:
        self._h.update(text.encode())
        return self

    def json(self, document: Any) -> Digest:
        """A JSON document, keys sorted; values JSON does not know (paths) as their ``str``."""
        self._h.update(json.dumps(document, sort_keys=True, default=str).encode())
        return self

    def arrays(self, *arrays: np.ndarray) -> Digest:
        """Each array's raw bytes, C order (its dtype as it is: cast first to fix one)."""
        for array in arrays:
            self._h.update(np.ascontiguousarray(array).tobytes())
        return self

    def file(self, path: Path) -> Digest:
        with path.open("rb") as f:
            self._read(f)
        return self

    def _read(self, f: Any) -> None:
        for block in iter(lambda: f.read(_BLOCK), b""):
            self._h.update(block)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def sha256_file(path: Path) -> str:
    """sha256 of a file's bytes, read a block at a time (once, within :func:`remembering`)."""
    known = _remembered.get()
    if known is None:
        return Digest().file(path).hexdigest()
    with path.open("rb") as f:
        stat = os.fstat(f.fileno())
        key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        if key not in known:
            digest = Digest()
            digest._read(f)
            known[key] = digest.hexdigest()
        return known[key]


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Within: each file's sha256 is read once, however many times it is asked for (a film's files are
    hashed for its sidecar, then for its manifest entry), and again only once the file has changed
    (a new size, modification or change time, or another file under its name)."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def checksum_problem(path: Path, sha256: str) -> str | None:
    """What is wrong with a file that must hash to ``sha256`` (missing, unreadable, other bytes), said
    for a message that goes on with the owner's own fix; None when it is whole."""
    if not path.is_file():
        return "the file is missing"
    try:
        digest = sha256_file(path)
    except OSError as exc:
        return f"the file cannot be read ({exc.strerror})"
    if digest != sha256:
        return f"sha256 {digest[:12]}... is not the expected {sha256[:12]}...; the file is damaged or another version"
    return None


def sha256_json(document: Any) -> str:
    """sha256 of a JSON document written with its keys sorted."""
    return Digest().json(document).hexdigest()


def sha256_arrays(*arrays: np.ndarray) -> str:
    """sha256 of arrays' raw bytes, one after another."""
    return Digest().arrays(*arrays).hexdigest()


def describe_files(folder: Path, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{relative path: {"bytes", "sha256"}}`` for files under ``folder``, in name order."""
    return {name: {"bytes": (folder / name).stat().st_size, "sha256": sha256_file(folder / name)}
            for name in sorted(names)}
