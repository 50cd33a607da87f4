"""A real Dask cluster whose workers share no disk with the client: a ``dask scheduler`` and ``dask
worker`` processes, each worker with an empty tmpfs over the scene's folder, the photos, the
soundtrack and the cache (tests/run/cluster.py). The films must arrive at the client whole, byte for
byte those of a local render, drawn by the worker's process."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading

import pytest

from cluster import cluster
from conftest import REPO, invoke, wait_for, write_scene
from render.errors import ExitCode
from test_batch import manifest

pytestmark = pytest.mark.slow

SCENE = ("name: away\ninputs: [{{face: 0}}, {{face: 7}}, {{image: {photo}}}]\nmorph: {{levels: 12}}\n"
         "output: {{dir: {out}, size: 96, formats: [mp4, webm, gif, frames, readout, stills], audio: tone.wav}}\n")
REEL = ("name: reel\ninputs: [{}]\nlayout: playlist\nmorph: {{levels: 20}}\n"
        "output: {{dir: out, size: 64, formats: [mp4, gif, frames], audio: tone.wav}}\n"
        .format(", ".join(f"{{face: {k}}}" for k in range(12))))
GRID = ("name: wall\ninputs: [{face: 0}, {face: 1}, {face: 2}, {face: 3}]\nlayout: grid\nmorph: {levels: 6}\n"
        "output: {dir: out, size: 64, formats: [mp4, gif]}\n")


def films(folder):
    """Every file a render wrote under ``folder`` (its scenes' folders), by relative path, but the
    manifests (they record when)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in {"manifest.json", "manifest.journal"}}


@pytest.fixture
def scenes(tmp_path, photos):
    """The scene folder (a clip scene with a photo and a soundtrack, a grid, and a playlist long enough to
    be made in parts), with what they read."""
    folder = tmp_path / "scenes"
    folder.mkdir()
    shutil.copy(photos / "obama.jpg", folder / "portrait.jpg")
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=1.7",
                    "-ac", "1", str(folder / "tone.wav")], check=True)
    write_scene(folder, SCENE.format(photo="portrait.jpg", out="out"), "away.yaml")
    write_scene(folder, GRID, "wall.yaml")
    write_scene(folder, REEL, "reel.yaml")  # long enough to be made in parts, each sent to a worker
    return folder


def test_a_worker_with_no_share_of_the_disk_sends_the_films_back_whole(tmp_path, scenes, olivetti_home,
                                                                       isolated_cache):
    with cluster(tmp_path, [scenes, isolated_cache]) as running:
        (pid,) = running.pids().values()
        result = invoke(str(scenes), "--executor", running.address, "--verbose")
    assert result.exit_code == 0, result.stderr + running.said()[-2000:]
    assert "5 rendered, 0 skipped (up to date), 0 failed" in result.stderr
    assert "reel: playlist [part 5/5]: done" in result.stderr
    # The worker's own process drew every film, and sent it here.
    drawn = re.findall(r"files from \S+:(\d+):", result.stderr)
    assert drawn and {int(p) for p in drawn} == {pid} and len(drawn) == 4, result.stderr
    remote = films(scenes / "out")
    for scene in ("away", "wall", "reel"):
        listed = manifest(scenes / "out" / scene)
        assert listed and all(f"{scene}/{name}" in remote for entry in listed.values() for name in entry["files"])
    assert {"away/face-0.mp4", "away/face-7.webm", "away/portrait.gif", "away/crops/portrait.png",
            "wall/grid.mp4", "reel/playlist.mp4", "reel/playlist.gif", "reel/frames/playlist/0539.png"} <= set(remote), \
        sorted(remote)

    # The same scenes rendered here, one film at a time: the same bytes, file for file.
    shutil.move(scenes / "out", tmp_path / "remote")
    result = invoke(str(scenes))
    assert result.exit_code == 0, result.stderr
    assert films(scenes / "out") == remote
    assert not list(scenes.rglob(".*partial*"))


def test_a_worker_of_another_version_is_refused_before_any_film(tmp_path, scenes, olivetti_home, isolated_cache):
    other = tmp_path / "other"
    shutil.copytree(REPO / "render", other / "render", ignore=shutil.ignore_patterns("__pycache__"))
    init = other / "render" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "0.0.1-'))
    with cluster(tmp_path, [scenes, isolated_cache], version=other) as running:
        result = invoke(str(scenes / "wall.yaml"), "--executor", running.address)
    assert result.exit_code == ExitCode.EXECUTOR
    (line,) = [line for line in result.stderr.splitlines() if "error" in line]
    from render import __version__

    assert f"runs happy-faces 0.0.1-{__version__}, this machine {__version__}" in line
    assert "install the same version on every worker" in line
    assert not (scenes / "out" / "wall" / "grid.mp4").exists()


LONG = ("name: long\ninputs: [{}]\nmorph: {{levels: 100}}\noutput: {{dir: out, size: 256, formats: [mp4, gif]}}\n"
        .format(", ".join(f"{{face: {k}}}" for k in range(8))))


def rendering(scene, address):
    """``render`` in its own process (as a person runs it), its stderr gathered line by line."""
    process = subprocess.Popen([sys.executable, "-m", "render", str(scene), "--executor", address],
                               stderr=subprocess.PIPE, text=True, cwd=scene.parent)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()
    return process, lines


def long_scene(tmp_path):
    """A scene folder with the scene of 8 films long enough to be caught in flight, and the scene."""
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    return scenes, write_scene(scenes, LONG)


def finishing(lines, count):
    """Wait until ``count`` films of the render are done."""
    wait_for(lambda: sum("done" in line for line in lines) >= count, 120, f"{count} films done")


def films_done(lines):
    return {found[1] for found in (re.search(r"long: (face-\d+): done", line) for line in lines) if found}


def kept(folder):
    """The films the manifest records, each of whose files is where it says (checked by sha256)."""
    from render.hashing import sha256_file

    clips = manifest(folder)
    for entry in clips.values():
        for name, facts in entry["files"].items():
            assert sha256_file(folder / name) == facts["sha256"], name
    return set(clips)


def test_the_scheduler_gone_mid_run_keeps_and_records_the_finished_films(tmp_path, olivetti_home, isolated_cache):
    scenes, scene = long_scene(tmp_path)
    with cluster(tmp_path, [scenes, isolated_cache]) as running:
        process, lines = rendering(scene, running.address)
        finishing(lines, 2)
        os.killpg(running.scheduler.pid, signal.SIGKILL)
        code = process.wait(120)
    said = "".join(lines)
    assert code == ExitCode.EXECUTOR, said
    assert "Traceback" not in said and "distributed" not in said, said
    (line,) = [line for line in lines if "scheduler stopped answering" in line and "error" in line]
    done = films_done(lines)
    left = re.search(r"(\d) of 8 jobs \(a film each, or a part of a long film\) were not done; the films finished "
                     r"are kept and recorded", line)
    assert left and int(left[1]) == 8 - len(done), line
    assert len(done) >= 2 and kept(scenes / "out" / "long") == done
    # The counts add up: the films not done are the run's failures, each named.
    assert f"{len(done)} rendered, 0 skipped (up to date), {8 - len(done)} failed" in said, said
    assert said.count("not rendered: the Dask scheduler stopped answering") == 8 - len(done)
    assert not list(scenes.rglob(".*partial*"))


def test_a_scheduler_back_within_the_reconnect_window_goes_on_and_names_what_it_dropped(tmp_path, olivetti_home,
                                                                                       isolated_cache):
    scenes, scene = long_scene(tmp_path)
    with cluster(tmp_path, [scenes, isolated_cache]) as running:
        process, lines = rendering(scene, running.address)
        finishing(lines, 2)
        os.killpg(running.scheduler.pid, signal.SIGKILL)  # its worker ends with it (the nanny closes)
        running.start_scheduler()  # back on the same port within the client's 10 s of reconnecting
        running.add_worker()
        code = process.wait(180)
    said = "".join(lines)
    done = films_done(lines)
    dropped = re.findall(r"failed: long: (face-\d+): the executor dropped it before it was done", said)
    # The film in flight when the scheduler went is named as dropped; the others rendered after it came back.
    assert code == ExitCode.EXECUTOR, said
    assert dropped and len(done) + len(dropped) == 8 and not set(dropped) & done, said
    assert f"{len(done)} rendered, 0 skipped (up to date), {len(dropped)} failed" in said, said
    assert kept(scenes / "out" / "long") == done and "Traceback" not in said


def test_a_worker_killed_mid_film_is_replaced_and_every_film_arrives(tmp_path, olivetti_home, isolated_cache):
    scenes, scene = long_scene(tmp_path)
    with cluster(tmp_path, [scenes, isolated_cache], workers=2) as running:
        victim = min(running.pids().values())
        process, lines = rendering(scene, running.address)
        finishing(lines, 1)
        os.kill(victim, signal.SIGKILL)  # both workers are busy all along: this one dies in a film
        code = process.wait(300)
        log = running.said()
    said = "".join(lines)
    assert code == 0, said + log[-3000:]
    assert f"Worker process {victim} was killed by signal 9" in log
    assert "8 rendered, 0 skipped (up to date), 0 failed" in said
    assert kept(scenes / "out" / "long") == {f"face-{k}" for k in range(8)}


def test_ctrl_c_cancels_the_films_sent_and_keeps_those_finished(tmp_path, olivetti_home, isolated_cache):
    scenes, scene = long_scene(tmp_path)
    with cluster(tmp_path, [scenes, isolated_cache]) as running:
        process, lines = rendering(scene, running.address)
        finishing(lines, 1)
        process.send_signal(signal.SIGINT)
        code = process.wait(60)
        wait_for(lambda: "Scheduler cancels key _run-" in running.said(), 30, "the scheduler to cancel the film in flight")
    said = "".join(lines)
    assert code == ExitCode.INTERRUPTED, said
    assert "Traceback" not in said, said
    done = films_done(lines)
    assert done and kept(scenes / "out" / "long") == done
    assert len(done) < 8 and not list(scenes.rglob(".*partial*"))


def test_a_worker_with_other_code_of_the_same_version_is_refused(tmp_path, scenes, olivetti_home, isolated_cache):
    other = tmp_path / "other"
    shutil.copytree(REPO / "render", other / "render", ignore=shutil.ignore_patterns("__pycache__"))
    ease = other / "render" / "ground" / "easing.py"
    ease.write_text(ease.read_text() + "\n# a local change\n")
    with cluster(tmp_path, [scenes, isolated_cache], version=other) as running:
        result = invoke(str(scenes / "wall.yaml"), "--executor", running.address)
    assert result.exit_code == ExitCode.EXECUTOR
    (line,) = [line for line in result.stderr.splitlines() if "error" in line]
    from render import __version__

    assert re.search(rf"runs happy-faces {re.escape(__version__)} \(code [0-9a-f]{{12}}\), this machine "
                     rf"{re.escape(__version__)} \(code [0-9a-f]{{12}}\)", line), line
    assert not (scenes / "out" / "wall" / "grid.mp4").exists()
