"""Wires the stages into a render, and holds the one error boundary of the program.

    scene -> dataset -> emotion filter -> basis -> sequence -> compose -> encode (staged, published)
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from render import __version__
from render.basis import Basis, max_components
from render.batch import ClipJob, ClipResult, executor_for, run_jobs
from render.cache import Cache, default_cache_dir
from render.compose import Canvas
from render.dataset import load_dataset
from render.emotion import EmotionFilter, emotion_model
from render.readout import morph_key
from render.encode import write_png
from render.errors import ExitCode, InputError, RenderError, SceneError
from render.layout import LAYOUT_CLIP
from render.manifest import Manifest
from render.progress import Report
from render.scene import FaceInput, Scene, load_scene
from render.sequence import Morph
from render.staging import staged
from render.stills import basis_stills
from render.subject import Subject, resolve_subjects

__all__ = ["Options", "prepare_scene", "main", "scene_files"]

Log = Callable[[str], None]


@dataclass
class Prepared:
    """A scene ready for the batch: the clips to render, those up to date, the inputs that failed."""

    scene: Scene
    manifest: Manifest
    jobs: list[ClipJob]
    skipped: list[str]
    failures: list[str]


def prepare_scene(scene: Scene, cache: Cache, log: Log, warn: Log, force: bool) -> Prepared:
    """Learn what the scene's clips share, once: the dataset, the model's scores, the basis, each
    clip's readout; publish the scene's own files (emotions.csv, the basis stills); and plan a job
    for every clip that is not already up to date in the manifest.

    The dataset, scores, basis and readouts come from ``cache`` when it holds them, so a warm render
    imports neither TensorFlow nor scikit-learn. An input whose photo gives no usable face is a
    failure of that input; when no input is usable, nothing is written.
    """
    faces = load_dataset(scene.dataset, cache, warn)
    model, identity = emotion_model(scene.filter, log)
    learnt = {"dataset": faces.digest, **identity}
    scores, hit = cache.fetch("scores", learnt, lambda: {"probabilities": model.predict(faces.images)})
    selection = EmotionFilter(scene.filter.emotion, scene.filter.min_probability).fit(scores["probabilities"])
    kept = faces.images[selection.kept_]
    log(f"{scene.name}: the emotion model keeps {len(kept)} of {len(faces)} faces as "
        f"{scene.filter.emotion}{' (cached scores)' if hit else ''}")
    _check_supports(scene, len(kept))

    selected = {"emotion": scene.filter.emotion, "min_probability": scene.filter.min_probability}
    state, _ = cache.fetch(
        "basis", {**learnt, **selected, "components": scene.basis.components},
        lambda: Basis(scene.basis.components).fit(kept).state(),
    )
    basis = Basis.from_state(state)
    subjects, failures = resolve_subjects(scene, kept)
    if not subjects:
        raise InputError(failures[0] if len(failures) == 1 else
                         f"{scene.where('inputs')}: none of the inputs gave a usable face: {'; '.join(failures)}")

    morph, output = scene.morph, scene.output
    with staged(scene.scene_dir) as staging:
        (staging / "emotions.csv").write_text(selection.to_csv(faces.people, faces.sources), encoding="utf-8")
        if "stills" in output.formats:
            still = Canvas(morph.padding, morph.pad_value, min(output.size, 512), output.interpolation)
            native = Canvas(morph.padding, morph.pad_value, kept.shape[1] + 2 * morph.padding, "area")
            for name, image in basis_stills(basis, kept, still, native).items():
                write_png(staging / "stills" / f"{name}.png", image)

    manifest = Manifest.load(scene.scene_dir, scene.name, warn)
    shared = _settings(scene, learnt, state)
    if scene.layout != "clips":  # one film of every face
        clip = LAYOUT_CLIP[type(scene.layout)]
        settings = hashlib.sha256("".join([shared, *(_clip_settings(shared, s) for s in subjects)]).encode()).hexdigest()
        if not force and manifest.up_to_date(clip, settings):
            return Prepared(scene, manifest, [], [clip], failures)
        sources = f"{len(subjects)} faces: {', '.join(s.name for s in subjects[:5])}{', ...' if len(subjects) > 5 else ''}"
        job = ClipJob(scene, subjects[0], state, np.zeros((0, 7), np.float32), settings, sources, tuple(subjects), clip)
        return Prepared(scene, manifest, [job], [], failures)
    settings = {s.name: _clip_settings(shared, s) for s in subjects}
    todo = [s for s in subjects if force or not manifest.up_to_date(s.name, settings[s.name])]
    readouts = _readouts(todo, basis, scene, model, identity, cache)
    jobs = [ClipJob(scene, s, state, r, settings[s.name], s.source) for s, r in zip(todo, readouts)]
    skipped = [s.name for s in subjects if s not in todo]
    return Prepared(scene, manifest, jobs, skipped, failures)


def _settings(scene: Scene, learnt: dict, state: dict[str, np.ndarray]) -> str:
    """Hash of what every clip of the scene shares: its settings (not its paths, name or other
    inputs), the data and model it learnt from, the basis itself, and this program's version."""
    h = hashlib.sha256()
    shape = scene.model_dump(mode="json", exclude={"name": True, "inputs": True, "output": {"dir"}})
    h.update(json.dumps([shape, learnt, __version__], sort_keys=True, default=str).encode())
    for name in sorted(state):
        h.update(np.ascontiguousarray(state[name]).tobytes())
    return h.hexdigest()


def _clip_settings(shared: str, subject: Subject) -> str:
    h = hashlib.sha256(shared.encode())
    h.update(subject.name.encode())
    h.update(np.ascontiguousarray(subject.face, dtype="<f4").tobytes())
    return h.hexdigest()


def _readouts(subjects: list[Subject], basis: Basis, scene: Scene, model, identity: dict, cache: Cache,
              group: int = 32) -> list[np.ndarray]:
    """Each subject's readout (the model on every level): from the cache, or batched passes over up to
    ``group`` clips at a time, stored back."""
    morphs = [Morph.of(s.face, basis, scene.morph) for s in subjects]
    parts = [{**identity, "clip": morph_key(m)} for m in morphs]
    found = [cache.lookup("readout", p) for p in parts]
    missing = [i for i, arrays in enumerate(found) if arrays is None]
    for start in range(0, len(missing), group):
        chunk = missing[start : start + group]
        frames = np.concatenate([np.stack([morphs[i].frame(k) for k in range(len(morphs[i]))]) for i in chunk])
        probabilities = model.predict(frames)
        for i, rows in zip(chunk, np.split(probabilities, len(chunk))):
            found[i] = {"probabilities": rows}
            cache.store("readout", parts[i], found[i])
    return [arrays["probabilities"] for arrays in found]  # type: ignore[index]


def _check_supports(scene: Scene, kept: int) -> None:
    """The kept faces must support the basis and every input the scene asks for."""
    emotion = scene.filter.emotion
    if kept < 2:
        raise InputError(
            f"{scene.where('filter')}: the filter kept {kept} face(s) as {emotion!r} "
            f"(min_probability {scene.filter.min_probability}); a basis needs at least 2: lower "
            f"filter.min_probability or choose another emotion"
        )
    most = max_components(kept)
    if scene.basis.components > most:
        raise InputError(
            f"{scene.where('basis', 'components')}: {scene.basis.components} components need at least "
            f"{scene.basis.components + 1} kept faces and the filter kept {kept}; use at most {most}"
        )
    for i, spec in enumerate(scene.inputs):
        if isinstance(spec, FaceInput) and spec.face != "all" and spec.face >= kept:
            raise InputError(
                f"{scene.where('inputs', i, 'face')}: face {spec.face} is past the end: the filter "
                f"kept {kept} faces as {emotion!r}, numbered 0 to {kept - 1}"
            )


@dataclass(frozen=True)
class Options:
    """What the command line says about a run of scenes."""

    output_dir: Path | None = None
    device: str | None = None
    cache_dir: Path | None = None
    refresh: bool = False
    quiet: bool = False
    debug: bool = False
    jobs: int = 1
    executor: str | None = None
    force: bool = False

    def overrides(self) -> dict[tuple[str, str], object]:
        chosen = {("output", "dir"): self.output_dir, ("filter", "device"): self.device}
        return {key: value for key, value in chosen.items() if value is not None}


def main(paths: list[Path], options: Options) -> int:
    """The error boundary: prepare every scene, render every clip through the executor, report
    failures in one line each, and return the exit code.

    A batch goes on past a failed scene or clip and names every failure in its summary. With
    ``--debug`` a failure re-raises, so its traceback is shown.
    """
    log: Log = (lambda message: None) if options.quiet else _say
    warn: Log = lambda message: _say(f"warning: {message}")  # noqa: E731
    report = Report(quiet=options.quiet)
    failures: list[RenderError] = []
    try:
        cache = Cache(options.cache_dir or default_cache_dir(), refresh=options.refresh, warn=warn)
        prepared: list[Prepared] = []
        files, failed_scenes = scene_files(paths), []
        for path in files:
            try:
                scene = load_scene(path, options.overrides())
                ready = prepare_scene(scene, cache, log, warn, options.force)
            except RenderError as exc:
                if options.debug:
                    raise
                _say(f"error: {exc}")
                failures.append(exc)
                failed_scenes.append(path)
                continue
            for failure in ready.failures:
                _say(f"error: {failure}")
                report.failed.append((f"{scene.name}: input", failure))
                failures.append(InputError(failure))
            prepared.append(ready)
        jobs = [job for ready in prepared for job in ready.jobs]
        manifests = {ready.scene.name: ready.manifest for ready in prepared}
        report.begin(len(jobs) + sum(len(ready.skipped) for ready in prepared))
        for ready in prepared:
            for clip in ready.skipped:
                report.skip(f"{ready.scene.name}: {clip}")

        def finished(job: ClipJob, result: ClipResult | None, error: RenderError | None) -> None:
            if result is not None:
                manifests[result.scene].record(result.clip, result.entry)
            elif options.debug:
                raise error  # type: ignore[misc]
            else:
                failures.append(error)  # type: ignore[arg-type]
                _say(f"error: {error}")
            report.finish(f"{job.scene.name}: {job.clip}", None if error is None else str(error))

        if jobs:
            try:
                # No more workers than clips: a single clip renders right here, with no pool to start.
                with executor_for(options.executor, min(options.jobs, len(jobs))) as executor:
                    run_jobs(jobs, executor, lambda job: report.running(f"{job.scene.name}: {job.clip}"), finished)
            finally:  # what finished is recorded, even when the batch is interrupted
                for ready in prepared:
                    ready.manifest.flush()
        if report.total:
            report.end()
        if len(files) > 1 and failed_scenes:
            _say(f"{len(failed_scenes)} of {len(files)} scenes failed: {', '.join(map(str, failed_scenes))}")
    except RenderError as exc:
        if options.debug:
            raise
        _say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        if options.debug:
            raise
        _say("interrupted; finished clips are kept and recorded, clips in progress were not published")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # a bug: say so in one line, with the way to get the traceback
        if options.debug:
            raise
        _say(f"internal error: {type(exc).__name__}: {exc}; rerun with --debug and report the traceback")
        return ExitCode.ERROR
    if not failures:
        return ExitCode.OK
    codes = {exc.exit_code for exc in failures}
    return codes.pop() if len(codes) == 1 else ExitCode.ERROR


def scene_files(paths: list[Path]) -> list[Path]:
    """Scene files as given; a folder stands for the ``*.yaml`` files in it, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.yaml") if p.is_file())
            if not found:
                raise SceneError(f"{path}: a folder with no .yaml scene files; name scene files or a folder of them")
            files += found
        else:
            files.append(path)
    return files


def _say(message: str) -> None:
    print(f"render: {message}", file=sys.stderr, flush=True)
