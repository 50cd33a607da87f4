"""``render --frame N``: just those frames of each film, as PNG, the same pixels as the film's own
PNG frames, beside the real outputs; a frame past the film's end is one line."""

from __future__ import annotations

import pytest

from conftest import invoke, write_scene
from render.errors import ExitCode

pytestmark = pytest.mark.slow


def test_single_frames_are_the_films_own(tmp_path, olivetti_home, isolated_cache):
    from mediafiles import png

    scene = write_scene(tmp_path, "name: one\ninputs: [{face: 0}, {face: 3}]\nmorph: {levels: 30, easing: ease-in-out-sine}\n"
                                  "output: {dir: out, size: 128, formats: [mp4, gif, frames], min_duration: 2}\n")
    full = invoke(str(scene), "--cache-dir", str(isolated_cache))
    assert full.exit_code == 0, full.output
    quick = invoke(str(scene), "--cache-dir", str(isolated_cache), "--frame", "0,12-13,29")
    assert quick.exit_code == 0, quick.output
    for clip in ("face-0", "face-3"):
        written = sorted(p.name for p in (tmp_path / "out" / "previews" / "one" / "frames" / clip).iterdir())
        assert written == ["0000.png", "0012.png", "0013.png", "0029.png"]
        for name in written:
            assert (png(tmp_path / "out" / "previews" / "one" / "frames" / clip / name)
                    == png(tmp_path / "out" / "one" / "frames" / clip / name)).all(), (clip, name)
    assert not list((tmp_path / "out" / "previews" / "one").glob("*.mp4"))  # nothing but the frames asked for
    past = invoke(str(scene), "--cache-dir", str(isolated_cache), "--frame", "30")
    assert past.exit_code != 0 and "output.frames_at: frame 30 is past the last frame of 'face-0' (29)" in past.output
    bad = invoke(str(scene), "--frame", "7-3")
    assert bad.exit_code == ExitCode.USAGE and "Invalid value for '--frame'" in bad.output
