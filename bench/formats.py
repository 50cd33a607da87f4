"""Every way out, on the default clip (scenes/happy.yaml at 512 px, paced as by default: 136 frames):
bytes, quality against the PNG frames (the lowest and the mean PSNR of the decoded frames, and VMAF
v0.6.1 through the bundled ffmpeg's libvmaf), the pace (the smallest and largest ratio of a decoded
step from frame to frame over the PNG frames': a keyframe's pulse is well above 1, a stall well
below; see bench/video_fidelity.py) and encode time, as a ratio to the default MP4's encoded in the
same run (these machines are noisy: only ratios travel).

Each format is encoded by the tool's own sink (the code the render runs), fed the same frames from
memory, three times interleaved; the median time is kept.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/formats.py
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RENDER, paced_raw, run, scene_variant  # noqa: E402

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
from mediafiles import decoded, psnr, step_ratios  # noqa: E402
from render.encode import GifSink, H264, MovSink, Mp4Sink, Webm, WebmSink, Webp, WebpSink  # noqa: E402

FPS, SIDE, REPEATS = 25.0, 512, 3

#: name -> a sink writing to the path given
FORMATS = {
    "mp4 (default: H.264 QP 1)": lambda p: Mp4Sink(p.with_suffix(".mp4"), (SIDE, SIDE), FPS, H264(gop=25)),
    "mp4 CRF 18": lambda p: Mp4Sink(p.with_suffix(".mp4"), (SIDE, SIDE), FPS, H264(crf=18, gop=25)),
    "webm (default: VP9 lossless)": lambda p: WebmSink(p.with_suffix(".webm"), (SIDE, SIDE), FPS),
    "webm VP9 crf 20": lambda p: WebmSink(p.with_suffix(".webm"), (SIDE, SIDE), FPS, Webm("vp9", 20)),
    "webm AV1 lossless": lambda p: WebmSink(p.with_suffix(".webm"), (SIDE, SIDE), FPS, Webm("av1")),
    "webm AV1 crf 20": lambda p: WebmSink(p.with_suffix(".webm"), (SIDE, SIDE), FPS, Webm("av1", 20)),
    "webm AV1 crf 10": lambda p: WebmSink(p.with_suffix(".webm"), (SIDE, SIDE), FPS, Webm("av1", 10)),
    "webp (default: lossy q 90)": lambda p: WebpSink(p.with_suffix(".webp"), (SIDE, SIDE), FPS),
    "webp lossless": lambda p: WebpSink(p.with_suffix(".webp"), (SIDE, SIDE), FPS, Webp(lossless=True)),
    "mov (ProRes 4444)": lambda p: MovSink(p.with_suffix(".mov"), (SIDE, SIDE), FPS),
    "gif (default: 32 grays, dithered)": lambda p: GifSink(p.with_suffix(".gif"), (SIDE, SIDE), FPS),
}


def vmaf(path: Path, reference: Path) -> float:
    """VMAF of a decoded file against the reference frames (raw gray), both as yuv420p."""
    import imageio_ffmpeg

    said = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path),
         "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{SIDE}x{SIDE}", "-r", str(FPS), "-i", str(reference),
         "-lavfi", "[0:v]format=yuv420p[d];[1:v]format=yuv420p[r];[d][r]libvmaf=n_threads=2", "-f", "null", "-"],
        capture_output=True, text=True).stderr
    return float(re.findall(r"VMAF score: ([\d.]+)", said)[-1])


def encode(make, frames: np.ndarray, path: Path) -> tuple[float, Path]:
    started = time.perf_counter()
    sink = make(path)
    for frame in frames:
        sink.write(frame)
    sink.close()
    return time.perf_counter() - started, sink.path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scene = scene_variant(folder, dir=str(folder / "out"), formats=["frames"])
        run([*RENDER, str(scene), "--quiet"])
        pngs = sorted((folder / "out" / "happy" / "frames" / "face-0").glob("*.png"))
        assert np.asarray(Image.open(pngs[0])).shape == (SIDE, SIDE)
        raw = paced_raw(pngs, scene)
        frames = np.frombuffer(raw, np.uint8).reshape(-1, SIDE, SIDE)
        reference = folder / "reference.gray"
        reference.write_bytes(raw)
        times: dict[str, list[float]] = {name: [] for name in FORMATS}
        files: dict[str, Path] = {}
        for _ in range(REPEATS):
            for i, (name, make) in enumerate(FORMATS.items()):
                seconds, files[name] = encode(make, frames, folder / f"film{i}")
                times[name].append(seconds)
        base = statistics.median(times[next(iter(FORMATS))])
        print(f"{len(frames)} frames of {SIDE}x{SIDE} at {FPS:g} fps; time: median of {REPEATS}, over the default MP4's")
        print("| format | bytes | lowest PSNR dB | mean PSNR dB | VMAF | steps | encode time |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name in FORMATS:
            path = files[name]
            video = decoded(path)
            assert video.shape == frames.shape, (name, video.shape)
            scores = [psnr(a, b) for a, b in zip(video, frames)]
            finite = [s for s in scores if s != float("inf")] or [float("inf")]
            lowest = min(scores)
            mean = statistics.mean(finite) if len(finite) == len(scores) else float("inf")
            shown = lambda v: "exact" if v == float("inf") else f"{v:.1f}"  # noqa: E731
            steps, _ = step_ratios(video, frames)
            print(f"| {name} | {path.stat().st_size:,} | {shown(lowest)} | {shown(mean)} | "
                  f"{vmaf(path, reference):.2f} | {steps.min():.2f}-{steps.max():.2f}x | "
                  f"{statistics.median(times[name]) / base:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
