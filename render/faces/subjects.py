"""Subjects: what each clip morphs, resolved from the scene's inputs.

A ``{face: N}`` input is a kept dataset face; ``{face: all}`` is every kept face; ``{image: path}``
is a face found in a photo (the largest, or the one the scene picks), levelled, framed like the
dataset's faces and matched to their brightness and contrast so the morph does not flash;
``{folder: path}`` is every photo of a folder. A photo that gives no usable face is a failure of that
input alone: the others still render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from render.errors import InputError, shown
from render.faces.photo import photos_in
from render.scene import FaceInput, FolderInput, ImageInput, Scene

__all__ = ["Subject", "Named", "named_inputs", "resolve_subjects", "dataset_tone", "clip_name", "check_indices"]


@dataclass(frozen=True, eq=False)
class Subject:
    """One clip's input face, at the basis resolution, and the crop saved beside the outputs."""

    name: str
    face: np.ndarray = field(repr=False)
    from_photo: bool = False
    source: str = ""  #: where it came from, for the manifest
    #: the photo's own crop at the film's resolution, with the film's padding (``morph.detail: photo``), 8-bit
    detail: np.ndarray | None = field(repr=False, default=None)


@dataclass(frozen=True)
class Named:
    """One clip the scene's inputs make, named: input ``index`` (its ``key``), a kept face or a photo."""

    index: int
    key: str  #: ``face``, ``image`` or ``folder``
    name: str  #: the clip's name, unique in the scene ignoring case, never one of the scene's own files
    face: int | None = None  #: a kept face's number
    photo: Path | None = None
    person: int | str = "largest"


def named_inputs(scene: Scene, kept: int, left_out: frozenset[int] = frozenset()) -> list[Named]:
    """Every clip of the scene's inputs, in order, named: the one naming of clips, for a batch and for
    a watched folder alike. A photo's name does not depend on whether its face (or another's) is found.
    ``face: all`` passes over the kept faces the basis ``left_out`` (said once, where the basis is
    learnt); a face named by its number is a clip, and fails alone if it cannot be drawn."""
    named: list[Named] = []
    for i, spec in enumerate(scene.inputs):
        if isinstance(spec, FaceInput):
            indices = [k for k in range(kept) if k not in left_out] if spec.face == "all" else [spec.face]
            named += [Named(i, "face", f"face-{k}", face=k) for k in indices]
        elif isinstance(spec, ImageInput):
            suffix = "" if spec.person == "largest" else f"-person-{spec.person}"
            named.append(Named(i, "image", clip_name(spec.image) + suffix, photo=spec.image, person=spec.person))
        else:
            assert isinstance(spec, FolderInput)
            named += [Named(i, "folder", clip_name(p), photo=p) for p in photos_in(spec.folder)]
    return _unique(named)


def resolve_subjects(scene: Scene, kept: np.ndarray, left_out: frozenset[int] = frozenset()
                     ) -> tuple[list[Subject], list[str]]:
    """The scene's subjects in input order (``face: all`` passing over the kept faces the basis
    ``left_out``), and one message per input that gave no usable face."""
    subjects: list[Subject] = []
    failures: list[str] = []
    tone = dataset_tone(kept)
    portraits = None
    named = named_inputs(scene, len(kept), left_out)
    for i, spec in enumerate(scene.inputs):
        if isinstance(spec, FolderInput) and not any(n.index == i for n in named):
            failures.append(f"{scene.where('inputs', i, 'folder')}: no JPEG or PNG photos in {shown(spec.folder)}")
        for item in (n for n in named if n.index == i):
            if item.photo is None:
                assert item.face is not None
                subjects.append(Subject(item.name, kept[item.face], source=f"kept face {item.face}"))
                continue
            if portraits is None:
                from render.faces.portrait import Detail, Portraits

                side = kept.shape[1]
                detail = Detail(scene.output.size, scene.morph.padding / side) if scene.morph.detail == "photo" else None
                portraits = Portraits(side, detector=scene.photos.detector, fill=kept.mean(axis=0), detail=detail,
                                      colour=scene.colour)
            try:
                face, detail = _face_from(item.photo, item.person, portraits, tone)
            except InputError as exc:
                failures.append(f"{scene.where('inputs', i, item.key)}: {exc}")
                continue
            subjects.append(Subject(item.name, face, True, f"{shown(item.photo)} (person: {item.person})", detail))
    return subjects, failures


def dataset_tone(kept: np.ndarray) -> tuple[float, float]:
    """The kept faces' mean brightness and contrast, which a photo's face is matched to."""
    axes = tuple(range(1, kept.ndim))  # a face's pixels, every channel of them: as a face's own tone is measured
    return float(kept.mean(axis=axes).mean()), float(kept.std(axis=axes).mean())


def check_indices(scene: Scene, kept: int) -> None:
    """Every ``{face: N}`` input must name a kept face."""
    for i, spec in enumerate(scene.inputs):
        if isinstance(spec, FaceInput) and spec.face != "all" and spec.face >= kept:
            raise InputError(
                f"{scene.where('inputs', i, 'face')}: face {spec.face} is past the end: the filter "
                f"kept {kept} faces as {scene.filter.emotion!r}, numbered 0 to {kept - 1}"
            )


def _face_from(photo: Path, person: int | str, portraits, tone: tuple[float, float]):
    from render.faces.portrait import kept_detail, toned

    face, detail = toned(portraits.portrait_of(photo, person), *tone)
    return face, kept_detail(detail)


def clip_name(photo: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", photo.stem).strip("-.") or "photo"
    return name[:80]


#: Names a clip may not take: its sidecar would be the scene's own file (``manifest.json``).
RESERVED = frozenset({"manifest"})


def _unique(named: list[Named]) -> list[Named]:
    """Clip names made unique in order, ignoring case (as macOS and Windows folders do): a second
    ``obama`` becomes ``obama-2``, unless a photo is itself called ``obama-2`` (then ``obama-3``);
    never one of the scene's own files (``manifest`` becomes ``manifest-2``)."""
    own = {item.name.casefold() for item in named}
    taken: set[str] = set()
    unique = []
    for item in named:
        name, count = item.name, 1
        while name.casefold() in taken or name.casefold() in RESERVED or (count > 1 and name.casefold() in own):
            count += 1
            name = f"{item.name}-{count}"
        taken.add(name.casefold())
        unique.append(replace(item, name=name))
    return unique
