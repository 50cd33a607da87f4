"""A short exclusive lock on a folder itself: an ``flock`` on the folder's own descriptor, so that no
lock file is left among what the folder holds. Held for milliseconds by writers that merge (the
scene's records: :mod:`render.run.manifest`); a lock held too long is said with its holder."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Iterator

from render.errors import OutputError, shown

__all__ = ["folder_lock"]


@contextlib.contextmanager
def folder_lock(folder: Path, seconds: float, what: str, create: bool = True) -> Iterator[None]:
    """Hold ``folder``'s lock for the block, waiting at most ``seconds`` (then an OutputError naming
    ``what`` and the holder). With ``create``, the folder is made first; without, a folder not there
    yet is not locked (nothing to read, nobody writing). A file system without such locks (some
    network ones) locks nothing."""
    import fcntl

    if create:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        if create:
            raise
        yield
        return
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputError(f"{shown(folder)}: {what} are held by {holder(fd)} for over {seconds:g} s; "
                                      "try again when it is done") from None
                time.sleep(0.02)
            except OSError:
                break
        yield
    finally:
        os.close(fd)  # the lock goes with it


def holder(fd: int) -> str:
    """Who holds the lock on the folder ``fd`` is open on: its pid and command line, as /proc/locks and
    /proc/<pid>/cmdline say (Linux), else "another process"."""
    try:
        stat = os.fstat(fd)
        wanted = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == wanted:
                    pid = fields[4]
                    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
                    return f"pid {pid} ({command.strip()[:150]})"
    except (OSError, ValueError):
        pass
    return "another process"
