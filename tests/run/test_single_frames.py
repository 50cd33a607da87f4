"""``render --frame N``: just those frames of each film, as PNG, the same pixels as the film's own
PNG frames, beside the real outputs; a frame past the film's end is one line."""

from __future__ import annotations

import numpy as np
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


def test_one_run_gives_the_transparent_film_and_the_opaque_one_on_the_matte(tmp_path, olivetti_home, isolated_cache):
    from PIL import Image

    from mediafiles import gif_frames, mp4_frames

    scene = write_scene(tmp_path, "name: both\nmorph: {levels: 6}\noutput: {dir: out, size: 128, "
                                  "formats: [webm, mp4, gif, frames], background: transparent, matte: 0.5}\n")
    result = invoke(str(scene), "--cache-dir", str(isolated_cache))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "both"
    with Image.open(folder / "frames" / "face-0" / "0000.png") as first:
        gray, alpha = (np.asarray(band, np.float64) for band in first.convert("LA").split())
    assert alpha.min() == 0 and alpha.max() == 255  # see-through padding in the PNG frames
    expected = np.rint(gray * alpha / 255 + round(0.5 * 255) * (1 - alpha / 255))
    _, video = mp4_frames(folder / "face-0.mp4")
    assert np.abs(video[0].astype(float) - expected).max() <= 3  # the MP4 on the matte (H.264's own rounding)
    gif, _, _ = gif_frames(folder / "face-0.gif")
    blocks = lambda image: image.astype(float).reshape(16, 8, 16, 8).mean(axis=(1, 3))  # noqa: E731 (the dither's cells)
    assert np.abs(blocks(gif[0]) - blocks(expected)).max() < 3  # the GIF too, as its ordered dither averages
    clear = alpha == 0  # where the transparent films are see-through, the opaque ones show the matte
    assert abs(video[0][clear].mean() - 128) <= 2 and abs(gif[0][clear].mean() - 128) <= 2
    plain = write_scene(tmp_path, "name: plain\noutput: {matte: 0.5}\n", name="plain.yaml")
    refused = invoke(str(plain))
    assert refused.exit_code == ExitCode.SCENE and "matte does nothing without background: transparent" in refused.output
