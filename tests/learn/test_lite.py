"""The LiteRT backend (``.tflite`` emotion models) and the kiosk's quick reader: a LiteRT copy of the
Keras model, converted once into the cache and checked against Keras at every start."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import Warnings, invoke, write_scene
from render.cache import Cache
from render.errors import ExitCode
from render.ground.console import Console
from render.learn import quick
from render.learn.classifier import EmotionModel, default_model_path
from render.learn.lite_backend import LiteBackend
from render.learn.quick import quick_reader

IDENTITY = {"model": "the default model's sha256, as the cache keys it"}


@pytest.fixture(scope="module")
def lite_file(tmp_path_factory):
    """The default model converted by its Keras backend, written as a .tflite file."""
    path = tmp_path_factory.mktemp("lite") / "fer.tflite"
    path.write_bytes(EmotionModel(default_model_path()).backend.to_lite())
    return path


def test_a_tflite_model_reads_the_faces_as_its_keras_original(faces, emotion_model, lite_file):
    keras_read = emotion_model.predict(faces.images)
    lite = EmotionModel(lite_file)
    assert isinstance(lite.backend, LiteBackend)
    lite_read = lite.predict(faces.images)  # 400 faces: batches of 256 and 144, the tensors resized
    assert lite_read.shape == (400, 7)
    assert np.abs(lite_read - keras_read).max() < 1e-4
    assert (lite_read.argmax(axis=1) == keras_read.argmax(axis=1)).all()
    assert np.array_equal(lite.predict(faces.images[:50]), lite.predict(faces.images[:50]))  # deterministic


def test_a_scene_renders_with_a_tflite_model(tmp_path, olivetti_home, isolated_cache, lite_file):
    scene = write_scene(tmp_path, f"name: lite\nfilter: {{model: {lite_file}}}\nmorph: {{levels: 4}}\n"
                                  "output: {dir: out, size: 64, formats: [stills]}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.output
    assert "keeps 169 of 400 faces" in result.output  # as the Keras original keeps
    entry = json.loads((tmp_path / "out" / "lite" / "manifest.json").read_text())
    assert entry["clips"], entry


def test_a_damaged_tflite_model_is_one_line(tmp_path, olivetti_home, lite_file):
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(lite_file.read_bytes()[:5000])
    scene = write_scene(tmp_path, f"name: broken\nfilter: {{model: {broken}}}\noutput: {{dir: out, formats: [stills]}}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == ExitCode.MODEL, result.output
    assert f"{broken}: not a loadable LiteRT model" in result.output and "Traceback" not in result.output


def test_a_model_file_no_backend_reads_is_refused_by_the_scene(tmp_path, olivetti_home):
    other = tmp_path / "model.onnx"
    other.write_bytes(b"\0" * 64)
    scene = write_scene(tmp_path, f"name: onnx\nfilter: {{model: {other}}}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.SCENE
    assert "not an emotion model file; use a Keras (.keras, .h5) or LiteRT (.tflite) file" in result.output


def test_the_quick_reader_is_a_checked_copy_kept_in_the_cache(tmp_path, faces, emotion_model):
    cache = Cache(tmp_path / "cache")
    probe = faces.images[:50]
    reader = quick_reader(emotion_model, IDENTITY, cache, probe, Console(quiet=True), pool=2)
    assert isinstance(reader.backend, LiteBackend) and reader is not emotion_model
    assert [e.kind for e in cache.entries()] == ["litert"]
    assert np.abs(reader.predict(probe) - emotion_model.predict(probe)).max() < quick.TOLERANCE
    # A second start converts nothing: the copy comes from the cache.
    again = quick_reader(emotion_model, IDENTITY, Cache(tmp_path / "cache"), probe, Console(quiet=True), pool=1)
    assert np.array_equal(again.predict(probe), reader.predict(probe))
    assert len(cache.entries()) == 1


def test_a_copy_that_reads_otherwise_is_not_used(tmp_path, faces, emotion_model, monkeypatch):
    monkeypatch.setattr(quick, "TOLERANCE", 0.0)  # any float32 difference at all now counts as reading otherwise
    warnings = Warnings()
    reader = quick_reader(emotion_model, IDENTITY, Cache(tmp_path / "cache"), faces.images[:20], warnings.console, pool=1)
    assert reader is emotion_model
    assert any("LiteRT copy reads faces up to" in w and "read by Keras" in w for w in warnings), list(warnings)


def test_a_damaged_copy_in_the_cache_is_not_used(tmp_path, faces, emotion_model):
    cache = Cache(tmp_path / "cache")
    cache.store("litert", {"model": IDENTITY["model"]}, {"model": np.frombuffer(b"not a model" * 10, np.uint8)})
    warnings = Warnings()
    reader = quick_reader(emotion_model, IDENTITY, cache, faces.images[:20], warnings.console, pool=1)
    assert reader is emotion_model
