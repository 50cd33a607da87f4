"""The scene loader: valid scenes become frozen objects; every bad scene is one clear line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pydantic
import pytest

from conftest import REPO, SCENES, invoke, write_scene
from render.errors import ExitCode, SceneError
from render.scene import load_scene, scene_schema

INVALID = sorted((SCENES / "invalid").glob("*.yaml"))


def expected_message(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path} must start with '# expect: <message>'"
    return first[len("# expect: ") :]


def test_default_scene_is_the_original_artwork():
    scene = load_scene(REPO / "scenes" / "happy.yaml")
    assert scene.name == "happy"
    assert scene.dataset == "olivetti"
    assert (scene.filter.emotion, scene.filter.model, scene.filter.min_probability) == ("happy", "default", 0.0)
    assert scene.basis.components == 2
    assert [i.face for i in scene.inputs] == [0]
    assert (scene.morph.levels, scene.morph.padding, scene.morph.easing) == (50, 2, "linear")
    assert scene.output.formats == ("mp4", "gif", "frames", "stills", "html", "readout")
    assert scene.scene_dir == REPO / "output" / "happy"


def test_minimal_scene_takes_every_default():
    scene = load_scene(SCENES / "valid" / "minimal.yaml")
    assert scene.morph.levels == 50 and scene.morph.padding == 2 and scene.output.size == 512
    assert scene.output.dir == SCENES / "valid" / "output"


def test_relative_output_dir_resolves_against_the_scene_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scene = load_scene(SCENES / "valid" / "happy.yaml")
    assert scene.output.dir == SCENES / "valid" / "out"


def test_output_dir_override_is_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scene = load_scene(SCENES / "valid" / "happy.yaml", {("output", "dir"): Path("elsewhere")})
    assert scene.scene_dir == tmp_path / "elsewhere" / "happy"


def test_scene_is_frozen():
    scene = load_scene(SCENES / "valid" / "minimal.yaml")
    with pytest.raises(pydantic.ValidationError):
        scene.morph.levels = 3  # type: ignore[misc]


def test_where_names_file_line_and_key():
    scene = load_scene(REPO / "scenes" / "happy.yaml")
    assert scene.where("basis", "components") == f"{REPO / 'scenes' / 'happy.yaml'}:7: basis.components"


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_scene_gives_one_line_naming_file_and_problem(path):
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    assert expected_message(path) in message, message


@pytest.mark.parametrize("path", INVALID[:6], ids=[p.stem for p in INVALID[:6]])
def test_invalid_scene_on_the_command_line_exits_3_without_traceback_or_output(path, tmp_path):
    result = invoke(str(path), "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == ExitCode.SCENE
    assert result.stderr.startswith("render: error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_missing_and_folder_scene_paths(tmp_path):
    with pytest.raises(SceneError, match="no such scene file"):
        load_scene(tmp_path / "nope.yaml")
    with pytest.raises(SceneError, match="is a folder, not a scene file"):
        load_scene(tmp_path)


def test_binary_file_is_not_a_scene(tmp_path):
    path = tmp_path / "photo.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(SceneError, match="not a text file"):
        load_scene(path)


def test_oversized_scene_is_refused(tmp_path):
    path = write_scene(tmp_path, "name: big\n" + "# padding\n" * 120_000)
    with pytest.raises(SceneError, match="over the 1000000-byte limit"):
        load_scene(path)


def test_schema_command_prints_the_json_schema():
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["properties"]) == {"name", "title", "description", "dataset", "filter", "basis", "inputs", "morph", "output", "overlay", "layout", "serve",
                                            "tags", "language", "youtube", "publish", "photos", "compare"}
    assert schema["additionalProperties"] is False
    assert schema == scene_schema()


def test_committed_schema_file_is_current():
    committed = json.loads((REPO / "scenes" / "scene.schema.json").read_text(encoding="utf-8"))
    assert committed == scene_schema(), "regenerate: render schema > scenes/scene.schema.json"


def test_schema_accepts_the_shipped_scenes_and_rejects_a_bad_one():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    validator = jsonschema.Draft202012Validator(scene_schema())
    for path in [REPO / "scenes" / "happy.yaml", *sorted((SCENES / "valid").glob("*.yaml"))]:
        validator.validate(yaml.safe_load(path.read_text()))
    assert not validator.is_valid({"name": "x", "morph": {"levels": 1}})
    assert not validator.is_valid({"name": "x", "colour": "red"})


def test_every_problem_of_a_scene_is_reported_at_once_in_file_order(tmp_path):
    path = write_scene(tmp_path, "name: happy\nmorph: {levels: 1, easing: bouncy}\noutput:\n  fps: 25\n  size: 0\n")
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["morph.levels", "morph.easing", "output.size"], lines
    assert all(line.startswith(f"{path}:") for line in lines)
    result = invoke(str(path), "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == ExitCode.SCENE
    said = result.stderr.strip().splitlines()
    assert len(said) == 3 and all(line.startswith("render: error: ") for line in said), result.stderr
    assert "more problem" not in result.stderr


@pytest.mark.parametrize("output", [
    "{fps: 60, formats: [mp4, gif], gif: {fps: 25}}",  # gif.fps comes after fps
    "{frame: [640, 360], formats: [mp4]}",  # formats after frame: its evenness is checked against them
    "{size: 67, formats: [gif]}",  # an odd size is fine without an H.264 video
])
def test_rules_across_keys_see_the_whole_section_whatever_the_order(tmp_path, output):
    scene = load_scene(write_scene(tmp_path, f"name: happy\noutput: {output}\n"))
    assert scene.output.fps > 0


def test_a_cross_key_rule_still_names_its_key_and_line(tmp_path):
    path = write_scene(tmp_path, "name: happy\noutput:\n  formats: [mp4]\n  frame: [641, 360]\n")
    with pytest.raises(SceneError, match=r":4: output.frame: frame \[641, 360\] has an odd side"):
        load_scene(path)


def test_every_rule_across_keys_that_is_broken_is_reported(tmp_path):
    path = write_scene(tmp_path, "name: happy\nlayout: grid\noverlay: {readout: bar}\n"
                                 "output: {preset: instagram, min_duration: 0, loop: once, hold_start: 0, hold_end: 0}\n")
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    keys = [line.split(": ")[1] for line in str(caught.value).splitlines()]
    assert keys == ["layout", "output.min_duration"], str(caught.value)
    path = write_scene(tmp_path, "name: happy\noutput: {size: 511, fps: 60, formats: [mp4, gif], frame: [100, 101]}\n")
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    keys = [line.split(": ")[1] for line in str(caught.value).splitlines()]
    assert keys == ["output.frame", "output.size", "output.fps"], str(caught.value)


@pytest.mark.parametrize(("text", "hint"), [
    ("layout: gird", "did you mean 'grid'?"),
    ("inputs: [{fase: 1}]", "did you mean 'face'?"),
    ("layout: {playlst: {}}", "did you mean 'playlist'?"),
])
def test_a_mistyped_kind_gets_the_nearest_one(tmp_path, text, hint):
    with pytest.raises(SceneError, match=re.escape(hint)):
        load_scene(write_scene(tmp_path, f"name: happy\n{text}\n"))


def test_reading_a_scene_starts_no_process(tmp_path, monkeypatch):
    """Loading a scene with a soundtrack runs no ffprobe (nor any other program): the sound is probed
    when a film of it is planned, and a file that is not sound is then the scene's error."""
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError(f"a process started while reading the scene: {args[0]!r}")

    (tmp_path / "notes.wav").write_text("these are notes, not sound\n")
    scene = write_scene(tmp_path, "name: s\ninputs: [{face: 0}]\noutput: {dir: out, formats: [mp4], audio: notes.wav}\n")
    with monkeypatch.context() as patch:
        patch.setattr(subprocess, "Popen", refuse)
        patch.setattr(subprocess, "run", refuse)
        loaded = load_scene(scene)
    assert loaded.output.audio.path == tmp_path / "notes.wav"
