"""The hardening catalogue, round two (issue 20): each class of fault through the real CLI, answered
with one line and its exit code, the rest of the work going on. Memory-bounded cases run in a child
process under an address-space limit, so that a regression fails instead of swapping."""

from __future__ import annotations

import io
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, invoke, write_scene
from render.errors import ExitCode

MEMORY = 1 << 30  # bytes of address space a bounded render may take (a render takes about 300 MB)


def bounded(*args: str, memory: int = MEMORY, files: int | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """``render ARGS`` in a child limited to ``memory`` bytes (and files of at most ``files`` bytes)."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if files is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))

    return subprocess.run([sys.executable, "-m", "render", *args, "--jobs", "1"], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limits)


def one_error(stderr: str) -> str:
    (line,) = [line for line in stderr.splitlines() if line.startswith("render: error:")]
    return line


LAUGHS = "name: laughs\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("text, said", [
    (LAUGHS, "expands to over 100000 values through its aliases"),
    ("name: loop\ninputs: &me [{face: 0}, *me]\n", ":2: an alias refers to the list or mapping it is in"),
    ("name: deep\nmorph: " + "[" * 5000 + "]" * 5000 + "\n", ":2: nested over 64 levels deep"),
    ("name: wide\ninputs: &w {face: &x [" + ", ".join(["*w"] * 3) + "]}\n", "an alias refers to the list or mapping"),
])
def test_yaml_that_expands_or_nests_without_limit_is_refused_in_bounded_memory(tmp_path, text, said):
    scene = write_scene(tmp_path, text)
    done = bounded(str(scene), memory=512 << 20, timeout=30)
    assert done.returncode == ExitCode.SCENE, done.stderr
    assert said in one_error(done.stderr)


def test_a_set_value_that_nests_or_loops_without_limit_is_refused(tmp_path):
    scene = str(write_scene(tmp_path, "name: x\n"))
    for given, said in ((f"inputs={'[' * 3000}{']' * 3000}", "inputs: nested over 64 levels deep"),
                        ("inputs=&r [*r]", "inputs: an alias refers to the list or mapping it is in"),
                        ("inputs=" + LAUGHS.split("\n", 1)[1].replace("\n", ", ").join("{}"), "expands to over 100000")):
        done = bounded(scene, "--set", given, memory=512 << 20, timeout=30)
        assert done.returncode == ExitCode.USAGE, done.stderr
        assert said in re.sub(r"[\s\u2502]+", " ", done.stderr), done.stderr  # unwrapped from typer's box


def test_a_device_as_the_scene_file_is_read_with_a_hard_limit():
    done = bounded("/dev/zero", memory=512 << 20, timeout=30)
    assert done.returncode == ExitCode.SCENE, done.stderr
    assert "/dev/zero: over the 1000000-byte limit" in one_error(done.stderr)


# An EXIF block whose orientation is 6 (turn the photo) and whose SamplesPerPixel tag is a RATIONAL:
# Pillow's exif_transpose fails writing it back with struct.error (one of several such shapes).
BAD_EXIF = bytes.fromhex(
    "45786966000049492a0008000000030012010300010000000600000015010500010000003200000069870400010000003e"
    "000000000000004800000001000000010003900200140000005000000000000000323032303a30313a30312030303a30303a303000")


def with_exif(photo: Path, exif: bytes) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.open(photo).save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.slow
def test_a_damaged_exif_block_reads_the_photo_as_stored_with_a_warning(tmp_path, photos, olivetti_home):
    (tmp_path / "visitor.jpg").write_bytes(with_exif(photos / "obama.jpg", BAD_EXIF))
    (tmp_path / "crowd").mkdir()
    (tmp_path / "crowd" / "a.jpg").write_bytes(with_exif(photos / "obama.jpg", BAD_EXIF))
    shutil.copy(photos / "biden.jpg", tmp_path / "crowd" / "b.jpg")
    scene = write_scene(tmp_path, "name: exif\ninputs: [{image: visitor.jpg}, {folder: crowd}]\nmorph: {levels: 3}\n"
                                  "output: {dir: out, size: 64, formats: [gif]}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "EXIF block is damaged" in line]
    assert len(warned) == 2 and all(line.startswith("render: warning: ") for line in warned)
    assert "UserWarning" not in result.stderr and "Corrupt EXIF" not in result.stderr  # Pillow's own never raw
    assert {p.name for p in (tmp_path / "out" / "exif").glob("*.gif")} == {"visitor.gif", "a.gif", "b.gif"}


@pytest.mark.slow
def test_a_strip_of_a_photo_fails_alone_in_bounded_memory(tmp_path, photos, olivetti_home):
    from PIL import Image

    Image.new("L", (1, 40000), 128).save(tmp_path / "strip.png")
    Image.new("L", (20000, 10), 128).save(tmp_path / "ribbon.png")
    shutil.copy(photos / "obama.jpg", tmp_path / "face.jpg")
    scene = write_scene(tmp_path, "name: thin\ninputs: [{image: strip.png}, {image: ribbon.png}, {image: face.jpg}]\n"
                                  "morph: {levels: 3}\noutput: {dir: out, size: 64, formats: [gif]}\n")
    done = bounded(str(scene), memory=3 << 30, timeout=120)
    assert done.returncode == ExitCode.INPUT, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("render: error:")]
    assert len(errors) == 2 and all("too small or too thin to hold a face" in line for line in errors)
    assert (tmp_path / "out" / "thin" / "face.gif").exists()  # the good photo rendered


@pytest.mark.slow
def test_names_that_collide_are_made_unique_and_never_the_tool_s_own(tmp_path, photos, olivetti_home):
    crowd = tmp_path / "crowd"
    crowd.mkdir()
    for name in ("Obama.jpg", "obama.png", "obama-2.jpg", "manifest.jpg"):
        shutil.copy(photos / "obama.jpg", crowd / name)
    scene = write_scene(tmp_path, "name: names\ninputs: [{folder: crowd}]\nmorph: {levels: 3}\n"
                                  "output: {dir: out, size: 64, formats: [mp4, gif]}\n")
    first = invoke(str(scene))
    assert first.exit_code == 0, first.stderr
    out = tmp_path / "out" / "names"
    videos = sorted(p.stem for p in out.glob("*.mp4"))
    assert len(videos) == 4 and len({v.casefold() for v in videos}) == 4 and "manifest" not in videos, videos
    assert '"clips"' in (out / "manifest.json").read_text()  # still the manifest, not a sidecar
    again = invoke(str(scene))
    assert "4 skipped (up to date)" in again.stderr, again.stderr  # nothing rendered on every run


def test_two_scenes_of_one_name_in_a_run_are_not_mixed(tmp_path, olivetti_home):
    one = write_scene(tmp_path, "name: same\nmorph: {levels: 3}\noutput: {dir: out, size: 64, formats: [gif]}\n", "one.yaml")
    two = write_scene(tmp_path, "name: same\ninputs: [{face: 1}]\nmorph: {levels: 3}\noutput: {dir: out, size: 64, formats: [gif]}\n",
                      "two.yaml")
    result = invoke(str(one), str(two))
    assert result.exit_code == ExitCode.SCENE, result.stderr
    assert f"{two}: name: 'same' is the name of {one} too" in one_error(result.stderr)
    assert [p.name for p in (tmp_path / "out" / "same").glob("*.gif")] == ["face-0.gif"]


@pytest.mark.slow
def test_a_model_of_any_input_size_and_a_bug_in_one_scene_never_stop_the_others(tmp_path, olivetti_home, monkeypatch):
    import keras

    inputs = keras.Input((None, None, 1))
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(4, 3)(inputs))
    keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(x)).save(tmp_path / "any.keras")
    first = write_scene(tmp_path, "name: anysize\nfilter: {model: any.keras, emotion: happy}\nbasis: {components: 1}\n"
                                  "morph: {levels: 3}\noutput: {dir: out, size: 64, formats: [gif]}\n", "a.yaml")
    second = write_scene(tmp_path, "name: fine\nmorph: {levels: 3}\noutput: {dir: out, size: 64, formats: [gif]}\n", "b.yaml")
    result = invoke(str(first), str(second))
    # An untrained model may keep too few faces for a basis: an input error at worst, never a TypeError.
    assert "internal error" not in result.stderr and "TypeError" not in result.stderr, result.stderr
    assert (tmp_path / "out" / "fine" / "face-0.gif").exists()

    import render.run.plan as plan

    real = plan.plan_scene

    def broken(scene, *args, **kwargs):
        if scene.name == "anysize":
            raise TypeError("a bug in one scene")
        return real(scene, *args, **kwargs)

    monkeypatch.setattr("render.run.program.plan_scene", broken)
    result = invoke(str(first), str(second), "--force")
    assert result.exit_code == ExitCode.ERROR
    assert "internal error: TypeError: a bug in one scene" in result.stderr
    assert "fine: face-0: done" in result.stderr  # the other scene rendered


@pytest.mark.slow
def test_a_full_disk_on_the_scene_s_own_files_is_an_output_error(tmp_path, olivetti_home, isolated_cache):
    scene = write_scene(tmp_path, "name: full\nmorph: {levels: 4}\noutput: {dir: out, size: 512, formats: [html]}\n")
    warm = invoke(str(scene), "--set", "output.formats=[gif]", "--set", "output.dir=warm")
    assert warm.exit_code == 0, warm.stderr
    for formats, limit in (("[html]", 40_000), ("[readout]", 20_000), ("[gif]", 40_000), ("[frames]", 40_000)):
        shutil.rmtree(tmp_path / "out", ignore_errors=True)
        done = bounded(str(scene), "--set", f"output.formats={formats}", files=limit, timeout=120)
        assert done.returncode == ExitCode.OUTPUT, (formats, done.stderr)
        assert f"{tmp_path / 'out' / 'full'}: cannot write the outputs (File too large)" in one_error(done.stderr)
        assert not list((tmp_path / "out").glob(".full.partial-*")), "no staging folder left"


def test_frame_rates_the_encoders_cannot_take_are_refused_at_load(tmp_path):
    for key, value in (("output.fps", "0.001"), ("output.gif.fps", "0.0001")):
        result = invoke(str(write_scene(tmp_path, "name: slow\n")), "--set", f"{key}={value}")
        assert result.exit_code == ExitCode.SCENE
        assert f"--set {key}: input should be greater than or equal to 0.1" in one_error(result.stderr)


def test_a_name_with_a_newline_cannot_pass_for_another_line(tmp_path):
    folder = tmp_path / "a\nrender: error: all clips published"
    folder.mkdir()
    scene = write_scene(folder, "name: [not, a, name]\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.SCENE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "\\n" in lines[0] and "all clips published" in lines[0]
