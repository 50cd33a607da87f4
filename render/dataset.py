"""The face set a basis is learnt from.

Faces are gray float32 images in [0, 1], all of one size, in a fixed order so that every render of a
scene sees the same faces. A set is identified by the sha256 of its source file's bytes, and its
decoded arrays are cached, so a warm render reads them without importing scikit-learn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from render.cache import Cache, file_sha256
from render.errors import InputError

__all__ = ["FaceSet", "load_dataset"]

OLIVETTI_FILE = "olivetti_py3.pkz"


@dataclass(frozen=True)
class FaceSet:
    """Faces, the identity of the person in each, and the digest of the source they came from."""

    name: str
    digest: str  #: sha256 of the source file's bytes
    images: np.ndarray = field(repr=False)  #: (n, height, width) float32 in [0, 1]
    people: np.ndarray = field(repr=False)  #: (n,) integer identity of each face

    def __len__(self) -> int:
        return len(self.images)


def load_dataset(name: str, cache: Cache) -> FaceSet:
    """Load a face set by its scene name (only ``olivetti`` for now)."""
    if name != "olivetti":  # the scene schema admits nothing else; guard the contract anyway
        raise InputError(f"dataset {name!r} is not known; use 'olivetti'")
    source = _sklearn_data_home() / OLIVETTI_FILE
    if not source.is_file():
        _fetch_olivetti()  # downloads into the data home, once
    digest = file_sha256(source)
    arrays, _ = cache.fetch("dataset", {"name": name, "source_sha256": digest}, _fetch_olivetti)
    return FaceSet(name, digest, arrays["images"], arrays["people"])


def _sklearn_data_home() -> Path:
    # scikit-learn's documented rule (sklearn.datasets.get_data_home), followed here so that a warm
    # render finds the file without importing scikit-learn.
    return Path(os.environ.get("SCIKIT_LEARN_DATA", os.path.join("~", "scikit_learn_data"))).expanduser()


def _fetch_olivetti() -> dict[str, np.ndarray]:
    from sklearn.datasets import fetch_olivetti_faces

    try:
        bunch = fetch_olivetti_faces(download_if_missing=True)
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise InputError(
            f"dataset 'olivetti': not in scikit-learn's data folder ({_sklearn_data_home()}) and "
            f"could not be downloaded ({reason}); connect to the internet once, or set "
            f"SCIKIT_LEARN_DATA to a folder that holds {OLIVETTI_FILE}"
        ) from None
    return {
        "images": np.asarray(bunch.images, dtype=np.float32),
        "people": np.asarray(bunch.target, dtype=np.int64),
    }
