"""Every preset's files, read back from their own bytes, against the platform's published limits."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from conftest import invoke, write_scene
from mediafiles import blurred_psnr, gif_frames, mp4_facts, mp4_frames, paced, png
from render.scene.presets import LIMITS, PRESETS, safe_zone

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, olivetti_home):
    """The first happy face through every preset (MP4, GIF, PNG frames), rendered once."""
    folder = tmp_path_factory.mktemp("presets")
    for preset in PRESETS:
        scene = write_scene(folder, f"name: {preset}\ntitle: Drawn into happiness\ndescription: A face, and the face "
                                    f"called happy.\noutput: {{dir: out, preset: {preset}, formats: [mp4, gif, frames]}}\n",
                            f"{preset}.yaml")
        result = invoke(str(scene))
        assert result.exit_code == 0, result.stderr
    return folder / "out"


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_video_meets_the_platform_limits(rendered, preset):
    video = rendered / preset / "face-0.mp4"
    facts = mp4_facts(video)
    limits, settings = LIMITS[preset], PRESETS[preset]
    width, height = settings.get("frame", [512, 512])
    assert (facts["codec"], facts["profile"]) == ("avc1", "High")
    assert (facts["width"], facts["height"]) == (width, height), "no silent rescaling to 16-pixel multiples"
    assert width % 2 == 0 and height % 2 == 0
    assert facts["top_boxes"].index("moov") < facts["top_boxes"].index("mdat"), "faststart"
    assert limits.min_duration <= facts["duration"] <= limits.max_duration
    assert limits.min_fps <= facts["fps"] <= limits.max_fps
    if limits.fps_allowed:
        assert facts["fps"] in limits.fps_allowed
    assert width <= limits.max_width and height <= limits.max_height
    assert limits.min_aspect <= width / height <= limits.max_aspect
    assert video.stat().st_size <= limits.max_bytes
    assert video.stat().st_size * 8 / facts["duration"] / 1000 <= min(limits.max_kbps, settings["max_kbps"])
    assert "open_gop=0" in facts["x264_settings"], "every GOP closed"
    gop = max(1, round(facts["fps"] * settings["gop_seconds"]))
    assert f"keyint={gop} " in facts["x264_settings"]
    assert np.all(np.diff(facts["keyframes"]) == gop)
    _, decoded = mp4_frames(video)
    assert len(decoded) == facts["frames"]


def test_youtube_gets_closed_gops_of_half_the_frame_rate_and_two_b_frames(rendered):
    facts = mp4_facts(rendered / "youtube" / "face-0.mp4")
    assert facts["keyframes"][:3] == [1, 13, 25] and "bframes=2" in facts["x264_settings"]


def test_short_clips_are_held_at_both_ends_to_the_minimum_duration(rendered, tmp_path):
    facts = mp4_facts(rendered / "instagram-reels" / "face-0.mp4")  # paced as by default: long enough already
    assert facts["frames"] == len(paced(50, 30)) and facts["duration"] == pytest.approx(len(paced(50, 30)) / 30)
    once = write_scene(tmp_path, "name: once\noutput: {dir: out, preset: instagram, formats: [mp4], loop: once, "
                                 "hold_start: 0, hold_end: 0}\n")
    result = invoke(str(once))
    assert result.exit_code == 0, result.stderr
    facts = mp4_facts(tmp_path / "out" / "once" / "face-0.mp4")
    assert facts["frames"] == 90 and facts["duration"] == pytest.approx(3.0)
    _, frames = mp4_frames(tmp_path / "out" / "once" / "face-0.mp4")
    held = [np.abs(frames[k].astype(int) - frames[0]).mean() for k in range(20)]
    held += [np.abs(frames[-k].astype(int) - frames[-1]).mean() for k in range(1, 21)]
    assert max(held) < 0.2  # 20 frames held at each end, up to H.264's own noise
    assert np.abs(frames[45].astype(int) - frames[0]).mean() > 2  # and it moves in between


def test_the_face_is_centred_in_the_safe_zone_and_never_stretched(rendered):
    _, frames = mp4_frames(rendered / "instagram-reels" / "face-0.mp4")
    last = frames[len(paced(50, 30, loop="once"))].astype(int)  # the projection, held
    left, top, right, bottom = safe_zone("instagram-reels", (1080, 1920))
    assert (left, top, right, bottom) == (65, 269, 1015, 1248)  # Meta: 6% each side, 14% top, 35% bottom
    assert last[: top - 2].max() <= 3 and last[bottom + 2 :].max() <= 3, "nothing under the caption or the profile"
    face = png(rendered / "instagram-reels" / "frames" / "face-0" / "0049.png")
    assert face.shape == (1920, 1080)
    rows = np.flatnonzero(face.max(axis=1) > 3)
    assert top <= rows[0] and rows[-1] < bottom, (rows[0], rows[-1])
    assert np.abs(last[top:bottom].astype(int) - face[top:bottom]).mean() < 2


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_sidecar_describes_its_file(rendered, preset):
    video = rendered / preset / "face-0.mp4"
    sidecar = json.loads(video.with_suffix(".json").read_text())
    facts = mp4_facts(video)
    data = video.read_bytes()
    assert sidecar["file"] == "face-0.mp4"
    assert sidecar["title"] == "Drawn into happiness"
    assert sidecar["description"] == "A face, and the face called happy."
    assert sidecar["bytes"] == len(data) and sidecar["sha256"] == hashlib.sha256(data).hexdigest()
    assert sidecar["duration_s"] == pytest.approx(facts["duration"], abs=1e-3)
    assert sidecar["frames"] == facts["frames"] and sidecar["fps"] == facts["fps"]
    assert (sidecar["width"], sidecar["height"]) == (facts["width"], facts["height"])
    assert (sidecar["codec"], sidecar["profile"], sidecar["pixel_format"]) == ("h264", "High", "yuv420p")
    assert sidecar["preset"] == preset


def test_the_x_gif_is_small_loops_and_keeps_time(rendered):
    gif = rendered / "x" / "face-0.gif"
    frames, delays, loop = gif_frames(gif)
    count = len(paced(50, 30))
    assert loop == 0 and len(frames) == count and frames[0].shape == (480, 480)
    assert abs(sum(delays) - count / 30 * 1000) <= 10 and set(delays) <= {30, 40}
    assert gif.stat().st_size < 15 << 20 and len(frames) <= 350  # X: 15 MB, 350 frames


def test_the_default_gif_is_faithful_to_the_frames(rendered):
    """The blurred PSNR (sigma 2 px) of every decoded GIF frame against the PNG frame it shows: at least 55 dB."""
    frames, _, _ = gif_frames(rendered / "web" / "face-0.gif")
    pngs = [png(p) for p in sorted((rendered / "web" / "frames" / "face-0").glob("*.png"))]
    order = paced(50, 25)
    assert len(frames) == len(order)
    soft = [blurred_psnr(frames[k], pngs[order[k]]) for k in range(0, len(order), 4)]
    assert np.mean(soft) >= 55, np.mean(soft)
