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


def test_files_a_new_render_no_longer_writes_are_removed(tmp_path, olivetti_home, isolated_cache):
    import json

    scene = write_scene(tmp_path, "name: change\nmorph: {levels: 6}\noutput: {dir: out, size: 64, formats: [mp4, gif, frames]}\n")
    assert invoke(str(scene), "--cache-dir", str(isolated_cache)).exit_code == 0
    folder = tmp_path / "out" / "change"
    (folder / "mine.txt").write_text("the artist's own notes")  # never listed: never touched
    assert (folder / "face-0.mp4").is_file() and (folder / "frames" / "face-0" / "0005.png").is_file()
    again = invoke(str(scene), "--cache-dir", str(isolated_cache), "-v", "--set", "output.formats=[webm]")
    assert again.exit_code == 0, again.output
    assert "change: face-0: removed 8 files its new render no longer writes: face-0.gif, face-0.mp4, frames/face-0/0000.png" in again.output
    assert sorted(p.name for p in folder.iterdir()) == ["emotions.csv", "face-0.json", "face-0.webm", "manifest.json",
                                                        "mine.txt"], sorted(p.name for p in folder.iterdir())
    listed = json.loads((folder / "manifest.json").read_text())["clips"]["face-0"]["files"]
    assert sorted(listed) == ["face-0.json", "face-0.webm"]
