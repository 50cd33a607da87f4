"""Finding, levelling and framing faces in photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from render.faces.photo import read_photo
from render.faces.haar import Box
from render.ground.plugins import DETECTORS
from render.faces.portrait import EYES_AT, FRAME_DROP, FRAME_PER_BOX, Portraits, match_tone


@pytest.fixture(scope="module")
def portraits():
    return Portraits(64)


def rotate(photo: np.ndarray, degrees: float) -> np.ndarray:
    h, w = photo.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(photo, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_framing_constants_are_the_olivetti_faces_own(portraits, faces):
    """The docstring's claim, measured again: where the detectors put the face and the eyes in
    Olivetti frames."""
    boxes, eyes = [], []
    for face in faces.images[::4]:
        big = np.clip(cv2.resize(face, (256, 256), interpolation=cv2.INTER_CUBIC), 0, 1)
        found = portraits.detector.faces(big)
        if found:
            box = max(found, key=lambda b: b.side)
            boxes.append(((box.y + box.side / 2) / 256, box.side / 256))
            pair = portraits.detector.eyes(big, box)
            if pair:
                eyes.append(np.array(pair.midpoint) / 256)
    centre_y, side = np.median(np.array(boxes), axis=0)
    assert len(boxes) >= 90 and len(eyes) >= 80
    assert 1 / side == pytest.approx(FRAME_PER_BOX, abs=0.03)
    assert (0.5 - centre_y) / side == pytest.approx(FRAME_DROP, abs=0.02)
    np.testing.assert_allclose(np.median(np.array(eyes), axis=0), EYES_AT, atol=0.02)


def test_two_people_are_found_left_to_right(portraits, photos):
    boxes = portraits.detector.faces(read_photo(photos / "two_people.jpg"))
    assert len(boxes) == 2 and boxes[0].x < boxes[1].x


def test_a_face_cut_by_the_frame_is_still_found(portraits, photos):
    photo = read_photo(photos / "obama_partial_face.jpg")
    (box,) = portraits.detector.faces(photo)
    assert box.x < 0 < box.x + box.side  # it reaches past the left edge
    crop = portraits.crop(photo, box, portraits.detector.eyes(photo, box)).face
    assert crop.shape == (64, 64)


def test_no_face_in_a_landscape(portraits):
    rng = np.random.default_rng(1)
    sky = np.linspace(0.9, 0.5, 300)[:, None] * np.ones((300, 500))
    hills = (np.arange(300)[:, None] > 180 + 30 * np.sin(np.arange(500) / 40)[None, :]) * 0.3
    landscape = np.clip(sky - hills + rng.normal(0, 0.02, (300, 500)), 0, 1).astype(np.float32)
    assert portraits.detector.faces(landscape) == []


def eyes_in_crop(portraits, crop):
    big = np.clip(cv2.resize(crop, (256, 256), interpolation=cv2.INTER_CUBIC), 0, 1)
    (box,) = portraits.detector.faces(big)
    return portraits.detector.eyes(big, box)


@pytest.mark.parametrize("degrees", [12.0, -12.0])
def test_the_crop_is_levelled_whatever_the_tilt_of_the_photo(portraits, photos, degrees):
    photo = read_photo(photos / "obama.jpg")
    (box,) = portraits.detector.faces(photo)
    level = portraits.crop(photo, box, portraits.detector.eyes(photo, box)).face
    tilted = rotate(photo, degrees)  # counter-clockwise for positive degrees: the right eye rises
    (tilted_box,) = portraits.detector.faces(tilted)
    eyes = portraits.detector.eyes(tilted, tilted_box)
    assert eyes.tilt == pytest.approx(portraits.detector.eyes(photo, box).tilt - degrees, abs=3.0)
    levelled = portraits.crop(tilted, tilted_box, eyes).face
    unlevelled = portraits.crop(tilted, tilted_box, None).face
    assert abs(eyes_in_crop(portraits, levelled).tilt) < 3.0
    assert abs(eyes_in_crop(portraits, unlevelled).tilt) > 8.0
    assert correlation(levelled, level) > 0.8
    assert correlation(levelled, level) > correlation(unlevelled, level) + 0.05


def test_the_crop_is_centred_on_the_face(portraits, photos):
    """Found again inside its own crop, the face sits where it sits in an Olivetti frame."""
    photo = read_photo(photos / "obama.jpg")
    (box,) = portraits.detector.faces(photo)
    crop = portraits.crop(photo, box, portraits.detector.eyes(photo, box)).face
    big = np.clip(cv2.resize(crop, (256, 256), interpolation=cv2.INTER_CUBIC), 0, 1)
    (inner,) = portraits.detector.faces(big)
    assert (inner.x + inner.side / 2) / 256 == pytest.approx(0.5, abs=0.04)
    assert inner.side / 256 * FRAME_PER_BOX == pytest.approx(1.0, abs=0.08)
    eyes = portraits.detector.eyes(big, inner)
    assert eyes.midpoint[0] / 256 == pytest.approx(EYES_AT[0], abs=0.04)
    assert eyes.midpoint[1] / 256 == pytest.approx(EYES_AT[1], abs=0.04)


def test_tone_is_matched_to_the_dataset():
    face = np.linspace(0.6, 0.9, 64 * 64, dtype=np.float32).reshape(64, 64)
    matched = match_tone(face, mean=0.45, std=0.18)
    assert matched.mean() == pytest.approx(0.45, abs=0.01)
    assert matched.std() == pytest.approx(0.18, abs=0.01)


def test_box_centre():
    assert Box(10, 20, 100).centre == (60.0, 70.0)


@pytest.mark.parametrize("detector", list(DETECTORS))
@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg", "obama_partial_face.jpg", "two_people.jpg", "speaker_rgba.png"])
def test_the_kiosk_frames_a_visitor_exactly_as_a_photo_input(photos, faces, name, detector):
    """The kiosk looks only for faces of at least a fifth of the picture (several times faster); the
    face it finds is framed to the same pixels, with each detector (the default landmarks one too),
    a face cut by the photo's edge completed alike. Made as the kiosk's studio and a photo input make them."""
    fill = faces.images[:40].mean(axis=0)
    ordinary = Portraits(64, detector=detector, fill=fill)
    kiosk = Portraits(64, min_face_divisor=5, detector=detector, fill=fill)
    np.testing.assert_array_equal(kiosk.framed(photos / name), ordinary.framed(photos / name))
