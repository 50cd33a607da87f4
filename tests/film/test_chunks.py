"""Long films made in parts: cut at closed-GOP boundaries, rendered apart, joined without coding again.
Whoever renders the parts (one worker or two), the film is the same, and it is the whole film: every
frame of its timeline in its MP4 and its GIF, each frame once in its PNG frames."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import invoke, write_scene
from mediafiles import gif_frames, mp4_frames, png, sound, streams
from render.encode.gif import GifSink
from render.film.reel import orders
from render.scene.load import load_scene

pytestmark = pytest.mark.slow

LONG = ("name: reel\ninputs: [{faces}]\nlayout: playlist\nmorph: {{levels: 20}}\n"
        "output: {{dir: {out}, size: 64, formats: [mp4, gif, frames], gif: {{fps: 30}}, audio: tone.wav}}\n")


def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, olivetti_home):
    """The playlist of 12 faces (about 43 s, with a soundtrack) rendered by one worker and by two."""
    folder = tmp_path_factory.mktemp("chunks")
    import subprocess

    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2.3",
                    "-ac", "1", str(folder / "tone.wav")], check=True)
    faces = ", ".join(f"{{face: {k}}}" for k in range(12))
    made = {}
    # What a run killed while gathering parts left behind (its process gone): swept by the next run.
    left = folder / "out2" / "reel" / ".playlist.partial-4194303-parts" / "part-0000"
    left.mkdir(parents=True)
    (left / "playlist.part-0000.mp4").write_bytes(b"half")
    for jobs in ("1", "2"):
        scene = write_scene(folder, LONG.format(faces=faces, out=f"out{jobs}"), f"reel{jobs}.yaml")
        result = invoke(str(scene), "--jobs", jobs)
        assert result.exit_code == 0, result.stderr
        made[jobs] = (scene, folder / f"out{jobs}" / "reel", result.stderr)
    return made


def test_a_long_film_is_rendered_in_parts_by_every_worker_and_is_the_same(rendered):
    (_, one, _), (_, two, said) = rendered["1"], rendered["2"]
    assert "playlist [part 1/5]: done" in said and "playlist [part 5/5]: done" in said, said
    assert "reel: playlist: done (1/1)" in said and "1 rendered, 0 skipped (up to date), 0 failed" in said
    assert files(one) == files(two)
    assert not [p for p in two.parent.rglob(".*")], "a part or its gathering folder was left behind"


def test_the_joined_film_holds_every_frame_of_its_timeline(rendered):
    scene, folder, _ = rendered["2"]
    spec = load_scene(scene)
    pngs = sorted((folder / "frames" / "playlist").glob("*.png"))
    frames = np.stack([png(p) for p in pngs])
    manifest = json.loads((folder / "manifest.json").read_text())["clips"]["playlist"]
    _, video = mp4_frames(folder / "playlist.mp4")
    assert len(video) == manifest["frames"] and len(video) > 4 * 250  # more than four parts' worth
    sidecar = json.loads((folder / "playlist.json").read_text())
    assert sidecar["frames"] == len(video) and sidecar["files"][0]["audio"]["codec"] == "aac"
    heard = sound(folder / "playlist.mp4")  # the whole film's soundtrack, made once when joined
    assert "aac" in streams(folder / "playlist.mp4")["audio"]
    assert abs(len(heard) / 48_000 - len(video) / 25) < 0.05

    # The decoded video is the PNG frames in the timeline's order (QP 1: within a level or two).
    order = _order(spec, len(frames))
    assert len(order) == len(video)
    assert np.abs(video.astype(int) - frames[order].astype(int)).max() <= 3

    # The GIF is the GIF one writer makes of the same frames in one go.
    gif_order = _order(spec, len(frames), gif=True)
    whole = folder.parent / "whole.gif"
    sink = GifSink(whole, (64, 64), spec.output.gif_fps, spec.output.gif.colors, spec.output.gif.tolerance)
    for index in gif_order:
        sink.write(frames[index])
    sink.close()
    (joined, delays, loop), (expected, expected_delays, _) = gif_frames(folder / "playlist.gif"), gif_frames(whole)
    assert loop == 0 and delays == expected_delays and len(joined) == len(gif_order)
    assert all(np.array_equal(a, b) for a, b in zip(joined, expected))


def _order(spec, length, gif=False):
    """The scene's timeline over a playlist of 12 faces of 20 levels (the film the planner made)."""
    from render.film.reel import Film

    fade = spec.layout.playlist.crossfade
    film = Film(20, None, (64, 64), (64, 64), 12, fade)
    assert film.length == length
    video, gif_order = orders(film, spec.output)
    return gif_order if gif else video


def test_a_transparent_webm_made_in_parts_keeps_its_alpha(tmp_path, olivetti_home):
    from PIL import Image

    from mediafiles import decoded

    faces = ", ".join(f"{{face: {k}}}" for k in range(12))
    # An apostrophe in the folder: ffmpeg's list of parts quotes it.
    scene = write_scene(tmp_path, f"name: clear\ninputs: [{faces}]\nlayout: playlist\nmorph: {{levels: 20}}\n"
                                  "output: {dir: \"anne's show\", size: 64, background: transparent, "
                                  "formats: [webm, mp4, frames]}\n")
    result = invoke(str(scene), "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    assert "playlist [part 5/5]: done" in result.stderr
    folder = tmp_path / "anne's show" / "clear"
    sidecar = json.loads((folder / "playlist.json").read_text())  # beside the MP4, as a film made whole
    assert sidecar["file"] == "playlist.mp4" and sidecar["codec"] == "h264"
    frames = np.stack([np.asarray(Image.open(p)) for p in sorted((folder / "frames" / "playlist").glob("*.png"))])
    video = decoded(folder / "playlist.webm", alpha=True)
    order = _order(load_scene(scene), len(frames))
    assert video.shape == (len(order), 64, 64, 2)
    difference = np.abs(video.astype(int) - frames[order].astype(int))
    assert difference[..., 1].max() == 0 and difference[..., 0].max() <= 1  # lossless VP9, its alpha exact
