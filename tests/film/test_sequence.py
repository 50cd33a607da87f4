"""Easing curves and morph frames."""

from __future__ import annotations

import numpy as np
import pytest

from render.learn.basis import Basis
from render.ground.easing import EASING_CURVES, ease
from render.scene import EASINGS, MorphSpec
from render.ground.morph import Morph, morph_weights
from render.ground.timeline import Pacing, timeline


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


def paced(min_duration=0.0, extend="hold", loop="once", hold_start=0.0, hold_end=0.0):
    return Pacing(loop, hold_start, hold_end, min_duration, extend)


def test_a_long_enough_clip_shows_each_level_once():
    np.testing.assert_array_equal(timeline(50, 25, paced()), np.arange(50))
    np.testing.assert_array_equal(timeline(50, 25, paced(2.0, "pingpong")), np.arange(50))


def test_once_holds_the_person_and_the_projection_then_starts_again():
    order = timeline(50, 25, paced(loop="once", hold_start=0.5, hold_end=1.0))
    assert len(order) == 13 + 50 + 25  # 12.5 frames of hold: 13, never shorter than asked
    assert (order[:14] == 0).all() and (order[-26:] == 49).all()
    np.testing.assert_array_equal(order[13:63], np.arange(50))


def test_pingpong_goes_back_to_the_person_without_a_jump_and_holds_both_ends():
    order = timeline(50, 25, paced(loop="pingpong", hold_start=0.5, hold_end=1.0))
    assert len(order) == 13 + 50 + 25 + 48
    np.testing.assert_array_equal(order[:14], 0)
    np.testing.assert_array_equal(order[62:88], 49)  # the projection, the happy face, held a second
    looped = np.concatenate([order, order[:1]])  # the player starts again
    assert set(np.abs(np.diff(looped))) == {0, 1}  # never a jump, even across the loop
    assert order[-1] == 1


def test_a_playlist_holds_every_person_and_crossfades_between_them():
    order = timeline(4, 10, paced(loop="once", hold_start=0.2, hold_end=0.3), passages=3, fade=2)
    per = [0, 0, 0, 1, 2, 3, 3, 3, 3, 4, 5]  # held, forward, held, the crossfade's two frames
    np.testing.assert_array_equal(order, [i + p * 6 for p in range(3) for i in per])
    back = timeline(4, 10, paced(loop="pingpong"), passages=2, fade=1)
    np.testing.assert_array_equal(back, [0, 1, 2, 3, 2, 1, 4, 5, 6, 7, 8, 7, 6, 9])


def test_hold_splits_the_extra_frames_between_both_ends():
    order = timeline(50, 30, paced(3.0, "hold"))
    assert len(order) == 90
    assert (order[:20] == 0).all() and (order[-20:] == 49).all()
    np.testing.assert_array_equal(order[20:70], np.arange(50))
    held = timeline(50, 30, paced(3.0, "hold", hold_start=0.2, hold_end=0.2))  # on top of the holds asked
    assert len(held) == 90 and (held[:20] == 0).all() and (held[-20:] == 49).all()


def test_pingpong_plays_whole_cycles_back_to_the_start():
    order = timeline(50, 30, paced(3.0, "pingpong"))
    assert len(order) == 98 and order[49] == 49 and order[-1] == 1
    np.testing.assert_array_equal(np.abs(np.diff(order)), 1)


def test_repeat_plays_the_loop_whole_until_long_enough():
    order = timeline(10, 10, paced(2.5, "repeat", loop="once", hold_end=0.2))
    np.testing.assert_array_equal(order, np.tile([*range(10), 9, 9], 3))


def test_slow_shows_each_level_for_the_same_number_of_frames():
    order = timeline(50, 30, paced(3.0, "slow"))
    assert len(order) == 100
    np.testing.assert_array_equal(order, np.repeat(np.arange(50), 2))


def test_morph_frames_by_level():
    morph = Morph(np.zeros((2, 2)), np.ones((2, 2)), ease("linear", 5))
    assert len(morph) == 5 and morph.frame(2).tolist() == [[0.5, 0.5], [0.5, 0.5]]
