"""A real Dask cluster whose workers share no disk with the client: a ``dask scheduler`` and ``dask
worker`` processes, each worker with an empty tmpfs over the scene's folder, the photos, the
soundtrack and the cache (tests/run/cluster.py). The films must arrive at the client whole, byte for
byte those of a local render, drawn by the worker's process."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from cluster import cluster
from conftest import REPO, invoke, write_scene
from render.errors import ExitCode
from test_batch import manifest

pytestmark = pytest.mark.slow

SCENE = ("name: away\ninputs: [{{face: 0}}, {{face: 7}}, {{image: {photo}}}]\nmorph: {{levels: 12}}\n"
         "output: {{dir: {out}, size: 96, formats: [mp4, webm, gif, frames, readout, stills], audio: tone.wav}}\n")
GRID = ("name: wall\ninputs: [{face: 0}, {face: 1}, {face: 2}, {face: 3}]\nlayout: grid\nmorph: {levels: 6}\n"
        "output: {dir: out, size: 64, formats: [mp4, gif]}\n")


def films(folder):
    """Every file a render wrote under ``folder`` (its scenes' folders), by relative path, but the
    manifests (they record when)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in {"manifest.json", "manifest.journal"}}


@pytest.fixture
def scenes(tmp_path, photos):
    """The scene folder (a clip scene with a photo and a soundtrack, and a grid), with what it reads."""
    folder = tmp_path / "scenes"
    folder.mkdir()
    shutil.copy(photos / "obama.jpg", folder / "portrait.jpg")
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=1.7",
                    "-ac", "1", str(folder / "tone.wav")], check=True)
    write_scene(folder, SCENE.format(photo="portrait.jpg", out="out"), "away.yaml")
    write_scene(folder, GRID, "wall.yaml")
    return folder


def test_a_worker_with_no_share_of_the_disk_sends_the_films_back_whole(tmp_path, scenes, olivetti_home,
                                                                       isolated_cache):
    with cluster(tmp_path, [scenes, isolated_cache]) as running:
        (pid,) = running.pids().values()
        result = invoke(str(scenes), "--executor", running.address, "--verbose")
    assert result.exit_code == 0, result.stderr + running.said()[-2000:]
    assert "4 rendered, 0 skipped (up to date), 0 failed" in result.stderr
    # The worker's own process drew every film, and sent it here.
    drawn = re.findall(r"files from \S+:(\d+):", result.stderr)
    assert drawn and {int(p) for p in drawn} == {pid} and len(drawn) == 4, result.stderr
    remote = films(scenes / "out")
    for scene in ("away", "wall"):
        listed = manifest(scenes / "out" / scene)
        assert listed and all(f"{scene}/{name}" in remote for entry in listed.values() for name in entry["files"])
    assert {"away/face-0.mp4", "away/face-7.webm", "away/portrait.gif", "away/crops/portrait.png",
            "wall/grid.mp4"} <= set(remote), sorted(remote)

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
