"""``morph.amount``: the weight at the last level. Past the projection (above 1) or away from it (below
0); pixels beyond black or white drawn clipped, and the sidecar says how many."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import invoke, write_scene
from mediafiles import png
from render.errors import ExitCode
from render.ground.morph import Morph
from render.learn.basis import Basis
from render.scene import MorphSpec

SCENE = ("name: past\ninputs: [{{face: 3}}]\nmorph: {{levels: 11, padding: 0{amount}}}\n"
         "output: {{dir: out, size: 64, formats: [mp4, frames]}}\n")


@pytest.mark.parametrize("amount", [1.5, -0.5, 3])
def test_the_last_level_is_the_face_plus_amount_times_the_step_to_its_projection(amount):
    faces = np.random.default_rng(1).random((20, 8, 8)).astype(np.float32)
    basis = Basis(2).fit(faces)
    morph = Morph.of(faces[0], basis, MorphSpec(levels=5, amount=amount))
    x, projection = faces[0].astype(np.float64), basis.reconstruct(basis.project(faces[:1]))[0]
    np.testing.assert_array_equal(morph.frame(0), faces[0])
    np.testing.assert_allclose(morph.frame(4), x + amount * (projection - x), atol=1e-6)
    np.testing.assert_allclose(morph.frame(2), x + amount / 2 * (projection - x), atol=1e-6)


def test_a_film_past_the_projection_is_drawn_clipped_and_says_how_many(tmp_path, olivetti_home):
    frames = {}
    for label, amount in (("one", ""), ("past", ", amount: 2.5")):
        scene = write_scene(tmp_path, SCENE.format(amount=amount).replace("dir: out", f"dir: {label}"), f"{label}.yaml")
        result = invoke(str(scene))
        assert result.exit_code == 0, result.stderr
        folder = tmp_path / label / "past"
        frames[label] = np.stack([png(p) for p in sorted((folder / "frames" / "face-3").glob("*.png"))]).astype(float)
        sidecars = json.loads((folder / "face-3.json").read_text())
        if label == "one":
            assert "morph" not in sidecars  # the original's film, and its sidecar, as they were
    # The same face at level 0; at the end 2.5 times as far along its step to the projection (both
    # read back from 8-bit frames: within the rounding of each), clipped to black and white.
    x, projection = frames["one"][0], frames["one"][-1]
    np.testing.assert_array_equal(frames["past"][0], x)
    expected = np.clip(x + 2.5 * (projection - x), 0, 255)
    assert np.abs(frames["past"][-1] - expected).max() <= 2.5 * 1 + 1
    assert (frames["past"][-1] == 0).any() or (frames["past"][-1] == 255).any()
    # The sidecar's count: the morph's pixels beyond black or white at every level, counted here from
    # the film's own ends (exact to the rounding: compared within a small margin).
    weights = np.linspace(0, 2.5, 11)
    counted = sum(int(np.count_nonzero(np.abs(x + w * (projection - x) - 127.5) > 127.5 + 0.5)) for w in weights)
    said = sidecars["morph"]
    assert said["amount"] == 2.5 and abs(said["clipped_pixels"] - counted) <= 0.02 * counted + 20, (said, counted)


@pytest.mark.parametrize("amount", ["3.5", "-2.5", "'lots'"])
def test_an_amount_out_of_range_is_the_scene_s_error(tmp_path, amount):
    scene = write_scene(tmp_path, SCENE.format(amount=f", amount: {amount}"))
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.SCENE
    line = result.stderr.strip().splitlines()[-1]
    assert "morph.amount" in line and "scene.yaml" in line, line


def test_a_playlist_past_its_projections_says_what_its_faces_clip(tmp_path, olivetti_home):
    scene = write_scene(tmp_path, "name: many\ninputs: [{face: 1}, {face: 2}, {face: 3}]\nlayout: playlist\n"
                                  "morph: {levels: 6, amount: 1.5}\noutput: {dir: out, size: 64, formats: [mp4]}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    said = json.loads((tmp_path / "out" / "many" / "playlist.json").read_text())["morph"]
    assert said["amount"] == 1.5 and said["clipped_pixels"] >= 0


def test_a_soundtrack_edited_between_renders_is_sent_as_it_is_now(tmp_path):
    """``render --watch`` on a cluster: a film sent after the soundtrack changed carries its new bytes."""
    from types import SimpleNamespace

    from render.film.job import FilmJob

    track = tmp_path / "tone.wav"
    track.write_bytes(b"first take")
    job = FilmJob()
    job.scene = SimpleNamespace(output=SimpleNamespace(audio=SimpleNamespace(path=track), formats=("mp4",)))
    assert job.away().sound == b"first take"
    track.write_bytes(b"the second, longer take")
    assert job.away().sound == b"the second, longer take"
