"""Easing curves and morph frames."""

from __future__ import annotations

import numpy as np
import pytest

from render.learn.basis import Basis
from render.film.easing import EASING_CURVES, ease
from render.scene import EASINGS, MorphSpec
from render.film.sequence import Morph, morph_weights
from render.film.timeline import timeline


def test_every_scene_easing_has_a_curve():
    assert set(EASINGS) == set(EASING_CURVES)


@pytest.mark.parametrize("name", EASINGS)
def test_easing_runs_from_exactly_0_to_exactly_1_without_going_back(name):
    w = ease(name, 50)
    assert len(w) == 50
    assert w[0] == 0.0 and w[-1] == 1.0
    assert np.all(np.diff(w) >= 0), "weights must never move back toward the person"
    assert np.all((w >= 0) & (w <= 1))


def test_linear_weights_are_evenly_spaced():
    np.testing.assert_allclose(ease("linear", 5), [0, 0.25, 0.5, 0.75, 1])


@pytest.mark.parametrize(
    ("name", "mid", "quarter"),
    [
        ("ease-in-sine", 1 - np.cos(np.pi / 4), 1 - np.cos(np.pi / 8)),
        ("ease-out-sine", np.sin(np.pi / 4), np.sin(np.pi / 8)),
        ("ease-in-out-sine", 0.5, (1 - np.cos(np.pi / 4)) / 2),
        ("ease-in-cubic", 0.125, 0.25**3),
        ("ease-out-cubic", 0.875, 1 - 0.75**3),
        ("ease-in-out-cubic", 0.5, 4 * 0.25**3),
        ("smoothstep", 0.5, 0.25 * 0.25 * (3 - 0.5)),
    ],
)
def test_easing_curves_match_their_formulas(name, mid, quarter):
    w = ease(name, 5)
    assert w[2] == pytest.approx(mid)
    assert w[1] == pytest.approx(quarter)


def test_frames_blend_from_face_to_target():
    face = np.zeros((4, 4), np.float32)
    target = np.ones((4, 4), np.float32) * 2.0  # beyond 1: frames are not clipped here
    morph = Morph(face, target, ease("linear", 3))
    frames = [morph.frame(k) for k in range(len(morph))]
    assert len(frames) == 3
    np.testing.assert_array_equal(frames[0], face)
    np.testing.assert_allclose(frames[1], 1.0)
    np.testing.assert_array_equal(frames[2], target)


def test_target_is_the_reconstruction_or_the_mean():
    rng = np.random.default_rng(0)
    faces = rng.random((20, 8, 8)).astype(np.float32)
    basis = Basis(3).fit(faces)
    projected = Morph.of(faces[0], basis, MorphSpec(target="projection")).target
    np.testing.assert_allclose(projected, basis.reconstruct(basis.project(faces[:1]))[0])
    np.testing.assert_array_equal(Morph.of(faces[0], basis, MorphSpec(target="mean")).target, basis.mean_)


def test_morph_weights_follow_the_scene():
    w = morph_weights(MorphSpec(levels=7, easing="smoothstep"))
    np.testing.assert_allclose(w, ease("smoothstep", 7))


def test_a_long_enough_clip_shows_each_level_once():
    np.testing.assert_array_equal(timeline(50, 25, 0.0, "hold"), np.arange(50))
    np.testing.assert_array_equal(timeline(50, 25, 2.0, "pingpong"), np.arange(50))


def test_hold_splits_the_extra_frames_between_both_ends():
    order = timeline(50, 30, 3.0, "hold")
    assert len(order) == 90
    assert (order[:20] == 0).all() and (order[-20:] == 49).all()
    np.testing.assert_array_equal(order[20:70], np.arange(50))


def test_pingpong_plays_whole_cycles_back_to_the_start():
    order = timeline(50, 30, 3.0, "pingpong")
    assert len(order) == 98 and order[49] == 49 and order[-1] == 1
    np.testing.assert_array_equal(np.abs(np.diff(order)), 1)


def test_slow_shows_each_level_for_the_same_number_of_frames():
    order = timeline(50, 30, 3.0, "slow")
    assert len(order) == 100
    np.testing.assert_array_equal(order, np.repeat(np.arange(50), 2))


def test_morph_frames_by_level():
    morph = Morph(np.zeros((2, 2)), np.ones((2, 2)), ease("linear", 5))
    assert len(morph) == 5 and morph.frame(2).tolist() == [[0.5, 0.5], [0.5, 0.5]]
