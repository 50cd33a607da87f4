"""One server per scene folder: two kiosks writing one folder's visitors would break each other's
promises, so the second is refused with one line that names the first."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from render.errors import OutputError

__all__ = ["ServeLock"]


class ServeLock:
    """One server per scene folder: ``serve.lock``, held (flock) while the kiosk serves."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "serve.lock"
        try:  # never through a link: the lock's text would be written wherever it points
            folder.mkdir(parents=True, exist_ok=True)
            self._file = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644), "r+")
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot be opened ({exc.strerror}); check the folder's permissions, "
                              "and that it is not a link") from exc
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read().strip() or "another process"
            self._file.close()
            raise OutputError(f"{folder}: already served by {holder}; stop that server first (one kiosk per "
                              "scene folder), or serve a scene with another output folder") from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"render serve (pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        self._file.flush()

    def release(self) -> None:
        self._file.close()
