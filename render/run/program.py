"""The program: scene files in, films out, one scene and one job after another.

It loads and plans every scene, runs all their jobs through one executor, records each finished
film in its scene's manifest, and reports progress and failures. A failed scene, input or job never
stops the others; each is named in one line, and the outcome's exit code says how the run went.
With ``--debug`` the first failure is raised instead, for its traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from render import interrupt
from render.ground.console import Console
from render.ground.formats import FORMATS, link_order
from render.cache import Cache, default_cache_dir, max_bytes
from render.encode.ffmpeg import find_ffmpeg_meanwhile
from render.errors import ExecutorError, ExitCode, InputError, RenderError, SceneError, explain, shown
from render.run.batch import executor_for, run_jobs
from render.ground.job import Finished, Job
from render.film.chunks import Whole
from render.run.plan import Plan, plan_scene
from render.run.manifest import Manifest
from render.run.progress import Report
from render.ground.staging import receive, remove_stale
from render.scene import Scene, load_scene
from render.scene.load import DROP

__all__ = ["Options", "Program", "scene_files", "nowhere", "PREVIEW_SIZE", "PREVIEW_LEVELS"]

#: ``--preview``: the side and the most levels of a quick look.
PREVIEW_SIZE, PREVIEW_LEVELS = 128, 25


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
    sets: tuple[tuple[tuple[str, ...], object], ...] = ()  #: ``--set key=value``, in order
    preview: bool = False
    verbose: bool = False
    open: bool = False
    publish: bool = False  #: publish each scene once it is rendered
    to: str | None = None  #: ``--to``: the store, in place of the scene's publish.to
    frames: tuple[int, ...] = ()  #: ``--frame``: only these frames, as PNG, into <output.dir>/previews/

    @property
    def console(self) -> Console:
        """Where this run speaks, as loud as ``--quiet`` and ``--verbose`` say."""
        return Console(quiet=self.quiet, verbose=self.verbose)

    def overrides(self) -> dict[tuple[str, ...], object]:
        chosen = {("output", "dir"): self.output_dir, ("filter", "device"): self.device, ("publish", "to"): self.to}
        return {**dict(self.sets), **{key: value for key, value in chosen.items() if value is not None}}

    def scene(self, path: Path) -> Scene:
        """The scene file as the command line changes it (``--set``, ``--output-dir``, ``--preview``)."""
        scene = load_scene(path, self.overrides())
        if self.frames:  # single frames: the film's own frames, as PNG only, beside the real outputs
            only = {("output", "formats"): ["frames"], ("output", "frames_at"): list(self.frames),
                    ("output", "min_duration"): DROP, ("output", "gif"): DROP, ("output", "extend"): DROP,
                    ("output", "max_kbps"): DROP, ("output", "audio"): DROP,
                    **{("output", key): DROP for f in FORMATS.values() if f.name != "frames" for key in f.keys},
                    ("output", "dir"): scene.output.dir / "previews"}
            return load_scene(path, {**self.overrides(), **only})
        if not self.preview:
            return scene
        # A quick look: small, fewer levels, MP4 only, no platform frame, beside the real outputs; the
        # keys only the other formats, a platform or a minimum duration use are left out.
        quick = {("output", "preset"): None, ("output", "frame"): None, ("output", "size"): PREVIEW_SIZE,
                 ("output", "formats"): ["mp4"], ("output", "min_duration"): 0.0, ("output", "gif"): DROP,
                 ("output", "extend"): DROP, ("output", "max_kbps"): DROP,
                 **{("output", key): DROP for f in FORMATS.values() if f.name != "mp4" for key in f.keys},
                 **({("output", "background"): DROP} if scene.output.transparent else {}),
                 ("output", "dir"): scene.output.dir / "previews",
                 ("morph", "levels"): min(scene.morph.levels, PREVIEW_LEVELS)}
        return load_scene(path, {**self.overrides(), **quick})


@dataclass
class Program:
    """One run of ``render`` over scene files."""

    options: Options
    failures: list[RenderError | Exception] = field(default_factory=list)
    made: list[Path] = field(default_factory=list)  #: the files of every film made, in order

    def __post_init__(self) -> None:
        self.report = Report(quiet=self.options.quiet)
        self.console = self.options.console

    def run(self, paths: list[Path], then: Callable[[Scene, Manifest], None] | None = None) -> ExitCode:
        """Render every scene of ``paths``, then hand each scene rendered to ``then`` (publishing it);
        return the exit code of the whole run."""
        options = self.options
        cache = Cache(options.cache_dir or default_cache_dir(), refresh=options.refresh, console=self.console)
        cap = max_bytes()  # a cap that is not a size is said now, not after an hour of rendering
        find_ffmpeg_meanwhile()
        files = scene_files(paths)
        plans, failed_scenes = [], []
        folders: dict[Path, Path] = {}  # scene folder -> the scene file that writes it
        for path in files:
            try:
                scene = options.scene(path)
                if options.publish and scene.publish.to is None:  # said before an hour of rendering, not after
                    raise nowhere(scene)
                other = folders.setdefault(scene.scene_dir.resolve(), path)  # a scene is its folder
                if other != path:
                    raise SceneError(f"{shown(path)}: name: {scene.name!r} is the name of {other} too, and both would write "
                                     f"{scene.scene_dir}; give each scene its own name")
                plans.append(plan_scene(scene, cache, self.console, options.force))
            except Exception as exc:  # noqa: BLE001 - one scene's failure, a bug included, never stops the others
                self.failed(exc)
                failed_scenes.append(path)
        for plan in plans:
            for failure in plan.failures:
                self.report.failed.append((f"{plan.scene.name}: input", self.failed(InputError(failure))))
        jobs = [job for plan in plans for job in plan.jobs]
        # Inputs that failed count among the clips, so that the counts add up; a long film made in parts
        # counts once, and each of its parts once on the way (the live display's bar and estimate).
        parts = sum(len(whole.jobs) - 1 for plan in plans for whole in plan.wholes)
        films = len(jobs) - parts + sum(len(plan.skipped) for plan in plans) + len(self.report.failed)
        self.report.begin(films, films + parts)
        try:
            for plan in plans:
                for name in plan.skipped:
                    self.report.skip(f"{plan.scene.name}: {name}")
            if jobs:
                self._run(jobs, {str(plan.scene.scene_dir): plan for plan in plans})
        finally:  # Ctrl-C or a failure: the live display goes, the terminal gets its cursor back
            self.report.stop()
        if self.report.total:
            self.report.end(sorted({str(plan.scene.scene_dir) for plan in plans}))
        cache.prune(max_size=cap)  # least recently used entries first: what this run used stays
        if then is not None:  # publishing, when asked: a later stage's step, handed in
            for plan in plans:
                then(plan.scene, plan.manifest)
        if options.open:
            self._open(plans)
        if len(files) > 1 and failed_scenes:
            self.console.say(f"{len(failed_scenes)} of {len(files)} scenes failed: {', '.join(map(str, failed_scenes))}")
        return self.exit_code

    def _run(self, jobs: list[Job], plans: dict[str, Plan]) -> None:
        wholes = [whole for plan in plans.values() for whole in plan.wholes]
        parts_of = {id(job): whole for whole in wholes for job in whole.jobs}
        owners: dict[int, tuple[Whole, Any]] = {}  # id of a job sent -> the long film it is a part of, and which

        def finished(job: Job, result: Finished | None, error: Exception | None) -> None:
            units = 1
            if id(job) in owners:  # a part of a long film: the film is recorded once all are in, and joined
                whole, part = owners[id(job)]
                result = self._part(whole, part, job.label, result, error)
                if result is None:
                    return
                job, units = whole, 0  # type: ignore[assignment]
            elif result is not None and result.files is not None:  # sent by a worker elsewhere: published here
                try:
                    receive(plans[result.scene].scene.scene_dir, result.files, result.entry, f"worker {result.where}")
                except RenderError as exc:
                    result, error = None, exc
            if result is not None:
                manifest = plans[result.scene].manifest
                before = set((manifest.clips.get(result.name) or {}).get("files", {}))
                manifest.record(result.name, result.entry)
                self._tidy(plans[result.scene].scene, manifest, result.name, before - set(result.entry["files"]))
                self.report.finish(job.label, None, units)
                folder = plans[result.scene].scene.scene_dir
                self.made.extend(folder / name for name in result.entry["files"])
                if self.options.verbose:
                    self.console.say(f"{job.label}: {len(result.entry['files'])} files"
                                     + (f" from {result.where}" if result.where else "")
                                     + f": {', '.join(sorted(result.entry['files']))}")
            else:
                assert error is not None
                self.report.finish(job.label, self.failed(error))

        try:
            # No more workers than jobs: a single job runs right here, with no pool to start.
            workers = min(self.options.jobs, len(jobs))
            # Ctrl-C stops the batch at a safe point (see render.interrupt): between frames, between jobs.
            with interrupt.deferred(), executor_for(self.options.executor, workers, self.console.say) as pool:
                sent = [job.away() for job in jobs] if pool.away else jobs
                owners.update({id(away): (parts_of[id(job)], job.part) for away, job in zip(sent, jobs) if id(job) in parts_of})
                run_jobs(sent, pool, lambda job: self.report.running(job.label), finished,
                         lambda job: id(job) not in owners or not owners[id(job)][0].over)  # a failed film's parts: not started
        except ExecutorError as exc:  # the executor could not be used, or was lost: the films not done failed
            reason = self.failed(exc)
            ended = {*self.report.rendered, *(label for label, _ in self.report.failed)}
            films = {job.label: None for job in jobs if id(job) not in parts_of} | {whole.label: None for whole in wholes}
            for label in films:
                if label not in ended:
                    self.report.finish(label, f"not rendered: {reason.split(': ', 1)[-1].split(';')[0]}", 0)
        finally:  # what finished is recorded, even when the batch is interrupted
            for plan in plans.values():
                plan.manifest.flush()
            for whole in wholes:  # the parts of a film that was not joined go
                whole.discard()

    def _part(self, whole: Whole, part: Any, label: str, result: Finished | None,
              error: Exception | None) -> Finished | None:
        """One part of a long film arrived (or failed): the film's record once every part is in and
        joined; None before, or when the film failed (said once: its other parts are dropped)."""
        if whole.over:  # its film failed: said once, this part's row and step of the bar go
            self.report.part(label, said=False)
            return None
        try:
            joined = whole.arrive(part, result) if result is not None else None
        except RenderError as exc:
            error = exc
        self.report.part(label, said=error is None)
        if error is not None:
            whole.over = True
            whole.discard()
            self.report.finish(whole.label, self.failed(error), 0)  # each part counts its own step
            return None
        return joined

    def _tidy(self, scene: Scene, manifest: Manifest, name: str, gone: set[str]) -> None:
        """A film's files its new render no longer writes (formats changed): removed, said with -v; a
        file another film of the scene still lists stays."""
        listed = {f for clip, entry in manifest.clips.items() if clip != name for f in entry.get("files", {})}
        removed = remove_stale(scene.scene_dir, gone - listed)
        if removed:
            self.console.note(f"{scene.name}: {name}: removed {len(removed)} files its new render no longer writes: "
                              f"{', '.join(removed[:8])}{', ...' if len(removed) > 8 else ''}")

    def _open(self, plans: list[Plan]) -> None:
        """``--open``: the first film made (else the first scene's folder) in the system's viewer."""
        import shutil
        import subprocess

        films = [p for p in self.made if p.suffix in {f.suffix for f in link_order(list(FORMATS))}]
        target = films[0] if films else (plans[0].scene.scene_dir if plans else None)
        opener = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
        if target is None:
            return
        if opener is None:
            self.console.say(f"--open: no program here opens files (xdg-open); the files are in {target.parent if films else target}")
            return
        where = target.parent if films else target
        try:
            opening = subprocess.Popen([opener, str(target)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, start_new_session=True)
            code = opening.wait(timeout=5)
        except subprocess.TimeoutExpired:  # the viewer itself, still running in the opener's place: it opened
            self.console.log(f"opened {target}")
            return
        except OSError as exc:
            self.console.say(f"--open: {opener} could not be started ({exc.strerror}); the files are in {where}")
            return
        said = (opening.stderr.read().decode("utf-8", "replace").strip().splitlines() or [""])[0][:200] \
            if opening.stderr else ""
        if code == 0:
            self.console.log(f"opened {target}")
        else:
            self.console.say(f"--open: nothing opened {target.name} ({Path(opener).name} ended with {code}"
                             + (f": {said}" if said else "") + f"); the files are in {where}")

    def failed(self, error: Exception) -> str:
        """Say and count one failure (of a scene, an input or a job) and return its message; with
        ``--debug``, raise it instead, with its own traceback."""
        if self.options.debug:
            raise error
        _, message = explain(error)
        self.failures.append(error)
        self.console.error(message)
        return message

    @property
    def exit_code(self) -> ExitCode:
        """OK; else the code of the one kind of failure; a bug wins over the rest; else MIXED."""
        codes = {explain(exc)[0] for exc in self.failures}
        if not codes:
            return ExitCode.OK
        if ExitCode.ERROR in codes:
            return ExitCode.ERROR
        return codes.pop() if len(codes) == 1 else ExitCode.MIXED


def nowhere(scene: Scene) -> SceneError:
    return SceneError(f"{scene.source or scene.name}: publish.to: nowhere to publish to: add publish: {{to: s3://bucket/folder}} "
                      "(or sftp://, webdav://, file://) to the scene, or give --to URL")


def scene_files(paths: list[Path]) -> list[Path]:
    """Scene files as given; a folder stands for the ``*.yaml`` files in it, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.yaml") if p.is_file())
            if not found:
                raise SceneError(f"{shown(path)}: a folder with no .yaml scene files; name scene files or a folder of them")
            files += found
        else:
            files.append(path)
    return files
