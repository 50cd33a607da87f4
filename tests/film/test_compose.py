"""Composition: padding, scaling and the one clipping to 8-bit pixels."""

from __future__ import annotations

import numpy as np
import pytest

from mediafiles import ring_fall
from render.film.compose import Canvas, to_pixels


def test_padding_holds_the_pad_value_and_the_face_is_untouched_at_native_size():
    face = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    frame = Canvas(padding=2, pad_value=0.25, size=68)(face)
    assert frame.shape == (68, 68) and frame.dtype == np.uint8
    border = np.concatenate([frame[:2].ravel(), frame[-2:].ravel(), frame[:, :2].ravel(), frame[:, -2:].ravel()])
    assert np.all(border == 64)  # round(0.25 * 255)
    np.testing.assert_array_equal(frame[2:-2, 2:-2], to_pixels(face))


def test_values_are_clipped_only_when_turned_into_pixels():
    assert to_pixels(np.array([-0.3, 0.0, 0.5, 1.0, 1.7])).tolist() == [0, 0, 128, 255, 255]


@pytest.mark.parametrize("interpolation", ["nearest", "linear", "cubic", "area", "lanczos"])
def test_upscaling_gives_a_square_frame_of_the_asked_size(interpolation):
    face = np.full((64, 64), 0.5, np.float32)
    frame = Canvas(padding=2, pad_value=0.0, size=512, interpolation=interpolation)(face)
    assert frame.shape == (512, 512)
    assert frame[256, 256] == 128  # a flat face stays flat
    assert frame[0, 0] == 0


def test_nearest_upscaling_repeats_source_pixels():
    face = np.zeros((4, 4), np.float32)
    face[0, 0] = 1.0
    frame = Canvas(padding=0, pad_value=0.0, size=8, interpolation="nearest")(face)
    assert np.all(frame[:2, :2] == 255) and frame[2:, :].max() == 0


def test_a_wider_frame_centres_the_face_on_the_background_unstretched():
    face = np.full((64, 64), 1.0, np.float32)
    frame = Canvas(padding=0, pad_value=0.0, size=100, frame=(300, 200), background=0.5)(face)
    assert frame.shape == (200, 300)
    assert np.all(frame[50:150, 100:200] == 255)  # the face square, centred
    frame[50:150, 100:200] = 128
    assert np.all(frame == 128)  # everything else is background


@pytest.mark.parametrize("interpolation", ["cubic", "lanczos"])
def test_upscaling_draws_no_light_rim_inside_the_padding_edge(faces, interpolation):
    """Cubic and Lanczos kernels overshoot beside the black padding; the canvas clamps each pixel between
    the 2x2 source pixels around it. The rim is the largest fall of the 1-pixel rings' mean going inward
    within two source pixels of the padding's edge: a light line is a bright ring with darker ones inside."""
    import cv2

    kernel = cv2.INTER_CUBIC if interpolation == "cubic" else cv2.INTER_LANCZOS4
    canvas = Canvas(padding=2, pad_value=0.0, size=512, interpolation=interpolation)
    scale = 512 / 68
    edge, width = int(2 * scale), int(2 * scale)  # the padding ends here, in output pixels
    where = (np.arange(512) + 0.5) / scale - 0.5  # OpenCV's source coordinate of each output pixel
    below = np.clip(np.floor(where).astype(int), 0, 67)
    above = np.clip(below + 1, 0, 67)
    rims, overshoots = [], []
    for face in faces.images[:40]:
        frame = canvas(face)
        padded = np.pad(face.astype(np.float32), 2)
        plain = to_pixels(cv2.resize(padded, (512, 512), interpolation=kernel))
        rims.append(ring_fall(frame, edge, width))
        overshoots.append(ring_fall(plain, edge, width))
        # Exactly: no pixel above the brightest of its 2x2 source neighbours, nor below the darkest.
        corners = np.stack([padded[r][:, c] for r in (below, above) for c in (below, above)])
        assert np.all(frame <= to_pixels(corners.max(axis=0))) and np.all(frame >= to_pixels(corners.min(axis=0)))
    # What is left is the faces' own shading (hair at the border): half the kernel's rim at most here,
    # on raw faces; the default clip's border (tests/encode/test_fidelity.py) measures under 1.5 levels.
    assert np.mean(rims) <= np.mean(overshoots) / 2, (np.mean(rims), np.mean(overshoots))
