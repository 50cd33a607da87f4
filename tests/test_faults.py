"""Faults: kill -9 and Ctrl-C in the middle of a render, two renders of one scene at once, a full
disk, links that lead out of the output folder, unsafe models, and any scene document at all."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, invoke, write_scene
from mediafiles import gif_frames, mp4_frames, png
from render.cache import Cache
from render.errors import ExitCode, SceneError
from render.scene import Scene, load_scene

LONG = ("name: long\nmorph: {levels: 400}\noutput: {dir: out, size: 256, formats: [mp4, gif, frames], loop: once, "
        "hold_start: 0, hold_end: 0}\n")


def start(scene, cache):
    env = {**os.environ, "HAPPY_FACES_CACHE": str(cache)}
    return subprocess.Popen([sys.executable, "-m", "render", str(scene)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_frames(folder, count, process, timeout=60):
    """Until a staging folder of ``folder`` holds ``count`` PNG frames."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for staging in folder.glob(".long.partial-*"):
            if len(list(staging.glob("frames/face-0/*.png"))) >= count:
                return staging
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the render never got going")


def assert_complete(folder, levels=400):
    _, video = mp4_frames(folder / "face-0.mp4")
    frames, _, loop = gif_frames(folder / "face-0.gif")
    assert len(video) == levels and len(frames) == levels and loop == 0
    pngs = sorted((folder / "frames" / "face-0").glob("*.png"))
    assert len(pngs) == levels and png(pngs[-1]).shape == (256, 256)


@pytest.fixture
def warm(tmp_path, olivetti_home):
    """A cache already holding the dataset, scores and basis, so the renders below start at once."""
    cache = tmp_path / "cache"
    result = invoke(str(write_scene(tmp_path, "name: warm\nmorph: {levels: 400}\noutput: {dir: warmup, size: 16, formats: [frames]}\n", "warm.yaml")),
                    "--cache-dir", str(cache))
    assert result.exit_code == 0, result.stderr
    return cache


@pytest.mark.slow
def test_kill_9_in_the_middle_leaves_nothing_final_and_the_next_render_completes(tmp_path, warm):
    scene = write_scene(tmp_path, LONG)
    process = start(scene, warm)
    wait_for_frames(tmp_path / "out", 40, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not list((tmp_path / "out" / "long").glob("face-0*")), "no clip file under a final name"
    assert not (tmp_path / "out" / "long" / "frames").exists()
    assert list((tmp_path / "out").glob(".long.partial-*")), "the killed render's staging is still there"
    again = start(scene, warm)
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert not list((tmp_path / "out").glob(".long.partial-*")), "the next render swept it away"
    assert_complete(tmp_path / "out" / "long")


@pytest.mark.slow
def test_ctrl_c_stops_cleanly(tmp_path, warm):
    scene = write_scene(tmp_path, LONG)
    process = start(scene, warm)
    wait_for_frames(tmp_path / "out", 40, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == ExitCode.INTERRUPTED
    assert "render: interrupted; what was finished is kept and recorded, nothing half-done is left" in stderr
    assert "Traceback" not in stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["long"], "no staging folder left"
    assert sorted(p.name for p in (tmp_path / "out" / "long").iterdir()) == ["emotions.csv"], "no clip file"


@pytest.mark.slow
def test_two_renders_of_one_scene_at_once_both_finish_whole(tmp_path, warm):
    scene = write_scene(tmp_path, LONG.replace("levels: 400", "levels: 120"))
    first, second = start(scene, warm), start(scene, warm)
    for process in (first, second):
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    assert_complete(tmp_path / "out" / "long", levels=120)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["long"]
    assert not [p for p in (tmp_path / "out" / "long").rglob(".*")]


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.slow
def test_a_full_disk_while_writing_frames(tmp_path, warm, monkeypatch):
    from PIL import Image

    monkeypatch.setattr(Image.Image, "save", full_disk)
    scene = write_scene(tmp_path, "name: full\nmorph: {levels: 5}\noutput: {dir: out, size: 64, formats: [frames]}\n")
    result = invoke(str(scene), "--cache-dir", str(warm))
    assert result.exit_code == ExitCode.OUTPUT  # the disk's doing, named by the folder it could not fill
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert f"{tmp_path / 'out' / 'full'}: cannot write the outputs (No space left on device)" in line
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["full"], "no staging folder left"
    assert sorted(p.name for p in (tmp_path / "out" / "full").iterdir()) == ["emotions.csv"], "nothing of the clip"


@pytest.mark.slow
def test_a_full_disk_while_filling_the_cache(tmp_path, olivetti_home, monkeypatch):
    monkeypatch.setattr(np, "savez", full_disk)
    scene = write_scene(tmp_path, "name: full\noutput: {dir: out, size: 64, formats: [frames]}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == ExitCode.OUTPUT
    assert "cannot write the cache (No space left on device)" in result.stderr
    assert not [p for p in (tmp_path / "cache").iterdir()], "no temporary file left in the cache"
    assert not (tmp_path / "out").exists()


def test_a_scene_folder_that_is_a_link_out_of_the_output_folder(tmp_path, olivetti_home):
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "linked").symlink_to(tmp_path / "elsewhere")
    scene = write_scene(tmp_path, "name: linked\nmorph: {levels: 3}\noutput: {dir: out, size: 64, formats: [frames]}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.OUTPUT
    assert "is a symbolic link, which would take the outputs out of" in result.stderr
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.slow
def test_models_load_in_safe_mode(tmp_path, olivetti_home):
    """A .keras file whose Lambda layer carries Python code is refused, not run."""
    import keras

    inputs = keras.Input((64, 64, 1))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Lambda(lambda t: t * 2.0)(x)
    keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(x)).save(tmp_path / "lambda.keras")
    scene = write_scene(tmp_path, "name: unsafe\nfilter: {model: lambda.keras}\noutput: {dir: out, size: 64, formats: [frames]}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == ExitCode.MODEL
    assert "lambda.keras: not a loadable Keras model" in result.stderr and "safe" in result.stderr.lower()


# --- any document at all ---------------------------------------------------------------------------

leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                 st.text(max_size=12), st.sampled_from(["happy", "olivetti", "all", "largest", "mp4", "x"]))
keys = st.sampled_from(["name", "dataset", "filter", "basis", "inputs", "morph", "output", "overlay", "emotion",
                        "levels", "padding", "size", "fps", "formats", "face", "image", "folder", "preset",
                        "frame", "gif", "components", "min_probability", "readout", "colour"])
documents = st.recursive(leaf, lambda children: st.one_of(st.lists(children, max_size=4),
                                                          st.dictionaries(keys, children, max_size=5)), max_leaves=20)
scenes = st.fixed_dictionaries({"name": st.sampled_from(["ok", "a b", "", "../x"])},
                               optional={k: documents for k in ("filter", "basis", "inputs", "morph", "output", "overlay")})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.one_of(documents, scenes))
def test_the_loader_returns_a_scene_or_its_own_error(tmp_path, document):
    import yaml

    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    try:
        scene = load_scene(path)
    except SceneError as error:
        message = str(error)
        # One line per problem, each naming the file (a scene with several problems has several).
        assert message and all(line.startswith(f"{path}:") for line in message.splitlines()), message
    else:
        assert isinstance(scene, Scene)


@pytest.mark.slow
def test_kill_9_while_the_cache_is_being_filled(tmp_path, olivetti_home):
    scene = write_scene(tmp_path, "name: cold\nmorph: {levels: 5}\noutput: {dir: out, size: 64, formats: [frames, readout]}\n")
    cache = tmp_path / "cache"
    process = start(scene, cache)
    deadline = time.monotonic() + 60
    while not list(cache.glob("dataset-*.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)  # the model is loading: its scores are not stored yet
    process.wait()
    (cache / ".scores-deadbeef.npz.1234.tmp").write_bytes(b"half an entry")  # as a kill mid-write leaves
    again = start(scene, cache)
    _, stderr = again.communicate(timeout=180)
    assert again.returncode == 0, stderr
    kinds = sorted(entry.kind for entry in Cache(cache).entries())
    assert kinds == ["basis", "dataset", "readout", "scores"]
    assert len(list((tmp_path / "out" / "cold" / "frames" / "face-0").glob("*.png"))) == 5


def test_no_shell_is_ever_started():
    """ffmpeg and everything else get argument lists: no shell string anywhere in the package."""
    for path in (REPO / "render").rglob("*.py"):
        text = path.read_text()
        for needle in ("shell=True", "os.system(", "os.popen(", "commands.getoutput"):
            assert needle not in text, f"{path}: {needle}"


@pytest.mark.parametrize("command", [[], ["serve"], ["watch"], ["publish"]])
def test_an_unreadable_scene_file_is_one_line(tmp_path, command):
    """A scene the user may not read, through the real command line run without the right to read any
    file (root's DAC capabilities dropped with setpriv, as CI runs as root): one line naming it, exit 3."""
    import shutil

    path = write_scene(tmp_path, "name: locked\n")
    path.chmod(0)
    run = [sys.executable, "-m", "render", *command, str(path)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to drop root's right to read any file")
        run = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *run]
    result = subprocess.run(run, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == ExitCode.SCENE, result.stderr
    assert result.stderr.strip() == f"render: error: {path}: cannot be read (permission denied); check its permissions"
