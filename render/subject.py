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

from render.errors import InputError
from render.photo import photos_in
from render.scene import FaceInput, FolderInput, ImageInput, Scene

__all__ = ["Subject", "resolve_subjects"]


@dataclass(frozen=True)
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
    tone = (float(kept.mean(axis=(1, 2)).mean()), float(kept.std(axis=(1, 2)).mean()))
    portraits = None
    for i, spec in enumerate(scene.inputs):
        if isinstance(spec, FaceInput):
            indices = range(len(kept)) if spec.face == "all" else [spec.face]
            subjects += [Subject(f"face-{k}", kept[k], source=f"kept face {k}") for k in indices]
            continue
        if portraits is None:
            from render.portrait import Portraits

            portraits = Portraits(kept.shape[1])
        if isinstance(spec, ImageInput):
            photos, key = [(spec.image, spec.person)], "image"
        else:
            assert isinstance(spec, FolderInput)
            photos, key = [(p, "largest") for p in photos_in(spec.folder)], "folder"
            if not photos:
                failures.append(f"{scene.where('inputs', i, key)}: no JPEG or PNG photos in {spec.folder}")
        for photo, person in photos:
            try:
                face = _face_from(photo, person, portraits, tone)
            except InputError as exc:
                failures.append(f"{scene.where('inputs', i, key)}: {exc}")
                continue
            suffix = "" if person == "largest" else f"-person-{person}"
            subjects.append(Subject(_clip_name(photo) + suffix, face, True, f"{photo} (person: {person})"))
    return _unique(subjects), failures


def _face_from(photo: Path, person: int | str, portraits, tone: tuple[float, float]) -> np.ndarray:
    from render.photo import read_photo
    from render.portrait import match_tone

    pixels = read_photo(photo)
    boxes = portraits.faces(pixels)
    if not boxes:
        raise InputError(f"{photo}: no face found; use a photo of a face seen from the front")
    if person == "largest":
        box = max(boxes, key=lambda b: b.side)
    elif int(person) < len(boxes):
        box = boxes[int(person)]
    else:
        raise InputError(
            f"{photo}: person {person} asked for, but {len(boxes)} face(s) found, numbered from the "
            f"left 0 to {len(boxes) - 1}"
        )
    crop = portraits.crop(pixels, box, portraits.eyes(pixels, box))
    return match_tone(crop, *tone)


def _clip_name(photo: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", photo.stem).strip("-.") or "photo"
    return name[:80]


def _unique(subjects: list[Subject]) -> list[Subject]:
    """Clip names made unique in order: a second ``obama`` becomes ``obama-2``."""
    seen: dict[str, int] = {}
    unique = []
    for subject in subjects:
        count = seen.get(subject.name, 0) + 1
        seen[subject.name] = count
        name = subject.name if count == 1 else f"{subject.name}-{count}"
        unique.append(Subject(name, subject.face, subject.from_photo, subject.source))
    return unique
