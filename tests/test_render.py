"""Whole renders through the CLI: the real model, the real PCA, the real encoders, files on disk."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.decomposition import PCA

from conftest import REPO, invoke, write_scene
from mediafiles import gif_frames, mp4_frames, paced, png
from render.learn.classifier import default_model_path
from render.errors import ExitCode
from render.scene import EMOTIONS

pytestmark = pytest.mark.slow

SMALL = """\
name: small
filter: {emotion: happy, min_probability: 0.6}
basis: {components: 3}
inputs: [{face: 0}, {face: 4}]
morph: {levels: 12, padding: 2, pad_value: 0.25, easing: linear}
output: {dir: out, formats: [mp4, gif, frames, stills], size: 68, fps: 25}
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory, olivetti_home):
    """The small scene rendered once; tests read what it left on disk."""
    folder = tmp_path_factory.mktemp("small")
    result = invoke(str(write_scene(folder, SMALL)))
    assert result.exit_code == 0, result.stderr
    return folder / "out" / "small", result


@pytest.fixture(scope="module")
def expected(faces):
    """Kept faces and reconstructions computed here, independently of the package's stages."""
    import keras

    model = keras.models.load_model(default_model_path(), compile=False)
    p = model.predict(((faces.images - 0.5) * 2.0)[..., None], verbose=0)
    happy = EMOTIONS.index("happy")
    kept = np.flatnonzero((p.argmax(axis=1) == happy) & (p[:, happy] >= 0.6))
    flat = faces.images[kept].reshape(len(kept), -1)
    pca = PCA(n_components=3, svd_solver="full").fit(flat)
    reconstructions = pca.inverse_transform(pca.transform(flat)).reshape(-1, 64, 64)
    return kept, faces.images[kept], reconstructions


def test_render_writes_every_format(small):
    folder, result = small
    assert result.exit_code == 0
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for clip in ("face-0", "face-4"):
        assert {f"{clip}.mp4", f"{clip}.gif", f"stills/{clip}-sequence.png"} <= names
        assert {f"frames/{clip}/{k:04d}.png" for k in range(12)} <= names
    assert {"emotions.csv", "stills/mean.png", "stills/component-1.png", "stills/component-3.png",
            "stills/kept-faces.png", "stills/reconstructions.png"} <= names
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "staging left behind"
    assert "the emotion model keeps" in result.stderr
    assert "cuInit" not in result.stderr and "absl" not in result.stderr, "TensorFlow chatter leaked"


def test_emotions_csv_keeps_exactly_the_argmax_faces(small, expected):
    folder, _ = small
    rows = list(csv.DictReader((folder / "emotions.csv").open()))
    assert len(rows) == 400
    assert [int(r["index"]) for r in rows if r["kept"] == "1"] == expected[0].tolist()


def test_last_frame_is_the_scikit_learn_reconstruction(small, expected):
    folder, _ = small
    _, kept_faces, reconstructions = expected
    for clip, face in (("face-0", 0), ("face-4", 4)):
        first = png(folder / "frames" / clip / "0000.png").astype(float) / 255
        last = png(folder / "frames" / clip / "0011.png").astype(float) / 255
        assert first.shape == last.shape == (68, 68)
        assert np.abs(first[2:-2, 2:-2] - kept_faces[face]).max() <= 2 / 255
        assert np.abs(last[2:-2, 2:-2] - np.clip(reconstructions[face], 0, 1)).max() <= 2 / 255
        for frame in (first, last):
            border = np.concatenate([frame[:2].ravel(), frame[-2:].ravel(), frame[:, :2].ravel(), frame[:, -2:].ravel()])
            assert np.all(border == 64 / 255), "padding must hold pad_value"


def test_frames_move_steadily_from_person_to_projection(small, expected):
    folder, _ = small
    _, kept_faces, reconstructions = expected
    distances = [
        np.abs(png(folder / "frames" / "face-0" / f"{k:04d}.png")[2:-2, 2:-2] / 255 - reconstructions[0]).mean()
        for k in range(12)
    ]
    assert all(b < a for a, b in zip(distances, distances[1:]))


def test_mp4_and_gif_decode_to_every_level(small):
    folder, _ = small
    meta, frames = mp4_frames(folder / "face-0.mp4")
    order = paced(12)  # forward, the projection held, back
    assert len(frames) == len(order) and meta["size"] == (68, 68) and meta["codec"] == "h264"
    gif, delays, loop = gif_frames(folder / "face-0.gif")
    assert loop == 0 and sum(delays) == len(order) * 40
    assert len(gif) == len(order)
    last = png(folder / "frames" / "face-0" / "0011.png")
    held = gif[list(order).index(11)].astype(int) - last
    assert np.abs(held).max() <= 9 and np.abs(held).mean() <= 3  # 32 gray levels, dithered: within a step


def test_same_scene_gives_the_same_files(small, tmp_path):
    folder, _ = small
    result = invoke(str(write_scene(tmp_path, SMALL)))
    assert result.exit_code == 0, result.stderr
    again = tmp_path / "out" / "small"
    for name in ("face-0.mp4", "face-0.gif", "frames/face-0/0006.png", "stills/mean.png", "emotions.csv"):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name


def test_default_scene_renders_from_the_console_script(tmp_path, olivetti_home):
    """The README's command: 50 levels, 512 px, MP4 + GIF + frames + stills."""
    render = [sys.executable, "-m", "render"]
    done = subprocess.run(
        [*render, str(REPO / "scenes" / "happy.yaml"), "--output-dir", str(tmp_path)],
        capture_output=True, text=True, env={**os.environ, "SCIKIT_LEARN_DATA": str(olivetti_home)},
    )
    assert done.returncode == 0, done.stderr
    assert all(line.startswith("render: ") for line in done.stderr.splitlines()), done.stderr
    folder = tmp_path / "happy"
    meta, frames = mp4_frames(folder / "face-0.mp4")
    count = len(paced(50))  # 50 levels forward, the projection held 1 s, back, the person held 0.5 s
    assert len(frames) == count and meta["size"] == (512, 512) and meta["duration"] == pytest.approx(count / 25)
    gif, delays, loop = gif_frames(folder / "face-0.gif")
    assert loop == 0 and sum(delays) == count * 40
    pngs = sorted((folder / "frames" / "face-0").glob("*.png"))
    assert len(pngs) == 50 and png(pngs[0]).shape == (512, 512)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ("inputs: [{face: 0}, {face: 4000}]",
         r"scene.yaml:\d+: inputs\[1\].face: face 4000 is past the end: the filter kept \d+ faces as 'happy', numbered 0 to \d+"),
        ("basis: {components: 300}",
         r"scene.yaml:\d+: basis.components: 300 components need at least 301 kept faces and the filter kept \d+; use at most \d+"),
        ("filter: {emotion: disgust, min_probability: 0.99}",
         r"scene.yaml:\d+: filter: the filter kept 0 face\(s\) as 'disgust' \(min_probability 0.99\); a basis needs at least 2"),
    ],
    ids=["face-past-end", "too-many-components", "too-few-kept"],
)
def test_scene_the_kept_faces_cannot_support_fails_cleanly(tmp_path, olivetti_home, changes, message):
    path = write_scene(tmp_path, f"name: bad\n{changes}\noutput: {{dir: out, size: 68}}\n")
    result = invoke(str(path))
    assert result.exit_code == ExitCode.INPUT
    errors = [line for line in result.stderr.splitlines() if line.startswith("render: error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert re.search(message, errors[0]), errors[0]
    assert not (tmp_path / "out").exists(), "nothing may be written for a failed scene"


def test_a_batch_goes_on_past_a_bad_scene_and_names_it(tmp_path, olivetti_home):
    bad = write_scene(tmp_path, "name: bad\nmorph: {levels: 1}\n", "bad.yaml")
    good = write_scene(tmp_path, "name: good\nmorph: {levels: 3}\noutput: {dir: out, size: 68, formats: [frames]}\n", "good.yaml")
    result = invoke(str(bad), str(good))
    assert result.exit_code == ExitCode.SCENE
    assert len(list((tmp_path / "out" / "good" / "frames" / "face-0").glob("*.png"))) == 3
    assert f"1 of 2 scenes failed: {bad}" in result.stderr


def test_scenes_that_fail_in_different_ways_have_their_own_exit_code(tmp_path, olivetti_home):
    bad_file = write_scene(tmp_path, "name: bad\nmorph: {levels: 1}\n", "a.yaml")
    bad_input = write_scene(tmp_path, "name: far\ninputs: [{face: 4000}]\noutput: {dir: out, size: 68}\n", "b.yaml")
    result = invoke(str(bad_file), str(bad_input))
    assert result.exit_code == ExitCode.MIXED != ExitCode.ERROR  # not "a bug"
    errors = [line for line in result.stderr.splitlines() if line.startswith("render: error: ")]
    assert len(errors) == 2 and "levels" in errors[0] and "past the end" in errors[1], result.stderr


def test_help_imports_none_of_the_heavy_libraries():
    probe = ("import sys; sys.argv = ['render', '--help']\n"
             "from render.cli import run\n"
             "try:\n    run()\nexcept SystemExit:\n    pass\n"
             # pydantic is not among them: typer parses every command's options through it, and
             # `render --help` is the help of a render (with its options), parsed as one.
             "heavy = {'numpy', 'tensorflow', 'keras', 'sklearn', 'cv2', 'PIL'} & set(sys.modules)\n"
             "print(sorted(heavy), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert "Usage: render SCENE.yaml" in done.stdout



HEAVY_PROBE = """\
import sys
from render.cli import run
sys.argv = ["render", *sys.argv[1:]]
try:
    run()
except SystemExit as done:
    code = done.code
heavy = sorted({"tensorflow", "keras", "sklearn", "scipy"} & set(sys.modules))
print(code, heavy)
"""


def test_a_warm_render_imports_neither_tensorflow_nor_scikit_learn(small, tmp_path, isolated_cache):
    folder, _ = small  # the fixture's render filled the session's cache
    scene = folder.parent.parent / "scene.yaml"
    done = subprocess.run(
        [sys.executable, "-c", HEAVY_PROBE, str(scene), "--output-dir", str(tmp_path), "--quiet"],
        capture_output=True, text=True, env={**os.environ, "HAPPY_FACES_CACHE": str(isolated_cache)},
    )
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr
    assert (tmp_path / "small" / "face-0.mp4").read_bytes() == (folder / "face-0.mp4").read_bytes()


def test_gpu_without_one_is_a_model_error(tmp_path, olivetti_home):
    path = write_scene(tmp_path, "name: gpu\noutput: {dir: out, size: 68}\n")
    result = invoke(str(path), "--device", "gpu", "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == ExitCode.MODEL
    assert "filter.device is 'gpu' but TensorFlow finds no GPU" in result.stderr
    assert not (tmp_path / "out").exists()


def test_auto_device_says_once_that_it_runs_on_the_cpu(tmp_path, olivetti_home):
    path = write_scene(tmp_path, "name: cpu\nfilter: {device: auto}\noutput: {dir: out, size: 68, formats: [frames]}\n")
    result = invoke(str(path), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("no GPU found; the emotion model runs on the CPU") == 1
    again = invoke(str(path), "--cache-dir", str(tmp_path / "cache"))
    assert "no GPU found" not in again.stderr and "(cached scores)" in again.stderr
    refreshed = invoke(str(path), "--cache-dir", str(tmp_path / "cache"), "--refresh")
    assert refreshed.exit_code == 0 and "(cached scores)" not in refreshed.stderr
    assert "no GPU found" in refreshed.stderr


def test_a_new_photo_with_no_readout_asked_for_never_loads_the_model(small, tmp_path, isolated_cache, photos):
    """The basis is cached; the photo is new (no readout of it is cached): with no output that uses
    the model's reading, TensorFlow is not imported at all."""
    folder, _ = small
    text = (folder.parent.parent / "scene.yaml").read_text()
    scene = write_scene(tmp_path, text.replace("inputs: [{face: 0}, {face: 4}]", f"inputs: [{{image: {photos / 'biden.jpg'}}}]"))
    assert "biden" in scene.read_text()
    done = subprocess.run(
        [sys.executable, "-c", HEAVY_PROBE, str(scene), "--output-dir", str(tmp_path / "o"), "--quiet"],
        capture_output=True, text=True, env={**os.environ, "HAPPY_FACES_CACHE": str(isolated_cache)},
    )
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr
    assert (tmp_path / "o" / "small" / "biden.mp4").is_file()
    assert not list((tmp_path / "o" / "small").glob("*-readout.*"))
    with_readout = write_scene(tmp_path, scene.read_text().replace("formats: [", "formats: [readout, "), "r.yaml")
    done = subprocess.run(
        [sys.executable, "-c", HEAVY_PROBE, str(with_readout), "--output-dir", str(tmp_path / "r"), "--quiet"],
        capture_output=True, text=True, env={**os.environ, "HAPPY_FACES_CACHE": str(isolated_cache)},
    )
    assert done.stdout.strip().startswith("0 [") and "tensorflow" in done.stdout, done.stdout + done.stderr
    assert (tmp_path / "r" / "small" / "biden-readout.csv").is_file()
