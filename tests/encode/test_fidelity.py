"""The outputs as faithful as their frames, measured on the decoded files of the default scene and a grid:
the MP4's pace (no keyframe pulse, no stall) and lowest PSNR, the GIF seen through a blur, the border's
rim, the colour tags."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from conftest import REPO, invoke, write_scene
from mediafiles import blurred_psnr, gif_frames, mp4_frames, png, psnr, ring_fall, step_ratios
from render.ground.timeline import timeline
from render.scene.load import load_scene

pytestmark = pytest.mark.slow

GRID = ("name: sheet\ndataset: olivetti\nfilter: {emotion: happy}\nbasis: {components: 2}\ninputs: [{face: all}]\n"
        "layout: grid\nmorph: {levels: 50, padding: 2}\noutput: {dir: out, formats: [mp4, frames], size: 512}\n")


@pytest.fixture(scope="module")
def films(tmp_path_factory, olivetti_home):
    """The default scene (scenes/happy.yaml's clip, as MP4, GIF and PNG frames) and a grid of every happy face."""
    folder = tmp_path_factory.mktemp("fidelity")
    text = (REPO / "scenes" / "happy.yaml").read_text().replace(
        "output: {dir: ../output, formats: [mp4, gif, frames, stills, html, readout]", "output: {dir: out, formats: [mp4, gif, frames]")
    single, grid = write_scene(folder, text, "happy.yaml"), write_scene(folder, GRID, "sheet.yaml")
    for scene in (single, grid):
        result = invoke(str(scene))
        assert result.exit_code == 0, result.stderr
    return {"single": (load_scene(single), folder / "out" / "happy", "face-0"),
            "grid": (load_scene(grid), folder / "out" / "sheet", "grid")}


def film_and_video(films, which):
    scene, folder, name = films[which]
    pngs = np.stack([png(p) for p in sorted((folder / "frames" / name).glob("*.png"))])
    order = timeline(len(pngs), scene.output.fps, scene.output.pacing)
    _, video = mp4_frames(folder / f"{name}.mp4")
    assert len(video) == len(order)
    return pngs[order], video


@pytest.mark.parametrize("which", ["single", "grid"])
def test_the_mp4_keeps_the_frames_pace_without_pulse_or_stall(films, which):
    expected, video = film_and_video(films, which)
    ratios, still = step_ratios(video, expected)
    assert len(ratios) >= 90  # forward and back
    assert ratios.max() <= 1.3, (ratios.max(), int(ratios.argmax()))  # no keyframe jumps ahead
    assert ratios.min() >= 1 / 1.3, (ratios.min(), int(ratios.argmin()))  # and nothing stalls
    assert still.max() <= 0.1  # held frames stay held (a keyframe inside a hold redraws a little)
    lowest = min(psnr(a, b) for a, b in zip(video, expected))
    assert lowest >= 45, lowest


def test_the_gif_seen_through_a_blur_is_the_frames(films):
    scene, folder, _ = films["single"]
    pngs = np.stack([png(p) for p in sorted((folder / "frames" / "face-0").glob("*.png"))])
    expected = pngs[timeline(len(pngs), scene.output.gif_fps, scene.output.pacing)]
    gif, _, _ = gif_frames(folder / "face-0.gif")
    assert len(gif) == len(expected)
    blurred = [blurred_psnr(a, b) for a, b in zip(gif[::5], expected[::5])]
    assert np.mean(blurred) >= 55, np.mean(blurred)


def test_no_light_rim_inside_the_padding_in_the_frames_or_the_video(films):
    expected, video = film_and_video(films, "single")
    edge, width = 15, 15  # 2 px of padding at 512/68 px a source pixel; two source pixels inward
    for frame in (expected[0], expected[-30], video[0], video[-30]):
        assert ring_fall(frame, edge, width) <= 1.5


def test_every_video_is_tagged_bt709_limited_range(films):
    import imageio_ffmpeg

    _, folder, name = films["single"]
    said = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(folder / f"{name}.mp4")],
                          capture_output=True, text=True).stderr
    assert "yuv420p(tv, bt709, progressive)" in said, said
