"""The face set a basis is learnt from.

Faces are float32 images in [0, 1] (gray; RGB for a folder asked in colour), all of one size, in a fixed order so that every render of a
scene sees the same faces. A set is identified by the sha256 of its source file's bytes, and its
decoded arrays are cached, so a warm render reads them without importing scikit-learn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from render.cache import Cache
from render.ground.console import Console
from render.errors import InputError, shown
from render.hashing import Digest, sha256_file
from render.scene import FolderDataset

__all__ = ["FaceSet", "load_dataset"]

OLIVETTI_FILE = "olivetti_py3.pkz"


@dataclass(frozen=True)
class FaceSet:
    """Faces, the identity of the person in each, and the digest of the source they came from."""

    name: str
    digest: str  #: sha256 of the source's bytes
    images: np.ndarray = field(repr=False)  #: (n, height, width) float32 in [0, 1]; (n, height, width, 3) RGB
    people: np.ndarray = field(repr=False)  #: (n,) integer identity of each face; -1 where unknown
    sources: np.ndarray = field(repr=False)  #: (n,) where each face came from (file name or index)

    def __len__(self) -> int:
        return len(self.images)


#: Fewest faces a folder dataset must yield (a basis of one component needs two).
MIN_FACES = 2
#: Side of the faces cut from a folder's photos: Olivetti's resolution.
FACE_SIZE = 64


def load_dataset(spec: str | FolderDataset, cache: Cache, console: Console, detector: str = "haar") -> FaceSet:
    """Load the scene's face set: ``olivetti``, or a folder of photos (see :func:`_folder`).

    Olivetti comes from the cache when it holds it, even with scikit-learn's file gone (offline, a
    fresh data folder); else from scikit-learn's file, downloaded once when missing."""
    if isinstance(spec, FolderDataset):
        return _folder(spec, cache, console, detector)
    source = _sklearn_data_home() / OLIVETTI_FILE
    if not source.is_file():
        cached = _cached_olivetti(cache)
        if cached is not None:
            return cached
        _fetch_olivetti(console)  # downloads into the data home, once
    digest = sha256_file(source)
    arrays, _ = cache.fetch("dataset", {"name": "olivetti", "source_sha256": digest},
                            lambda: _fetch_olivetti(console))
    sources = np.array([f"olivetti:{i}" for i in range(len(arrays["images"]))])
    return FaceSet("olivetti", digest, arrays["images"], arrays["people"], sources)


def _folder(spec: FolderDataset, cache: Cache, console: Console, detector: str = "haar") -> FaceSet:
    """Every JPEG and PNG of a folder through the portrait stage (largest face, levelled, framed
    like Olivetti, ``size`` pixels square, gray or in colour). Photos without a usable face are listed
    and skipped."""
    from render.faces.photo import photos_in
    from render.faces.portrait import portrait_version

    folder = spec.folder
    photos = photos_in(folder)
    digest = Digest()
    for photo in photos:
        digest.text(f"{photo.name}\0{sha256_file(photo)}\0")
    parts = {"folder_sha256": digest.hexdigest(), "portrait": portrait_version(detector), "size": spec.size}
    if spec.color:  # a gray set's key as it was before there was colour
        parts["color"] = True
    arrays, _ = cache.fetch("dataset", parts, lambda: _crop_all(photos, detector, spec.size, spec.color))
    for name, reason in zip(arrays["skipped"], arrays["reasons"]):
        console.warn(f"{folder / name}: skipped from the dataset: {reason}")
    found = len(arrays["images"])
    if found < MIN_FACES:
        raise InputError(
            f"{shown(folder)}: {found} usable face(s) in {len(photos)} photo(s); a dataset needs at least "
            f"{MIN_FACES}: add photos with faces seen from the front"
        )
    # The set's identity (what the emotion scores are cached under) is the photos and how they were framed.
    return FaceSet(f"folder:{folder.name}", Digest().json(parts).hexdigest(), arrays["images"],
                   np.full(found, -1, dtype=np.int64), arrays["sources"])



def _crop_all(photos: list[Path], detector: str = "haar", size: int = FACE_SIZE,
              colour: bool = False) -> dict[str, np.ndarray]:
    from render.faces.portrait import Portraits

    portraits = Portraits(size, detector=detector, colour=colour)
    faces, sources, skipped, reasons = [], [], [], []
    for photo in photos:
        try:
            faces.append(portraits.framed(photo))
        except InputError as exc:
            skipped.append(photo.name)
            reasons.append(str(exc).removeprefix(f"{shown(photo)}: "))
            continue
        sources.append(photo.name)
    return {
        "images": np.array(faces, dtype=np.float32).reshape(-1, size, size, *((3,) if colour else ())),
        "sources": np.array(sources, dtype=str),
        "skipped": np.array(skipped, dtype=str),
        "reasons": np.array(reasons, dtype=str),
    }


def _cached_olivetti(cache: Cache) -> FaceSet | None:
    """The newest Olivetti set the cache holds, whatever source file it was decoded from."""
    for entry in reversed(cache.entries()):  # newest first
        if entry.kind == "dataset" and entry.parts.get("name") == "olivetti":
            arrays = cache.lookup("dataset", entry.parts)
            if arrays is not None:
                digest = str(entry.parts["source_sha256"])
                sources = np.array([f"olivetti:{i}" for i in range(len(arrays["images"]))])
                return FaceSet("olivetti", digest, arrays["images"], arrays["people"], sources)
    return None


def _sklearn_data_home() -> Path:
    # scikit-learn's documented rule (sklearn.datasets.get_data_home), followed here so that a warm
    # render finds the file without importing scikit-learn.
    return Path(os.environ.get("SCIKIT_LEARN_DATA", os.path.join("~", "scikit_learn_data"))).expanduser()


def _fetch_olivetti(console: Console) -> dict[str, np.ndarray]:
    import contextlib
    import io
    import warnings

    from sklearn.datasets import fetch_olivetti_faces

    home = _sklearn_data_home()
    made = not home.exists()
    if not (home / OLIVETTI_FILE).is_file():
        console.log(f"downloading the Olivetti faces (1.4 MB) into {home}, once")
    try:
        # scikit-learn prints its own download line and warns on each retry: this stage says it once.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bunch = fetch_olivetti_faces(download_if_missing=True)
    except OSError as exc:
        if made:  # leave no empty data folder behind
            with contextlib.suppress(OSError):
                home.rmdir()
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
