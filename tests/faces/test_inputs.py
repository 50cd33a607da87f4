"""Photos, folders, folder datasets and custom models, rendered end to end through the CLI."""

from __future__ import annotations

import csv
import shutil

import cv2
import numpy as np
import pytest
from PIL import Image

from conftest import invoke, write_scene
from mediafiles import mp4_frames, paced, png
from render.errors import ExitCode
from render.scene import EMOTIONS

pytestmark = pytest.mark.slow

OUT = "output: {dir: out, size: 68, formats: [mp4, frames, stills]}"


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("render: error: ")]


def landscape(path):
    rng = np.random.default_rng(3)
    sky = np.linspace(230, 120, 240)[:, None] * np.ones((240, 320))
    pixels = np.clip(sky + rng.normal(0, 6, sky.shape), 0, 255).astype(np.uint8)
    Image.fromarray(pixels, "L").convert("RGB").save(path)
    return path


def test_a_photo_renders_from_its_levelled_crop(tmp_path, photos, olivetti_home):
    scene = write_scene(tmp_path, f"name: visit\ninputs: [{{image: {photos / 'obama.jpg'}}}]\n{OUT}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "visit"
    crop = png(folder / "crops" / "obama.png")
    assert crop.shape == (64, 64)
    first = png(folder / "frames" / "obama" / "0000.png")
    assert np.abs(first[2:-2, 2:-2].astype(int) - crop).max() <= 1, "frame 0 is the crop itself"
    _, decoded = mp4_frames(folder / "obama.mp4")
    assert len(decoded) == len(paced(50))
    assert (folder / "stills" / "obama-sequence.png").exists()


def test_the_crop_matches_the_dataset_tone(tmp_path, photos, olivetti_home, faces):
    scene = write_scene(tmp_path, f"name: tone\ninputs: [{{image: {photos / 'biden.jpg'}}}]\n{OUT}\n")
    assert invoke(str(scene)).exit_code == 0
    crop = png(tmp_path / "out" / "tone" / "crops" / "biden.png") / 255
    rows = list(csv.DictReader((tmp_path / "out" / "tone" / "emotions.csv").open()))
    kept = faces.images[[int(r["index"]) for r in rows if r["kept"] == "1"]]
    assert crop.mean() == pytest.approx(kept.mean(axis=(1, 2)).mean(), abs=0.02)
    assert crop.std() == pytest.approx(kept.std(axis=(1, 2)).mean(), abs=0.02)


def test_the_scene_can_pick_the_second_person(tmp_path, photos, olivetti_home):
    scene = write_scene(tmp_path, f"name: pair\ninputs: [{{image: {photos / 'two_people.jpg'}, person: 1}}]\n{OUT}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "pair" / "two_people-person-1.mp4").exists()


def strip(path):
    """A 1x40000 PNG of 158 bytes: the detector's border and pyramid over it would be tens of GB."""
    Image.new("L", (1, 40000), 128).save(path)
    return path


def written(path, content: bytes):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: landscape(tmp / "landscape.jpg"), "landscape.jpg: no face found; use a photo where a face is seen, tilted less than 40 degrees"),
        (lambda tmp: written(tmp / "empty.png", b""), "empty.png: the file is empty (0 bytes)"),
        (lambda tmp: written(tmp / "letter.jpg", b"not a photo"), "letter.jpg: not an image Pillow can read"),
        (lambda tmp: strip(tmp / "strip.png"), "strip.png: 1x40000 is too small or too thin to hold a face"),
    ],
    ids=["no-face", "empty-file", "not-an-image", "a-strip"],
)
def test_a_photo_without_a_usable_face_fails_alone_with_one_line(tmp_path, olivetti_home, make, message):
    bad = make(tmp_path)
    scene = write_scene(tmp_path, f"name: bad\ninputs: [{{image: {bad}}}]\n{OUT}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.INPUT
    (line,) = errors(result)
    assert f"scene.yaml:2: inputs[0].image: {bad}" in line and message in line, line
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_asking_for_a_person_who_is_not_there(tmp_path, photos, olivetti_home):
    scene = write_scene(tmp_path, f"name: pair\ninputs: [{{image: {photos / 'two_people.jpg'}, person: 5}}]\n{OUT}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.INPUT
    assert "person 5 asked for, but 2 face(s) found, numbered from the left 0 to 1" in errors(result)[0]


def test_a_folder_renders_each_photo_and_names_the_one_that_failed(tmp_path, photos, olivetti_home):
    visitors = tmp_path / "visitors"
    visitors.mkdir()
    for name in ("obama.jpg", "speaker_rgba.png"):
        shutil.copy(photos / name, visitors / name)
    landscape(visitors / "garden.jpg")
    scene = write_scene(tmp_path, f"name: visitors\ninputs: [{{folder: visitors}}]\n{OUT}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.INPUT
    (line,) = errors(result)
    assert "garden.jpg: no face found" in line
    folder = tmp_path / "out" / "visitors"
    assert sorted(p.name for p in folder.glob("*.mp4")) == ["obama.mp4", "speaker_rgba.mp4"]
    assert not list(folder.rglob("garden*"))


def test_every_kept_face(tmp_path, olivetti_home):
    scene = write_scene(tmp_path, "name: all\nfilter: {min_probability: 0.98}\ninputs: [{face: all}]\n"
                                  "morph: {levels: 3}\noutput: {dir: out, size: 68, formats: [frames]}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "out" / "all" / "emotions.csv").open()))
    kept = sum(r["kept"] == "1" for r in rows)
    assert len(list((tmp_path / "out" / "all" / "frames").iterdir())) == kept > 2


def test_a_folder_dataset_replaces_olivetti(tmp_path, photos, faces, olivetti_home):
    """Olivetti faces saved as photos (every second person, two poses each) plus two portraits and
    a landscape: the landscape is listed and skipped, the rest make the basis."""
    people = tmp_path / "people"
    people.mkdir()
    for i in range(0, 400, 20):
        for k in (0, 7):
            big = cv2.resize(faces.images[i + k], (192, 192), interpolation=cv2.INTER_CUBIC)
            Image.fromarray(np.rint(np.clip(big, 0, 1) * 255).astype(np.uint8)).save(people / f"olivetti-{i + k:03d}.png")
    shutil.copy(photos / "obama.jpg", people / "obama.jpg")
    landscape(people / "garden.jpg")
    scene = write_scene(tmp_path, "name: folks\ndataset: {folder: people}\nmorph: {levels: 5}\n"
                                  "output: {dir: out, size: 68, formats: [frames, stills]}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    assert "garden.jpg: skipped from the dataset: no face found" in result.stderr
    rows = list(csv.DictReader((tmp_path / "out" / "folks" / "emotions.csv").open()))
    sources = [r["source"] for r in rows]
    assert "obama.jpg" in sources and "garden.jpg" not in sources and len(rows) >= 35
    assert (tmp_path / "out" / "folks" / "stills" / "mean.png").exists()


def test_a_folder_dataset_with_too_few_faces(tmp_path, olivetti_home):
    empty = tmp_path / "empty"
    empty.mkdir()
    landscape(empty / "garden.jpg")
    scene = write_scene(tmp_path, f"name: few\ndataset: {{folder: empty}}\n{OUT}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.INPUT
    assert "0 usable face(s) in 1 photo(s); a dataset needs at least 2" in errors(result)[0]


def test_surprise_renders_a_surprise_eigenface(tmp_path, olivetti_home):
    scene = write_scene(tmp_path, f"name: surprise\nfilter: {{emotion: surprise}}\n{OUT}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    assert "faces as surprise" in result.stderr
    rows = list(csv.DictReader((tmp_path / "out" / "surprise" / "emotions.csv").open()))
    assert all(r["predicted"] == "surprise" for r in rows if r["kept"] == "1")


# --- custom models -------------------------------------------------------------------------------

def small_model(path, *, outputs=7, favour=3, channels_first=True, size=48):
    """A tiny classifier whose bias makes output ``favour`` win for every face."""
    import keras

    shape = (1, size, size) if channels_first else (size, size, 1)
    fmt = "channels_first" if channels_first else "channels_last"
    inputs = keras.Input(shape)
    x = keras.layers.Conv2D(2, 3, data_format=fmt, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D(data_format=fmt)(x)
    bias = np.zeros(outputs, np.float32)
    bias[favour % outputs] = 6.0
    dense = keras.layers.Dense(outputs, activation="softmax", bias_initializer=keras.initializers.Constant(bias))
    model = keras.Model(inputs, dense(x))
    model.save(path)
    return model


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_custom_channels_first_model_filters_the_faces(tmp_path, olivetti_home, faces, suffix):
    model = small_model(tmp_path / f"mine{suffix}")
    scene = write_scene(tmp_path, f"name: mine\nfilter: {{model: mine{suffix}, input_range: [0, 1]}}\n{OUT}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "out" / "mine" / "emotions.csv").open()))
    x = np.stack([cv2.resize(f, (48, 48), interpolation=cv2.INTER_AREA) for f in faces.images])[:, None]
    model.compile(jit_compile=True)  # TensorFlow 2.21's CPU kernels refuse channels-first convolutions
    expected = model.predict(x, verbose=0)
    got = np.array([[float(r[e]) for e in EMOTIONS] for r in rows])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert sum(r["kept"] == "1" for r in rows) == 400


def test_labels_give_a_custom_model_its_output_order(tmp_path, olivetti_home):
    small_model(tmp_path / "shuffled.keras", favour=0, channels_first=False, size=64)
    labels = ["happy", "angry", "disgust", "fear", "sad", "surprise", "neutral"]
    scene = write_scene(tmp_path, f"name: shuffled\nfilter: {{model: shuffled.keras, labels: {labels}}}\n{OUT}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.stderr
    assert "keeps 400 of 400 faces as happy" in result.stderr


def test_a_model_with_the_wrong_outputs_is_refused(tmp_path, olivetti_home):
    small_model(tmp_path / "five.keras", outputs=5)
    scene = write_scene(tmp_path, f"name: five\nfilter: {{model: five.keras}}\n{OUT}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == ExitCode.MODEL
    (line,) = errors(result)
    assert "five.keras: the model's output is (5,) but an emotion model has 7 class outputs" in line
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_a_model(tmp_path, olivetti_home):
    (tmp_path / "fake.h5").write_bytes(b"definitely not HDF5")
    scene = write_scene(tmp_path, f"name: fake\nfilter: {{model: fake.h5}}\n{OUT}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == ExitCode.MODEL
    assert "fake.h5: not a loadable Keras model" in errors(result)[0]


def test_missing_haar_cascades_are_their_own_error(tmp_path, photos, olivetti_home, monkeypatch):
    """The Haar detector's cascades gone: its own error (the default landmarks detector needs none)."""
    monkeypatch.setattr(cv2.data, "haarcascades", str(tmp_path / "no-cascades") + "/")
    scene = write_scene(tmp_path, f"name: lost\nphotos: {{detector: haar}}\ninputs: [{{image: {photos / 'obama.jpg'}}}]\n{OUT}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.DETECTOR, result.stderr
    assert "render: error: OpenCV's Haar cascades" in result.stderr and "reinstall OpenCV" in result.stderr
    assert "internal error" not in result.stderr
