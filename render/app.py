"""Wires the stages into a render, and holds the one error boundary of the program.

    scene -> dataset -> emotion filter -> basis -> sequence -> compose -> encode (staged, published)
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from render.basis import Basis, max_components
from render.cache import Cache, default_cache_dir
from render.clip import render_clip
from render.compose import Canvas
from render.dataset import load_dataset
from render.emotion import EmotionFilter, emotion_model
from render.readout import morph_key
from render.encode import write_png
from render.errors import ExitCode, InputError, RenderError
from render.scene import FaceInput, Scene, load_scene
from render.sequence import Morph
from render.staging import staged
from render.stills import basis_stills
from render.subject import resolve_subjects

__all__ = ["Options", "render_scene", "main"]

Log = Callable[[str], None]


@dataclass(frozen=True)
class Rendered:
    """What a scene's render produced, and the inputs that gave no usable face."""

    folder: Path
    clips: tuple[str, ...]
    failures: tuple[str, ...]


def render_scene(scene: Scene, cache: Cache, log: Log, warn: Log) -> Rendered:
    """Render every clip of a scene into ``scene.scene_dir``; all files appear together or none.

    The dataset, the model's scores and the basis come from ``cache`` when it holds them, so a
    warm render imports neither TensorFlow nor scikit-learn. An input whose photo gives no usable
    face is reported in ``failures``; the others render. When none can, nothing is written.
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
    width, height = output.frame_size

    with staged(scene.scene_dir) as staging:
        (staging / "emotions.csv").write_text(selection.to_csv(faces.people, faces.sources), encoding="utf-8")
        if "stills" in output.formats:
            still = Canvas(morph.padding, morph.pad_value, min(output.size, 512), output.interpolation)
            native = Canvas(morph.padding, morph.pad_value, kept.shape[1] + 2 * morph.padding, "area")
            for name, image in basis_stills(basis, kept, still, native).items():
                write_png(staging / "stills" / f"{name}.png", image)
        def read(morph: Morph) -> np.ndarray:
            """The model's reading of every level: one batched pass, cached with the clip."""
            levels = np.stack([morph.frame(k) for k in range(len(morph))])
            arrays, _ = cache.fetch("readout", {**identity, "clip": morph_key(morph)},
                                    lambda: {"probabilities": model.predict(levels)})
            return arrays["probabilities"]

        for subject in subjects:
            count = render_clip(subject, basis, scene, staging, read)
            log(f"{scene.name}: {subject.name}: {count} frames at {width}x{height}")
    return Rendered(scene.scene_dir, tuple(s.name for s in subjects), tuple(failures))


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

    def overrides(self) -> dict[tuple[str, str], object]:
        chosen = {("output", "dir"): self.output_dir, ("filter", "device"): self.device}
        return {key: value for key, value in chosen.items() if value is not None}


def main(paths: list[Path], options: Options) -> int:
    """The error boundary: render each scene, report failures in one line each, return the exit code.

    A batch goes on past a failed scene and names every failure at the end. With ``--debug`` a
    failure re-raises, so its traceback is shown.
    """
    log: Log = (lambda message: None) if options.quiet else _say
    warn: Log = lambda message: _say(f"warning: {message}")  # noqa: E731
    cache = Cache(options.cache_dir or default_cache_dir(), refresh=options.refresh, warn=warn)
    failures: list[tuple[Path, RenderError]] = []
    for path in paths:
        started = time.perf_counter()
        try:
            scene = load_scene(path, options.overrides())
            done = render_scene(scene, cache, log, warn)
            for failure in done.failures:
                _say(f"error: {failure}")
            if done.failures:
                failures.append((path, InputError(f"{len(done.failures)} input(s) gave no usable face")))
        except RenderError as exc:
            if options.debug:
                raise
            _say(f"error: {exc}")
            failures.append((path, exc))
            continue
        except KeyboardInterrupt:
            if options.debug:
                raise
            _say("interrupted; nothing of the scene in progress was published")
            return ExitCode.INTERRUPTED
        except Exception as exc:  # a bug: say so in one line, with the way to get the traceback
            if options.debug:
                raise
            _say(f"internal error while rendering {path}: {type(exc).__name__}: {exc}; "
                 f"rerun with --debug and report the traceback")
            return ExitCode.ERROR
        log(f"{scene.name}: wrote {done.folder} in {time.perf_counter() - started:.1f} s")
    if len(paths) > 1 and failures:
        _say(f"{len(failures)} of {len(paths)} scenes failed: {', '.join(str(p) for p, _ in failures)}")
    if not failures:
        return ExitCode.OK
    codes = {exc.exit_code for _, exc in failures}
    return codes.pop() if len(codes) == 1 else ExitCode.ERROR


def _say(message: str) -> None:
    print(f"render: {message}", file=sys.stderr, flush=True)
