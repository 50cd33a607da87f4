"""The staging area: a render writes into a hidden folder beside its destination and publishes it
only when every file is complete, so no half-written file ever stands under a final name.

Staging folders are named after the process that owns them (``.<scene>.partial-<pid>-<random>``):
one left behind by a render that was killed (SIGKILL, a power cut) is removed by the next render of
that scene once its process is gone. Two renders of one scene at once both publish whole files;
the last to finish wins each entry.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

from render.errors import WRITE_ERRNOS, ExecutorError, OutputError
from render.hashing import describe_files, remembering

__all__ = ["staged", "render_staged", "describe_render", "receive", "sweep", "remove_stale"]

_OWNED = re.compile(r"^\.(?P<name>.+)\.(partial|old)-(?P<pid>\d+)-")


@contextlib.contextmanager
def staged(destination: Path, sweep: bool = True) -> Iterator[Path]:
    """Yield an empty staging folder; on success move its entries into ``destination``.

    Each file replaces the one of the same name in ``destination``; a folder one level down (a
    clip's frames) is swapped whole. ``sweep`` first removes what killed renders left (once per scene
    is enough: the batch's clips skip it). On any failure, or Ctrl-C, the staging folder is removed and
    ``destination`` is left as it was.
    """
    parent = destination.parent
    if destination.is_symlink():
        raise OutputError(f"{destination}: is a symbolic link, which would take the outputs out of "
                          f"{parent}; remove the link or choose another --output-dir")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if sweep:
            _sweep(parent, destination.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create the output folder ({exc.strerror}); "
                          f"choose another with --output-dir") from exc  # --debug shows the original
    try:
        yield staging
        _publish(staging, destination)
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        # Whatever wrote into the staging folder (a sidecar, a readout, the viewer, emotions.csv): one line.
        raise OutputError(f"{destination}: cannot write the outputs ({exc.strerror}); "
                          f"check the folder's permissions and free space") from exc  # --debug shows the original
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def sweep(destination: Path) -> None:
    """Remove what killed renders left beside and inside ``destination`` (a scene's folder)."""
    if destination.parent.is_dir():
        _sweep(destination.parent, destination.name)


def _sweep(folder: Path, name: str) -> None:
    """Remove staging and swap folders of ``name`` whose process is gone."""
    places = [folder, folder / name] if (folder / name).is_dir() else [folder]
    for place in places:
        for entry in place.iterdir():
            owned = _OWNED.match(entry.name)
            if owned and (place != folder or owned["name"] == name) and not _alive(int(owned["pid"])):
                shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:  # a killed process nobody has reaped yet still answers: it is a zombie, not alive
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _publish(staging: Path, destination: Path) -> None:
    """Move the staged entries in: files one by one, and each folder inside a top-level folder
    (``frames/<clip>``) swapped whole, so that other clips' files beside it are left alone."""
    try:
        destination.mkdir(parents=True, exist_ok=True)
        for entry in sorted(staging.iterdir()):
            final = destination / entry.name
            if entry.is_dir() and not entry.is_symlink():
                if final.is_symlink():
                    final.unlink()
                final.mkdir(exist_ok=True)
                for inner in sorted(entry.iterdir()):
                    if inner.is_dir() and not inner.is_symlink():
                        _swap_folder(inner, final / inner.name, final)
                    else:
                        os.replace(inner, final / inner.name)
            else:
                os.replace(entry, final)
    except OSError as exc:
        raise OutputError(f"{destination}: cannot write the outputs ({exc.strerror}); "
                          f"check the folder's permissions and free space") from exc  # --debug shows the original


def _swap_folder(entry: Path, final: Path, destination: Path) -> None:
    """Put the folder ``entry`` at ``final``, replacing what is there, even while another render of
    the same scene does the same."""
    for _ in range(20):
        if final.is_symlink() or final.is_file():
            final.unlink(missing_ok=True)
        elif final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{entry.name}.old-{os.getpid()}-", dir=destination))
            try:
                final.rename(old / entry.name)
            except FileNotFoundError:
                pass  # another render moved it first
            shutil.rmtree(old, ignore_errors=True)
        try:
            entry.rename(final)
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            # another render published this folder in between: replace theirs in turn
    raise OSError(errno.EBUSY, f"{final} kept changing under another render")


def render_staged(folder: Path, write: Callable[[Path], int], *, source: str, settings: str,
                  fps: float) -> dict[str, Any]:
    """Run ``write(staging)`` (it returns the film's frame count) in a staging folder of ``folder``,
    publish what it wrote, and return the manifest entry that describes it."""
    with staged(folder, sweep=False) as staging, remembering():  # each file read once for its sha256
        count = write(staging)
        # Described here, before publishing: once published, another render of the same scene may
        # already be replacing these files with its own (identical) ones.
        return describe_render(staging, count, source=source, settings=settings, fps=fps)


def describe_render(staging: Path, count: int, *, source: str, settings: str, fps: float) -> dict[str, Any]:
    """The manifest entry of a film of ``count`` frames whose files are all under ``staging``."""
    files = describe_files(staging, [p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()])
    return {"input": source, "settings": settings, "frames": count, "duration_s": round(count / fps, 6),
            "files": files}


def receive(folder: Path, files: dict[str, bytes], entry: dict[str, Any], sender: str) -> None:
    """Publish into ``folder`` a film's ``files`` sent by ``sender`` (a worker elsewhere), whole or not at
    all: each must be a plain relative path the ``entry`` lists, with its size and sha256."""
    listed = entry.get("files", {})
    if set(files) != set(listed):
        raise ExecutorError(f"{folder}: {sender} sent {len(files)} files where the film lists {len(listed)}; "
                            f"render again")
    with staged(folder, sweep=False) as staging:
        for name, data in sorted(files.items()):
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or not path.parts:
                raise ExecutorError(f"{folder}: {sender} sent a file named {name!r}, which is not a film's; render again")
            if len(data) != listed[name]["bytes"] or hashlib.sha256(data).hexdigest() != listed[name]["sha256"]:
                raise ExecutorError(f"{folder}: {name} arrived damaged from {sender} (its size or sha256 is not what "
                                    f"the worker wrote); render again")
            target = staging.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def remove_stale(folder: Path, names: set[str]) -> list[str]:
    """Remove the files ``names`` (paths in ``folder``, as a manifest lists them) that are plain files
    inside it, never through a link, and the folders they leave empty; return those removed."""
    removed = []
    root = folder.resolve()
    for name in sorted(names):
        path = folder / name
        try:
            if ".." in Path(name).parts or Path(name).is_absolute() or path.is_symlink() or not path.is_file() \
                    or not path.parent.resolve().is_relative_to(root):
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(name)
        parent = path.parent
        while parent != folder and parent.resolve().is_relative_to(root):
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
            parent = parent.parent
    return removed
