"""Subjects: what each clip morphs, resolved from the scene's inputs.

A ``{face: N}`` input is a kept dataset face; ``{face: all}`` is every kept face; ``{image: path}``
is a face found in a photo (the largest, or the one the scene picks), levelled, framed like the
dataset's faces and matched to their brightness and contrast so the morph does not flash;
``{folder: path}`` is every photo of a folder. A photo that gives no usable face is a failure of that
input alone: the others still render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from render.errors import InputError, shown
from render.faces.photo import photos_in
from render.scene import FaceInput, FolderInput, ImageInput, Scene

__all__ = ["Subject", "resolve_subjects", "dataset_tone", "clip_name", "check_indices"]


@dataclass(frozen=True, eq=False)
class Subject:
    """One clip's input face, at the basis resolution, and the crop saved beside the outputs."""

    name: str
    face: np.ndarray = field(repr=False)
    from_photo: bool = False
    source: str = ""  #: where it came from, for the manifest


def resolve_subjects(scene: Scene, kept: np.ndarray) -> tuple[list[Subject], list[str]]:
    """The scene's subjects in input order, and one message per input that gave no usable face."""
    subjects: list[Subject] = []
    failures: list[str] = []
    tone = dataset_tone(kept)
    portraits = None
    for i, spec in enumerate(scene.inputs):
        if isinstance(spec, FaceInput):
            indices = range(len(kept)) if spec.face == "all" else [spec.face]
            subjects += [Subject(f"face-{k}", kept[k], source=f"kept face {k}") for k in indices]
            continue
        if portraits is None:
            from render.faces.portrait import Portraits

            portraits = Portraits(kept.shape[1], detector=scene.photos.detector, fill=kept.mean(axis=0))
        if isinstance(spec, ImageInput):
            photos, key = [(spec.image, spec.person)], "image"
        else:
            assert isinstance(spec, FolderInput)
            photos, key = [(p, "largest") for p in photos_in(spec.folder)], "folder"
            if not photos:
                failures.append(f"{scene.where('inputs', i, key)}: no JPEG or PNG photos in {shown(spec.folder)}")
        for photo, person in photos:
            try:
                face = _face_from(photo, person, portraits, tone)
            except InputError as exc:
                failures.append(f"{scene.where('inputs', i, key)}: {exc}")
                continue
            suffix = "" if person == "largest" else f"-person-{person}"
            subjects.append(Subject(clip_name(photo) + suffix, face, True, f"{shown(photo)} (person: {person})"))
    return _unique(subjects), failures


def dataset_tone(kept: np.ndarray) -> tuple[float, float]:
    """The kept faces' mean brightness and contrast, which a photo's face is matched to."""
    return float(kept.mean(axis=(1, 2)).mean()), float(kept.std(axis=(1, 2)).mean())


def check_indices(scene: Scene, kept: int) -> None:
    """Every ``{face: N}`` input must name a kept face."""
    for i, spec in enumerate(scene.inputs):
        if isinstance(spec, FaceInput) and spec.face != "all" and spec.face >= kept:
            raise InputError(
                f"{scene.where('inputs', i, 'face')}: face {spec.face} is past the end: the filter "
                f"kept {kept} faces as {scene.filter.emotion!r}, numbered 0 to {kept - 1}"
            )


def _face_from(photo: Path, person: int | str, portraits, tone: tuple[float, float]) -> np.ndarray:
    from render.faces.portrait import match_tone

    return match_tone(portraits.framed(photo, person), *tone)


def clip_name(photo: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", photo.stem).strip("-.") or "photo"
    return name[:80]


#: Names a clip may not take: its sidecar would be the scene's own file (``manifest.json``).
RESERVED = frozenset({"manifest"})


def _unique(subjects: list[Subject]) -> list[Subject]:
    """Clip names made unique in order, ignoring case (as macOS and Windows folders do): a second
    ``obama`` becomes ``obama-2``, unless a photo is itself called ``obama-2`` (then ``obama-3``);
    never one of the scene's own files (``manifest`` becomes ``manifest-2``)."""
    own = {subject.name.casefold() for subject in subjects}
    taken: set[str] = set()
    unique = []
    for subject in subjects:
        name, count = subject.name, 1
        while name.casefold() in taken or name.casefold() in RESERVED or (count > 1 and name.casefold() in own):
            count += 1
            name = f"{subject.name}-{count}"
        taken.add(name.casefold())
        unique.append(Subject(name, subject.face, subject.from_photo, subject.source))
    return unique
