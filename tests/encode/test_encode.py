"""The encoders, read back with the real ffmpeg and Pillow."""

from __future__ import annotations

import numpy as np
import pytest

from mediafiles import gif_frames, mp4_frames, mp4_top_boxes, png
from render.encode import FramesSink, GifSink, Mp4Sink
from render.errors import EncodeError


def ramp(count: int, size: int = 64) -> list[np.ndarray]:
    return [np.full((size, size), int(i * 255 / (count - 1)), np.uint8) for i in range(count)]


def encode(sink, frames):
    for f in frames:
        sink.write(f)
    sink.close()


def test_mp4_is_h264_yuv420p_faststart_with_every_frame(tmp_path):
    path = tmp_path / "clip.mp4"
    frames = ramp(12)
    encode(Mp4Sink(path, (64, 64), fps=25), frames)
    meta, decoded = mp4_frames(path)
    assert meta["codec"] == "h264"
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["fps"] == 25 and meta["size"] == (64, 64)
    assert len(decoded) == 12
    assert np.abs(decoded.astype(int) - np.stack(frames)).max() <= 3  # flat gray survives H.264
    boxes = mp4_top_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes


def test_mp4_bytes_are_the_same_for_the_same_frames(tmp_path):
    for name in ("a.mp4", "b.mp4"):
        encode(Mp4Sink(tmp_path / name, (64, 64), fps=25), ramp(8))
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_mp4_failure_is_an_encode_error(tmp_path):
    (tmp_path / "clip.mp4").mkdir()  # a folder where the file should go
    sink = Mp4Sink(tmp_path / "clip.mp4", (64, 64), fps=25)
    with pytest.raises(EncodeError, match="clip.mp4: ffmpeg failed"):
        for f in ramp(4):
            sink.write(f)
        sink.close()


def test_gif_loops_forever_with_exact_timing(tmp_path):
    path = tmp_path / "clip.gif"
    frames = ramp(10)
    encode(GifSink(path, (64, 64), fps=25), frames)
    decoded, delays, loop = gif_frames(path)
    assert loop == 0
    assert len(decoded) == 10 and delays == [40] * 10


@pytest.mark.parametrize(("colors", "error"), [(32, 4), (64, 2), (255, 1)])
def test_undithered_gif_pixels_are_within_half_a_palette_step(tmp_path, colors, error):
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (48, 64), dtype=np.uint8) for _ in range(4)]
    encode(GifSink(tmp_path / "n.gif", (64, 48), fps=10, colors=colors, dither=False), frames)
    decoded, _, _ = gif_frames(tmp_path / "n.gif")
    for a, b in zip(decoded, frames):
        assert np.abs(a.astype(int) - b).max() <= error


@pytest.mark.parametrize("colors", [8, 32, 255])
def test_dithered_gif_pixels_are_one_of_the_two_nearest_levels_and_average_to_the_frame(tmp_path, colors):
    step = 255 / (colors - 1)
    gradient = np.repeat(np.arange(256, dtype=np.uint8), 8)[None, :].repeat(8, axis=0)  # an 8x8 block per gray
    encode(GifSink(tmp_path / "d.gif", (2048, 8), fps=10, colors=colors), [gradient])
    (decoded,), _, _ = gif_frames(tmp_path / "d.gif")
    assert np.abs(decoded.astype(int) - gradient).max() < step + 1  # never past the nearest levels
    assert decoded[:, :8].max() == 0 and decoded[:, -8:].min() == 255  # black and white stay pure
    # Each block (the whole 8x8 pattern once) averages to its gray, within the ramp's rounding.
    blocks = decoded.reshape(8, 256, 8).mean(axis=(0, 2))
    assert np.abs(blocks - np.arange(256)).max() <= step / 64 + 0.5


def test_dithered_gif_leaves_unchanged_regions_unchanged_and_moves_a_slow_fade_gradually(tmp_path):
    # The left half fades by one gray level a frame; the right half never changes.
    frames = []
    for k in range(24):
        frame = np.full((32, 64), 90, np.uint8)
        frame[:, :32] = 100 + k
        frames.append(frame)
    encode(GifSink(tmp_path / "f.gif", (64, 32), fps=10), frames)
    decoded, _, _ = gif_frames(tmp_path / "f.gif")
    for a, b in zip(decoded, decoded[1:]):
        assert np.array_equal(a[:, 32:], b[:, 32:])  # a fixed pattern: nothing crawls
        changed = np.mean(a[:, :32] != b[:, :32])
        assert changed <= 0.25  # a level's worth of pixels flips at a time, never the whole area
    means = [d[:, :32].mean() for d in decoded]
    assert np.abs(np.array(means) - (100 + np.arange(24))).max() <= 1.0


def test_gif_tolerance_leaves_small_drifts_on_screen(tmp_path):
    base = np.full((32, 32), 128, np.uint8)
    drift = base + 6  # under the tolerance: not redrawn
    jump = base + 40  # over it: redrawn
    encode(GifSink(tmp_path / "t.gif", (32, 32), fps=10, colors=255, tolerance=8, dither=False),
           [base, drift, jump])
    decoded, _, _ = gif_frames(tmp_path / "t.gif")
    assert decoded[1].max() == 128 and np.abs(decoded[2].astype(int) - 168).max() <= 1


def test_gif_delays_keep_the_total_exact_at_rates_gifs_cannot_hold(tmp_path):
    path = tmp_path / "clip.gif"
    encode(GifSink(path, (64, 64), fps=30), ramp(30))
    decoded, delays, _ = gif_frames(path)
    assert len(decoded) == 30 and set(delays) == {30, 40}
    assert abs(sum(delays) - 1000) <= 10


def test_gif_keeps_repeated_frames_and_their_duration(tmp_path):
    path = tmp_path / "hold.gif"
    frames = [*ramp(3), ramp(3)[-1], ramp(3)[-1]]
    encode(GifSink(path, (64, 64), fps=10, colors=255), frames)
    decoded, delays, _ = gif_frames(path)
    assert len(decoded) == 5 and sum(delays) == 500
    for a, b in zip(decoded, frames):
        assert np.abs(a.astype(int) - b).max() <= 1


def test_frames_are_numbered_gray_pngs(tmp_path):
    encode(FramesSink(tmp_path / "frames"), ramp(3, size=16))
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == ["0000.png", "0001.png", "0002.png"]
    assert png(tmp_path / "frames" / "0002.png").max() == 255


def test_ffmpeg_runs_in_a_group_of_its_own_within_the_renders_session(tmp_path):
    """Its own process group (a Ctrl-C at the terminal is the render's to handle), but not a session of its
    own: Linux schedules every session as one group (autogroup), and an encoder in a session of its own
    would take half the machine from the kiosk's visitors whatever its priority says."""
    import os
    from pathlib import Path

    sink = Mp4Sink(tmp_path / "clip.mp4", (64, 64), fps=25)
    try:
        pid = sink._process.pid
        assert os.getpgid(pid) == pid != os.getpgid(0)
        assert os.getsid(pid) == os.getsid(0)
        if Path("/proc/self/autogroup").exists():
            assert Path(f"/proc/{pid}/autogroup").read_text() == Path("/proc/self/autogroup").read_text()
    finally:
        encode(sink, ramp(2))


def _ffmpeg_planes(frame):
    """What the bundled ffmpeg makes of a gray frame for an H.264 encode: its yuv420p planes."""
    import subprocess

    import imageio_ffmpeg

    height, width = frame.shape
    done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "gray",
                           "-s", f"{width}x{height}", "-i", "-", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                          input=frame.tobytes(), capture_output=True, check=True)
    return done.stdout


@pytest.mark.parametrize("size", [(256, 256), (250, 96), (1080, 1920)])
def test_gray_frames_are_sent_as_the_very_planes_ffmpeg_would_make_of_them(size):
    """Every gray level, at every place in the frame (each row the levels shifted by one more)."""
    from render.encode.ffmpeg import neutral_chroma, tv_luma

    width, height = size
    levels = np.arange(width * height, dtype=np.int64).reshape(height, width)
    frame = ((levels + np.arange(height)[:, None] * 7) % 256).astype(np.uint8)
    assert tv_luma(frame) + neutral_chroma(width, height) == _ffmpeg_planes(frame)
    assert tv_luma(frame[:, ::-1]) == tv_luma(np.ascontiguousarray(frame[:, ::-1]))  # a view is read as it shows
    with pytest.raises(ValueError, match="must be even"):
        neutral_chroma(95, 64)


@pytest.mark.parametrize("crf", [None, 20])
def test_an_mp4_of_planes_is_byte_for_byte_the_mp4_ffmpeg_makes_from_the_gray_frames(tmp_path, crf):
    import subprocess

    from render.encode.ffmpeg import ffmpeg_command
    from render.encode.mp4 import H264, mp4_output

    rng = np.random.default_rng(5)
    frames = [np.clip(f.astype(int) + rng.integers(-40, 40, f.shape), 0, 255).astype(np.uint8) for f in ramp(10, 96)]
    frames += frames[::-1]  # the way back sends the same bytes again
    sink = Mp4Sink(tmp_path / "planes.mp4", (96, 96), fps=25, h264=H264(crf=crf))
    assert sink.planar
    encode(sink, frames)
    raw = tmp_path / "gray.raw"
    raw.write_bytes(b"".join(f.tobytes() for f in frames))
    subprocess.run(ffmpeg_command((96, 96), 25, str(raw), mp4_output(H264(crf=crf)), tmp_path / "gray.mp4"), check=True)
    assert (tmp_path / "planes.mp4").read_bytes() == (tmp_path / "gray.mp4").read_bytes()
