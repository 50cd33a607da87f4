"""The face set a basis is learnt from.

Faces are gray float32 images in [0, 1], all of one size, in a fixed order so that every render of a
scene sees the same faces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from render.errors import InputError

__all__ = ["FaceSet", "load_dataset"]


@dataclass(frozen=True)
class FaceSet:
    """Faces and, where the set has them, the identity of the person in each."""

    name: str
    images: np.ndarray = field(repr=False)  #: (n, height, width) float32 in [0, 1]
    people: np.ndarray = field(repr=False)  #: (n,) integer identity of each face

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of one face."""
        return self.images.shape[1], self.images.shape[2]

    def digest(self) -> str:
        """sha256 of the pixel data: the same faces give the same digest."""
        h = hashlib.sha256()
        h.update(str(self.images.shape).encode())
        h.update(np.ascontiguousarray(self.images, dtype="<f4").tobytes())
        return h.hexdigest()


def load_dataset(name: str) -> FaceSet:
    """Load a face set by its scene name (only ``olivetti`` for now)."""
    if name != "olivetti":  # the scene schema admits nothing else; guard the contract anyway
        raise InputError(f"dataset {name!r} is not known; use 'olivetti'")
    return _olivetti()


def _olivetti() -> FaceSet:
    # scikit-learn is imported here, not at module level, so that `render --help` stays fast.
    from sklearn.datasets import fetch_olivetti_faces, get_data_home

    home = Path(get_data_home())
    try:
        bunch = fetch_olivetti_faces(download_if_missing=True)
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise InputError(
            f"dataset 'olivetti': not in scikit-learn's data folder ({home}) and could not be "
            f"downloaded ({reason}); connect to the internet once, or set SCIKIT_LEARN_DATA to a "
            f"folder that holds olivetti_py3.pkz"
        ) from None
    images = np.asarray(bunch.images, dtype=np.float32)
    return FaceSet(name="olivetti", images=images, people=np.asarray(bunch.target, dtype=np.int64))
