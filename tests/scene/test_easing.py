"""Easing: CSS's cubic-bezier(x1, y1, x2, y2) beside the named curves, single values taken as lists of
one, and a playlist's crossfades eased as its morphs are."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import invoke, write_scene
from render.errors import ExitCode
from render.ground.easing import ease
from render.scene import load_scene


def test_cubic_bezier_draws_as_browsers_draw_it():
    assert np.allclose(ease("cubic-bezier(0, 0, 1, 1)", 11), np.linspace(0, 1, 11), atol=1e-12)  # a straight line
    # CSS's "ease" (0.25, 0.1, 0.25, 1) at half the time, as browsers compute it: 0.8024.
    assert ease("cubic-bezier(0.25, 0.1, 0.25, 1)", 3)[1] == pytest.approx(0.80240339, abs=1e-6)
    symmetric = ease("cubic-bezier(0.42, 0, 0.58, 1)", 101)  # CSS's ease-in-out: symmetric about the middle
    assert symmetric[50] == pytest.approx(0.5, abs=1e-9) and np.allclose(symmetric, 1 - symmetric[::-1], atol=1e-9)
    back = ease("cubic-bezier(0.6, -0.28, 0.735, 0.045)", 50)  # easeInBack: dips below 0 first
    assert back.min() < 0 and back[0] == 0 and back[-1] == 1


@pytest.mark.parametrize(("easing", "said"), [
    ("cubic-bezier(1.5, 0, 0.5, 1)", "x1 and x2 must be from 0 to 1 (time runs forward), y1 and y2 from -1 to 2"),
    ("cubic-bezier(0.4, 0)", "is not an easing: use one of linear, ease-in-sine"),
    ("bouncy", "'bouncy' is not an easing"),
])
def test_a_bad_easing_is_one_line(tmp_path, easing, said):
    result = invoke(str(write_scene(tmp_path, f'name: e\nmorph: {{easing: "{easing}"}}\n')))
    assert result.exit_code == ExitCode.SCENE and said in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_single_format_or_kind_is_a_list_of_one(tmp_path):
    scene = load_scene(write_scene(tmp_path, "name: one\noutput: {formats: gif}\npublish: {files: gif}\n"))
    assert scene.output.formats == ("gif",) and scene.publish.files == ("gif",)


@pytest.mark.slow
@pytest.mark.parametrize(("easing", "shape"), [("linear", lambda t: t), ("ease-in-cubic", lambda t: t**3)])
def test_a_playlists_crossfades_are_eased_as_its_morphs(tmp_path, olivetti_home, isolated_cache, easing, shape):
    from mediafiles import png

    scene = write_scene(tmp_path, f"name: loop\ninputs: [{{face: 0}}, {{face: 1}}]\nlayout: {{playlist: {{crossfade: 4}}}}\n"
                                  f"morph: {{levels: 6, easing: {easing}}}\noutput: {{dir: out, size: 64, formats: [frames]}}\n")
    assert invoke(str(scene), "--cache-dir", str(isolated_cache)).exit_code == 0
    frames = sorted((tmp_path / "out" / "loop" / "frames" / "playlist").glob("*.png"))
    start, end = png(frames[0]).astype(float), png(frames[10]).astype(float)  # face-0 at level 0, face-1 at level 0
    for k, frame in enumerate(frames[6:10]):
        blend = png(frame).astype(float)
        weight = ((blend - start) * (end - start)).sum() / ((end - start) ** 2).sum()  # where it sits between them
        assert weight == pytest.approx(shape((k + 1) / 5), abs=0.01), (easing, k, weight)
