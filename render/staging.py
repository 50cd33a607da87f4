"""The staging area: a render writes into a hidden folder beside its destination and publishes it
only when every file is complete, so no half-written file ever stands under a final name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from render.errors import OutputError

__all__ = ["staged"]


@contextlib.contextmanager
def staged(destination: Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success move its entries into ``destination``.

    Each top-level entry replaces the one of the same name in ``destination`` (a folder is swapped
    whole). On any failure, or Ctrl-C, the staging folder is removed and ``destination`` is left as
    it was.
    """
    parent = destination.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create the output folder ({exc.strerror}); "
                          f"choose another with --output-dir") from None
    try:
        yield staging
        _publish(staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish(staging: Path, destination: Path) -> None:
    try:
        destination.mkdir(parents=True, exist_ok=True)
        for entry in sorted(staging.iterdir()):
            final = destination / entry.name
            if entry.is_dir() and final.is_dir() and not final.is_symlink():
                old = Path(tempfile.mkdtemp(prefix=f".{entry.name}.old-", dir=destination))
                final.rename(old / entry.name)
                entry.rename(final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(entry, final)
    except OSError as exc:
        raise OutputError(f"{destination}: cannot write the outputs ({exc.strerror}); "
                          f"check the folder's permissions and free space") from None

