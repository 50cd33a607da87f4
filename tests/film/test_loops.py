"""Loops and holds, read back from the real MP4 and GIF: each loop mode's frame order, alike in both."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import invoke, write_scene
from mediafiles import gif_frames, mp4_frames, png
from render.errors import SceneError
from render.ground.timeline import Pacing, timeline

pytestmark = pytest.mark.slow

LEVELS, FPS = 6, 10


def scene(loop: str, extra: str = "") -> str:
    # Near-lossless H.264 (crf 1) and an undithered 255-level GIF: each decoded frame is plainly one film frame.
    return (f"name: {loop}\ninputs: [{{face: 0}}]\nmorph: {{levels: {LEVELS}}}\n"
            f"output: {{dir: out, size: 64, fps: {FPS}, crf: 1, formats: [mp4, gif, frames], loop: {loop}, "
            f"hold_start: 0.2, hold_end: 0.35, gif: {{colors: 255, dither: none}}{extra}}}\n")


@pytest.fixture(scope="module")
def looped(tmp_path_factory, olivetti_home):
    folder = tmp_path_factory.mktemp("loops")
    for loop in ("once", "pingpong"):
        result = invoke(str(write_scene(folder, scene(loop), f"{loop}.yaml")))
        assert result.exit_code == 0, result.stderr
    return folder / "out"


def shown(decoded: list[np.ndarray] | np.ndarray, film: list[np.ndarray]) -> list[int]:
    """For each decoded frame, the film frame (PNG) it is."""
    order = []
    for frame in decoded:
        errors = [np.abs(frame.astype(int) - f).mean() for f in film]
        assert min(errors) <= 1.0, min(errors)
        order.append(int(np.argmin(errors)))
    return order


@pytest.mark.parametrize("loop", ["once", "pingpong"])
def test_the_mp4_and_the_gif_follow_the_loop_and_its_holds(looped, loop):
    folder = looped / loop
    film = [png(p) for p in sorted((folder / "frames" / "face-0").glob("*.png"))]
    assert len(film) == LEVELS  # the PNG frames hold each level once
    expected = timeline(LEVELS, FPS, Pacing(loop, 0.2, 0.35))
    if loop == "once":  # held 2 frames, forward, held 4 frames (0.35 s: never shorter than asked)
        assert expected.tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5, 5]
    else:  # ... and back down, so the player's loop to the held first frame never jumps
        assert expected.tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 4, 3, 2, 1]
    _, video = mp4_frames(folder / "face-0.mp4")
    assert shown(video, film) == expected.tolist()
    gif, delays, forever = gif_frames(folder / "face-0.gif")
    assert shown(gif, film) == expected.tolist() and forever == 0
    assert sum(delays) == 100 * len(expected)  # 10 fps: a tenth of a second each


def test_a_gif_at_its_own_rate_is_paced_alike(tmp_path, olivetti_home):
    path = write_scene(tmp_path, scene("pingpong", ", gif: {fps: 5, colors: 255, dither: none}").replace(
        ", gif: {colors: 255, dither: none}, gif:", ", gif:"))
    result = invoke(str(path))
    assert result.exit_code == 0, result.stderr
    film = [png(p) for p in sorted((tmp_path / "out" / "pingpong" / "frames" / "face-0").glob("*.png"))]
    gif, delays, _ = gif_frames(tmp_path / "out" / "pingpong" / "face-0.gif")
    assert shown(gif, film) == timeline(LEVELS, 5, Pacing("pingpong", 0.2, 0.35)).tolist()
    assert set(delays) == {200}


@pytest.mark.parametrize(("output", "key"), [
    ("formats: [frames], loop: once", "output.loop"),
    ("formats: [frames, stills], hold_end: 2", "output.hold_end"),
    ("formats: [gif], crf: 20", "output.crf"),
    ("formats: [mp4], gif: {colors: 16}", "output.gif"),
])
def test_keys_that_would_do_nothing_are_errors(tmp_path, output, key):
    from render.scene.load import load_scene

    path = write_scene(tmp_path, f"name: x\noutput: {{{output}}}\n")
    with pytest.raises(SceneError, match=rf"scene.yaml:2: {key}: .* does nothing without"):
        load_scene(path)


def test_a_preset_fills_keys_without_them_being_unused(tmp_path):
    from render.scene.load import load_scene

    scene = load_scene(write_scene(tmp_path, "name: x\noutput: {preset: youtube, formats: [gif]}\n"))
    assert scene.output.crf == 18  # the preset's, not the scene's: not an error


def test_each_frame_is_composed_once_however_often_the_film_shows_it(tmp_path, olivetti_home):
    """Holds and the ping-pong's way back send the frames composed before: a level is composed once,
    and the MP4, the GIF and the PNG frames still show every frame where the timeline puts it."""
    from render.film.reel import Film, write_film
    from render.scene import load_scene

    loaded = load_scene(write_scene(tmp_path, scene("pingpong")))
    asked: list[int] = []

    def frames(level: int, want_small: bool, want_bare: bool):
        asked.append(level)
        pixels = np.full((64, 64), 30 + level * 40, np.uint8)
        return pixels, pixels, pixels

    staging = tmp_path / "staging"
    staging.mkdir()
    count = write_film(Film(LEVELS, frames, (64, 64), (64, 64)), "f", staging, loaded, "f")
    order = timeline(LEVELS, FPS, loaded.output.pacing)
    assert count == len(order) > 2 * LEVELS and sorted(asked) == list(range(LEVELS))
    _, decoded = mp4_frames(staging / "f.mp4")
    assert [int(round((frame.mean() - 30) / 40)) for frame in decoded] == list(order)
    gif, _, _ = gif_frames(staging / "f.gif")
    assert [int(round((frame.mean() - 30) / 40)) for frame in gif] == list(order)
    assert [int(png(path)[0, 0]) for path in sorted((staging / "frames" / "f").glob("*.png"))] == [30 + 40 * k for k in range(LEVELS)]
