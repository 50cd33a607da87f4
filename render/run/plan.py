"""The plan: a scene turned into typed jobs, with what they share computed once.

Planning a scene learns its basis (:mod:`render.learn.learnt`), resolves its inputs into subjects,
publishes the scene's own files (``emotions.csv``, the basis stills), builds each face's morph once,
reads each clip's readout in batched passes of the model, and plans a job for every film that the
manifest does not already hold up to date. A job's settings hash covers everything that shapes its
files, so an unchanged clip is skipped and a changed one rendered again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from render import __version__
from render.cache import Cache
from render.ground.console import Console
from render.errors import InputError, SceneError
from render.faces.subjects import Subject, resolve_subjects
from render.film.chunks import Whole, split
from render.film.clip import ClipJob
from render.film.layout import LayoutJob, layout_name
from render.ground.morph import Morph
from render.film.stills import write_scene_stills
from render.hashing import Digest
from render.learn.learnt import Learnt, learn
from render.learn.readout import read_morphs
from render.ground.job import Job
from render.run.manifest import Manifest
from render.ground.staging import staged
from render.scene import Scene
from render.scene.output import MAX_AUDIO_SECONDS

__all__ = ["Plan", "plan_scene", "check_soundtrack", "scene_settings", "clip_settings"]



@dataclass(frozen=True, eq=False)
class Plan:
    """A scene ready for the batch: the jobs to run, the films up to date, the inputs that failed."""

    scene: Scene
    manifest: Manifest
    jobs: list[Job]
    skipped: list[str]
    failures: list[str]
    wholes: list[Whole] = field(default_factory=list)  #: long films made in parts (their parts among the jobs)


def check_soundtrack(scene: Scene) -> None:
    """The scene's soundtrack probed, before any film of it is planned: empty, not sound, not one of
    the four kinds, or too long is the scene's error (loading a scene runs no ffprobe)."""
    audio = scene.output.audio
    if audio is None:
        return
    from render.encode.audio import probe_problem

    problem = probe_problem(audio.path, MAX_AUDIO_SECONDS)
    if problem:
        raise SceneError(f"{scene.where('output', 'audio', 'path')}: {audio.path}: {problem}")


def plan_scene(scene: Scene, cache: Cache, console: Console, force: bool) -> Plan:
    """Plan every film of ``scene`` that is not up to date (all of them with ``force``).

    An input whose photo gives no usable face is a failure of that input; when no input is usable,
    nothing is written.
    """
    check_soundtrack(scene)
    learnt = learn(scene, cache, console)
    others = learn_panels(scene, cache, console)  # a comparison's other bases: before anything is written
    subjects, failures = resolve_subjects(scene, learnt.kept, learnt.left_out)
    morphs = morphs_of(subjects, learnt, scene, failures)
    subjects = [s for s in subjects if s.name in morphs]
    _say_undetailed(scene, subjects, console)
    if not subjects:
        raise InputError(failures[0] if len(failures) == 1 else
                         f"{scene.where('inputs')}: none of the inputs gave a usable face: {'; '.join(failures)}")
    with staged(scene.scene_dir) as staging:
        selection, faces = learnt.selection, learnt.faces
        (staging / "emotions.csv").write_text(selection.to_csv(faces.people, faces.sources), encoding="utf-8")
        if "stills" in scene.output.formats:
            write_scene_stills(staging, scene, learnt.basis, learnt.kept)
    manifest = Manifest.load(scene.scene_dir, scene.name, console)
    shared = scene_settings(scene, learnt)
    settings = {s.name: clip_settings(shared, s.name, s.face, s.detail) for s in subjects}

    if scene.compare is not None:  # each face's film on every panel's basis, side by side
        jobs, skipped = compare_jobs(scene, others, subjects, morphs, settings, manifest, force, failures)
        return Plan(scene, manifest, jobs, skipped, failures)

    if scene.layout != "clips":  # one film of every face
        name = layout_name(scene)
        combined = Digest("".join([shared, *settings.values()])).hexdigest()
        if not force and manifest.up_to_date(name, combined):
            return Plan(scene, manifest, [], [name], failures)
        names = ", ".join(s.name for s in subjects[:5]) + (", ..." if len(subjects) > 5 else "")
        job = LayoutJob(scene, tuple(morphs[s.name] for s in subjects), combined, f"{len(subjects)} faces: {names}", name)
        whole = split(job, job.film())  # a long film: in parts, for several workers at once
        if whole is not None:
            return Plan(scene, manifest, list(whole.jobs), [], failures, [whole])
        return Plan(scene, manifest, [job], [], failures)

    todo = [s for s in subjects if force or not manifest.up_to_date(s.name, settings[s.name])]
    planned = [morphs[s.name] for s in todo]
    readouts = read_morphs(planned, learnt.model, learnt.identity, cache) if scene.reads_frames else [None] * len(planned)
    viewer_basis = learnt.state if "html" in scene.output.formats else None  # sent with a job only where it is used
    jobs: list[Job] = [
        ClipJob(scene, s.name, morph, viewer_basis, readout, s.from_photo, settings[s.name], s.source, s.detail)
        for s, morph, readout in zip(todo, planned, readouts)
    ]
    done = {s.name for s in todo}
    return Plan(scene, manifest, jobs, [s.name for s in subjects if s.name not in done], failures)


def _say_undetailed(scene: Scene, subjects: list[Subject], console: Console) -> None:
    """``morph.detail: photo`` draws a photo input's clip; where nothing of the scene is one, say so."""
    if scene.morph.detail != "photo":
        return
    why = ("a comparison's panels are drawn from the small face" if scene.compare is not None else
           "a grid or a playlist is drawn from the small faces" if scene.layout != "clips" else
           "no input is a photo (dataset faces have no photo to take detail from)"
           if not any(s.detail is not None for s in subjects) else "")
    if why:
        console.warn(f"{scene.where('morph', 'detail')}: photo changes nothing here: {why}")


def learn_panels(scene: Scene, cache: Cache, console: Console) -> list[Learnt]:
    """What a comparison's other bases learn (each cached as a scene's own), before anything of the
    scene is written: a basis that cannot be learnt is the entry's error, said at its line."""
    others = []
    for i, panel in enumerate(scene.panels[1:]):
        other = scene.model_copy(update={"dataset": panel.dataset, "filter": panel.filter, "basis": panel.basis})
        other._source, other._lines = None, {}  # its messages name the entry's keys, placed below
        try:
            others.append(learn(other, cache, console, inputs=False, said=f"{scene.name} [{panel.label}]"))
        except InputError as exc:
            raise InputError(f"{scene.where('compare', 'bases', i)} ({panel.label}): "
                             f"{str(exc).removeprefix('<scene>: ')}") from None
    return others


def compare_jobs(scene: Scene, others: list[Learnt], subjects: list[Subject], morphs: dict[str, Morph],
                 settings: dict[str, str], manifest: Manifest, force: bool, failures: list[str]) -> tuple[list[Job], list[str]]:
    """A comparison's jobs (one per subject not up to date) and the names up to date: each subject's
    face, as the scene's own basis frames it, morphed on every panel's basis too (``others``: what
    :func:`learn_panels` learnt). A face another basis cannot take (no landmarks for the appearance
    basis) fails alone, named."""
    from render.film.compare import CompareJob

    panels = scene.panels
    bases = Digest("".join(scene_settings(scene, other) for other in others)).hexdigest()
    labels = tuple(p.label for p in panels)
    jobs: list[Job] = []
    skipped = []
    for subject in subjects:
        clip = Digest(settings[subject.name]).text("compare").text(bases).hexdigest()
        if not force and manifest.up_to_date(subject.name, clip):
            skipped.append(subject.name)
            continue
        drawn = {}
        for panel, other in zip(panels[1:], others):
            try:
                drawn[panel.label] = Morph.of(subject.face, other.basis, scene.morph)
            except InputError as exc:
                failures.append(f"{scene.where('compare')}: {subject.name} ({subject.source}) on {panel.label!r}: {exc}")
        if len(drawn) == len(others):
            jobs.append(CompareJob(scene, subject.name, (morphs[subject.name], *drawn.values()), labels, clip,
                                   subject.source, subject.from_photo))
    return jobs, skipped


def morphs_of(subjects: list[Subject], learnt: Learnt, scene: Scene, failures: list[str]) -> dict[str, Morph]:
    """Each subject's morph, by name. A face the basis cannot take (the appearance basis: the face mesh
    finds no landmarks in it) is named among the failures and left out."""
    morphs = {}
    for subject in subjects:
        try:
            morphs[subject.name] = Morph.of(subject.face, learnt.basis, scene.morph)
        except InputError as exc:
            failures.append(f"{scene.where('inputs')}: {subject.name} ({subject.source}): {exc}")
    return morphs


#: The scene's keys that shape no film, left out of its settings' hash: where the films go and are
#: published, the kiosk's limits, the device the model runs on, where the soundtrack lies (its bytes
#: are hashed instead).
SHAPES_NO_FILM: dict[str, Any] = {"name": True, "inputs": True, "publish": True, "serve": True,
                                  "filter": {"device"}, "output": {"dir": True, "audio": {"path"}}}


def scene_settings(scene: Scene, learnt: Learnt) -> str:
    """Hash of what every film of the scene shares: its settings (not its paths, name or inputs),
    the data and model it learnt from, the basis itself, and this program's version."""
    shape = scene.model_dump(mode="json", exclude=SHAPES_NO_FILM)
    if shape["morph"]["amount"] == 1:  # the default, which films made before the key existed have too
        del shape["morph"]["amount"]
    if shape["basis"]["model"] == "pixels":  # likewise
        del shape["basis"]["model"]
    if shape["morph"]["detail"] == "face":  # likewise
        del shape["morph"]["detail"]
    if shape["compare"] is None:  # likewise
        del shape["compare"]
    if isinstance(shape["dataset"], dict):  # a gray 64 px folder, as before colour and size
        for key, default in (("color", False), ("size", 64)):
            if shape["dataset"].get(key) == default:
                del shape["dataset"][key]
    digest = Digest().json([shape, learnt.scored, __version__]).arrays(*(learnt.state[k] for k in sorted(learnt.state)))
    if scene.output.audio is not None:
        digest = digest.file(scene.output.audio.path)
    return digest.hexdigest()


def clip_settings(shared: str, name: str, face: np.ndarray, detail: np.ndarray | None = None) -> str:
    """Hash of one face's clip: the scene's settings, the clip's name, its face and its photo's detail."""
    digest = Digest(shared).text(name).arrays(face.astype("<f4"))
    return (digest if detail is None else digest.arrays(detail.astype("<f4"))).hexdigest()
