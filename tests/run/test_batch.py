"""Batches: parallel workers, one failing clip among good ones, resuming after a kill, folders of
scenes, and a Dask cluster as the executor."""

from __future__ import annotations

import re
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO, invoke, write_scene
from mediafiles import gif_frames, mp4_frames, paced
from render.ground.console import Console
from render.errors import ExitCode
from render.run.manifest import Manifest

pytestmark = pytest.mark.slow

MANY = ("name: many\ninputs: [{face: 0}, {face: 1}, {face: 2}, {face: 3}, {face: 4}, {face: 5}]\n"
        "morph: {levels: 20}\noutput: {dir: out, size: 96, formats: [mp4, gif, readout]}\n")


def decodes(folder, clips, levels=20):
    for clip in clips:
        _, video = mp4_frames(folder / f"{clip}.mp4")
        frames, _, _ = gif_frames(folder / f"{clip}.gif")
        assert len(video) == len(frames) == len(paced(levels)), clip


def manifest(folder):
    """The clips recorded, in the manifest file and its journal, as the next run reads them."""
    return Manifest.load(folder, folder.name, Console()).clips


def test_parallel_workers_render_every_clip_and_record_it(tmp_path, olivetti_home):
    result = invoke(str(write_scene(tmp_path, MANY)), "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "many"
    clips = [f"face-{k}" for k in range(6)]
    decodes(folder, clips)
    recorded = manifest(folder)
    assert sorted(recorded) == clips
    entry = recorded["face-3"]
    count = len(paced(20))
    assert entry["input"] == "kept face 3" and entry["frames"] == count and entry["duration_s"] == count / 25
    assert {"face-3.mp4", "face-3.gif", "face-3-readout.csv"} <= set(entry["files"])
    assert entry["files"]["face-3.mp4"]["bytes"] == (folder / "face-3.mp4").stat().st_size
    assert "summary: 6 rendered, 0 skipped (up to date), 0 failed" in result.stderr


def test_a_rerun_skips_what_is_up_to_date_and_redoes_what_changed_or_broke(tmp_path, olivetti_home):
    scene = write_scene(tmp_path, MANY)
    assert invoke(str(scene)).exit_code == 0
    folder = tmp_path / "out" / "many"
    (folder / "face-1.gif").unlink()  # missing
    (folder / "face-2.mp4").write_bytes(b"damaged")  # damaged
    before = (folder / "face-4.mp4").stat().st_mtime_ns
    again = invoke(str(scene))
    assert again.exit_code == 0, again.stderr
    assert "summary: 2 rendered, 4 skipped (up to date), 0 failed" in again.stderr
    assert (folder / "face-4.mp4").stat().st_mtime_ns == before, "an up-to-date clip is not touched"
    decodes(folder, [f"face-{k}" for k in range(6)])
    changed = invoke(str(write_scene(tmp_path, MANY.replace("levels: 20", "levels: 21"))))
    assert "summary: 6 rendered, 0 skipped" in changed.stderr, "a changed setting redoes every clip"
    forced = invoke(str(scene), "--force")
    assert "summary: 6 rendered, 0 skipped" in forced.stderr


def test_a_failing_clip_does_not_stop_the_others(tmp_path, olivetti_home):
    scene = write_scene(tmp_path, MANY)
    (tmp_path / "out" / "many" / "face-2.mp4" / "something").mkdir(parents=True)  # a folder where a video goes
    result = invoke(str(scene), "--jobs", "2")
    assert result.exit_code == ExitCode.OUTPUT
    assert "summary: 5 rendered, 0 skipped (up to date), 1 failed" in result.stderr
    assert "failed: many: face-2:" in result.stderr
    decodes(tmp_path / "out" / "many", [f"face-{k}" for k in (0, 1, 3, 4, 5)])
    assert "face-2" not in manifest(tmp_path / "out" / "many")


def test_a_killed_batch_finishes_on_the_next_run_without_redoing_finished_clips(tmp_path, olivetti_home):
    inputs = ", ".join(f"{{face: {k}}}" for k in range(16))
    scene = write_scene(tmp_path, f"name: many\ninputs: [{inputs}]\nmorph: {{levels: 100}}\n"
                                  f"output: {{dir: out, size: 192, formats: [mp4, gif]}}\n")
    env = dict(os.environ)  # the session's cache: the basis is there, the clips are what is timed
    command = [sys.executable, "-m", "render", str(scene), "--jobs", "2"]
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = tmp_path / "out" / "many"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(manifest(folder)) >= 2:
            break
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(0.5)  # the workers die with their parent
    finished = manifest(folder)
    assert 2 <= len(finished) < 16
    stamps = {clip: (folder / f"{clip}.mp4").stat().st_mtime_ns for clip in finished}
    for path in folder.glob("*.mp4"):  # nothing half-written under a final name
        mp4_frames(path)
    again = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{len(finished)} skipped (up to date)" in again.stderr
    assert stamps == {clip: (folder / f"{clip}.mp4").stat().st_mtime_ns for clip in finished}
    decodes(folder, [f"face-{k}" for k in range(16)], levels=100)
    assert not list(tmp_path.joinpath("out").glob(".many.partial-*"))


def test_a_folder_of_scenes(tmp_path, olivetti_home):
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    for name in ("one", "two"):
        write_scene(scenes, f"name: {name}\nmorph: {{levels: 3}}\noutput: {{dir: ../out, size: 64, formats: [gif]}}\n",
                    f"{name}.yaml")
    result = invoke(str(scenes))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "one" / "face-0.gif").exists() and (tmp_path / "out" / "two" / "face-0.gif").exists()


def test_the_dask_executor_on_a_local_cluster(tmp_path, olivetti_home):
    distributed = pytest.importorskip("distributed", reason="pip install 'happy-faces[dask]'")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = invoke(str(write_scene(tmp_path, MANY)), "--executor", cluster.scheduler_address.replace("tcp://", "dask://"))
    assert result.exit_code == 0, result.stderr
    decodes(tmp_path / "out" / "many", [f"face-{k}" for k in range(6)])
    assert len(manifest(tmp_path / "out" / "many")) == 6


def test_an_unreachable_dask_scheduler(tmp_path, olivetti_home):
    pytest.importorskip("distributed")
    result = invoke(str(write_scene(tmp_path, MANY)), "--executor", "dask://127.0.0.1:9")
    assert result.exit_code == ExitCode.EXECUTOR  # its own kind, not "the output folder cannot be written"
    assert "no Dask scheduler answered" in result.stderr


@pytest.mark.parametrize("spec", ["bogus://x", "http://127.0.0.1:8786", "dask:/host", "dask://", "tcp://host:1"])
def test_an_executor_that_is_neither_local_nor_dask_is_refused(tmp_path, spec):
    result = invoke(str(write_scene(tmp_path, MANY)), "--executor", spec)
    assert result.exit_code == ExitCode.USAGE, result.output
    said = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())  # typer's error box, unwrapped
    assert "neither 'local' nor dask://host:port" in said, said
    assert not (tmp_path / "out").exists()  # refused before anything ran


def test_the_grid_layout_tiles_every_face_as_its_own_clip_would_look(tmp_path, olivetti_home):
    from mediafiles import png

    grid = write_scene(tmp_path, "name: sheet\ninputs: [{face: all}]\nlayout: {grid: {rows: 3, cols: 4, gap: 2}}\n"
                                 "morph: {levels: 6}\noutput: {dir: out, size: 202, formats: [mp4, gif, frames]}\n", "grid.yaml")
    tile = (202 - 3 * 2) // 4  # 49
    clips = write_scene(tmp_path, "name: tiles\ninputs: [{face: 0}, {face: 5}, {face: 11}]\nmorph: {levels: 6}\n"
                                  f"output: {{dir: out, size: {tile}, formats: [frames]}}\n", "tiles.yaml")
    for scene in (grid, clips):
        result = invoke(str(scene))
        assert result.exit_code == 0, result.stderr
    sheet = png(tmp_path / "out" / "sheet" / "frames" / "grid" / "0005.png")
    assert sheet.shape == (202, 202)  # the frame itself, the sheet centred on it
    top = (202 - (3 * tile + 2 * 2)) // 2
    assert (sheet[:top] == 0).all() and (sheet[top + 3 * tile + 4:] == 0).all()
    for k in (0, 5, 11):
        r, c = divmod(k, 4)
        y, x = top + r * (tile + 2), c * (tile + 2)
        expected = png(tmp_path / "out" / "tiles" / "frames" / f"face-{k}" / "0005.png")
        assert (sheet[y : y + tile, x : x + tile] == expected).all(), k
    assert (sheet[:, tile : tile + 2] == 0).all(), "the gap is background"
    _, video = mp4_frames(tmp_path / "out" / "sheet" / "grid.mp4")
    assert len(video) == len(paced(6)) and video.shape[1:] == sheet.shape
    assert "grid" in manifest(tmp_path / "out" / "sheet")


def test_layouts_are_held_to_their_preset_on_the_film_they_make(tmp_path, olivetti_home):
    strip = write_scene(tmp_path, "name: strip\ninputs: [{face: all}]\nlayout: {grid: {rows: 1, cols: 64, gap: 4}}\n"
                                  "morph: {levels: 4}\noutput: {dir: out, preset: x, formats: [mp4]}\n", "strip.yaml")
    result = invoke(str(strip))
    assert result.exit_code == ExitCode.SCENE, result.stderr
    assert "layout: 1x64 faces with a gap of 4 px leave less than 8 px a face on a 720x720 frame" in result.stderr
    long = write_scene(tmp_path, "name: long\ninputs: [{face: all}]\nlayout: playlist\n"
                                 "morph: {levels: 30}\noutput: {dir: out, preset: x, size: 64, frame: [64, 64], formats: [mp4]}\n",
                       "long.yaml")
    result = invoke(str(long))
    assert result.exit_code == ExitCode.SCENE, result.stderr
    assert "output.preset: the film 'playlist' would be" in result.stderr and "x takes 0.5 to 140 s" in result.stderr
    assert not list((tmp_path / "out").rglob("*.mp4"))


def test_the_playlist_strings_people_with_crossfades_into_one_loop(tmp_path, olivetti_home):
    from mediafiles import png

    loop = write_scene(tmp_path, "name: loop\ninputs: [{face: 0}, {face: 1}, {face: 2}]\nlayout: {playlist: {crossfade: 4}}\n"
                                 "morph: {levels: 8}\noutput: {dir: out, size: 64, formats: [mp4, gif, frames]}\n", "loop.yaml")
    clips = write_scene(tmp_path, "name: each\ninputs: [{face: 0}, {face: 1}, {face: 2}]\nmorph: {levels: 8}\n"
                                  "output: {dir: out, size: 64, formats: [frames]}\n", "each.yaml")
    for scene in (loop, clips):
        result = invoke(str(scene))
        assert result.exit_code == 0, result.stderr
        if scene == loop:  # one film: its rate said as time a film, never "0.0 clips/s"
            assert re.search(r"summary: 1 rendered, .* in [\d.]+ s.*, (?:[\d.]+ s a film|[\d.]+ films/s)", result.stderr)
            assert "0.0 " not in result.stderr.split("summary:")[1]
    frames = sorted((tmp_path / "out" / "loop" / "frames" / "playlist").glob("*.png"))
    assert len(frames) == 3 * (8 + 4)
    each = tmp_path / "out" / "each" / "frames"
    for person in range(3):
        for step in (0, 7):
            assert (png(frames[person * 12 + step]) == png(each / f"face-{person}" / f"{step:04d}.png")).all()
    fade = [png(f).astype(float) for f in frames[8:12]]  # face-0 (back at their own face: pingpong) into face-1
    start, end = png(each / "face-0" / "0000.png").astype(float), png(each / "face-1" / "0000.png").astype(float)
    distances = [np.abs(f - end).mean() for f in fade]
    assert all(b < a for a, b in zip(distances, distances[1:])) and np.abs(fade[0] - start).mean() < distances[0]
    _, video = mp4_frames(tmp_path / "out" / "loop" / "playlist.mp4")
    gif, _, loop_count = gif_frames(tmp_path / "out" / "loop" / "playlist.gif")
    assert len(video) == len(gif) == len(paced(8, passages=3, fade=4)) and loop_count == 0


def test_layouts_refuse_what_is_made_per_face(tmp_path):
    from render.errors import SceneError
    from render.scene import load_scene

    path = write_scene(tmp_path, "name: x\nlayout: grid\noutput: {formats: [mp4, html]}\n")
    with pytest.raises(SceneError, match=r"scene.yaml:2: layout: a grid or a playlist is one film of many faces"):
        load_scene(path)


class _Sleeper:
    """A job that takes a moment (through the same protocol as clips and layouts)."""

    def __init__(self, n: int) -> None:
        self.label = f"job {n}"

    def __call__(self):
        time.sleep(0.05)
        return None


def test_a_job_no_longer_wanted_is_not_started_and_is_reported_done():
    from concurrent.futures import ThreadPoolExecutor

    from render.run.batch import Workers, run_jobs

    started, reported, failed = [], [], set()

    def done(job, result, error):
        reported.append((job.label, result, error))
        failed.add("film")  # the first to finish fails its film: the rest of its parts are not wanted

    with ThreadPoolExecutor(max_workers=2) as executor:
        run_jobs([_Sleeper(n) for n in range(6)], Workers(executor, 2), lambda job: started.append(job.label), done,
                 lambda job: "film" not in failed)
    assert started == ["job 0", "job 1"]  # the two handed over before the failure
    assert sorted(label for label, _, _ in reported) == [f"job {n}" for n in range(6)]  # each reported once
    assert all(result is None and error is None for label, result, error in reported if label not in started)


def test_running_means_running_and_nothing_waits_in_a_queue():
    from concurrent.futures import ThreadPoolExecutor

    from render.run.batch import Workers, run_jobs

    live, most, finished = set(), 0, []

    def running(job):
        nonlocal most
        live.add(job.label)
        most = max(most, len(live))

    def done(job, result, error):
        assert error is None
        live.discard(job.label)
        finished.append(job.label)

    with ThreadPoolExecutor(max_workers=2) as executor:
        run_jobs([_Sleeper(n) for n in range(9)], Workers(executor, 2), running, done)
    assert most == 2 and len(finished) == 9 and not live


class _Surroundings:
    """A job that says how the process running it composes: OpenCV's threads, and whether what the
    process held before its jobs is kept out of the garbage collector's passes."""

    label = "surroundings"

    def __call__(self):
        import gc

        import cv2

        return cv2.getNumThreads(), gc.get_freeze_count() > 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_jobs_run_with_the_loaded_state_frozen_and_a_pool_s_workers_on_one_core_each(jobs):
    import gc

    from render.run.batch import executor_for, submit

    assert gc.get_freeze_count() == 0
    with executor_for(None, jobs) as pool:
        threads, frozen = submit(pool.executor, _Surroundings()).result()
    assert frozen  # the modules, the scenes and the bases are never garbage: no full pass walks them
    if jobs > 1:
        assert threads == 1  # a worker a core: OpenCV's own threads would only fight the other workers
    assert gc.get_freeze_count() == 0  # given back once the jobs are done (a --watch loop renders again)


def test_counts_add_up_when_inputs_fail(tmp_path, olivetti_home):
    from PIL import Image

    wall = tmp_path / "wall.jpg"
    Image.fromarray((np.random.default_rng(0).random((300, 400)) * 255).astype(np.uint8)).save(wall)
    scene = write_scene(tmp_path, f"name: mixed\ninputs: [{{face: 0}}, {{face: 1}}, {{image: {wall}}}]\n"
                                  "morph: {levels: 5}\noutput: {dir: out, size: 64, formats: [mp4]}\n")
    result = invoke(str(scene), "--jobs", "2")
    assert result.exit_code == ExitCode.INPUT
    counts = re.findall(r"\((\d+)/(\d+)\)", result.stderr)
    assert counts and all(int(n) <= int(total) == 3 for n, total in counts), result.stderr
    assert re.search(r"summary: 2 rendered, 0 skipped \(up to date\), 1 failed in [\d.]+ s(?: \([\d.]+ s of it reading the scenes, the model and the basis\))?, (?:[\d.]+ films/s|[\d.]+ s a film); "
                     r"files in .*mixed", result.stderr), result.stderr


def test_a_gif_beyond_its_preset_s_limits_is_refused_before_a_frame(tmp_path, olivetti_home):
    from render.scene.presets import gif_problem

    scene = write_scene(tmp_path, "name: long\nmorph: {levels: 400}\noutput: {dir: out, preset: x, formats: [gif]}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.SCENE, result.stderr
    frames = len(paced(400, 30))  # forward, held, back
    assert f"output.preset: the film 'face-0' would be {frames} frames; x takes GIFs of at most 350" in result.stderr
    assert not (tmp_path / "out" / "long" / "face-0.gif").exists()
    assert "15 MB" in gif_problem("x", 350, (480, 480), 16 << 20) and gif_problem("x", 350, (480, 480), 15 << 20) is None
    assert gif_problem(None, 10_000, (4096, 4096), 1 << 40) is None


@pytest.mark.parametrize("change", ["serve.max_upload_mb=3", "serve.keep=photos", "publish.jobs=2", "filter.device=cpu"])
def test_keys_that_shape_no_film_render_nothing_again(tmp_path, olivetti_home, change):
    """The kiosk's limits, publishing and the model's device make no film different: changing one
    leaves every clip up to date."""
    scene = write_scene(tmp_path, "name: same\ninputs: [{face: 0}, {face: 1}]\nmorph: {levels: 4}\n"
                                  "output: {dir: out, size: 32, formats: [gif]}\n")
    assert invoke(str(scene)).exit_code == 0
    again = invoke(str(scene), "--set", change)
    assert again.exit_code == 0, again.stderr
    assert "summary: 0 rendered, 2 skipped (up to date), 0 failed" in again.stderr, again.stderr
