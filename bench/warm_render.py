"""A warm render of scenes/happy.yaml (MP4 + GIF, 512 px), whole process, against a bare encode of
the same frames by the same ffmpeg binary (frames written once to a raw file, then ffmpeg run on it
for the MP4, with the render's encoder arguments, then for a GIF with ffmpeg's GIF encoder). Both
are timed in this one invocation, interleaved.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/warm_render.py [--repeats 7]

Target (issue 4): the warm render takes at most 1.5x the bare encode.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RENDER, paced_raw, run, scene_variant  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from render.encode.ffmpeg import ffmpeg_command  # noqa: E402
from render.encode.mp4 import H264, mp4_output  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {"HAPPY_FACES_CACHE": str(work / "cache")}
        frames_scene = scene_variant(work, formats=["frames"], dir=str(work / "frames-out"))
        run([*RENDER, str(frames_scene), "--quiet"], env)  # cold: fills the cache, gives the frames
        pngs = sorted((work / "frames-out" / "happy" / "frames" / "face-0").glob("*.png"))
        raw = work / "frames.raw"
        raw.write_bytes(paced_raw(pngs, frames_scene))  # the video's own order: loop and holds
        size = Image.open(pngs[0]).size

        scene = scene_variant(work, formats=["mp4", "gif"], dir=str(work / "out"))
        warm = [*RENDER, str(scene), "--quiet", "--force"]  # --force: render, not skip as up to date
        # The MP4: the same binary and encoder arguments as the render's (the scene's defaults), reading
        # the frames from a file. The GIF: ffmpeg's own GIF encoder (the render writes its own).
        bare_mp4 = ffmpeg_command(size, 25, str(raw), mp4_output(H264(gop=25)), work / "bare.mp4")
        raw_frames = raw.stat().st_size // (size[0] * size[1])
        bare_gif = ffmpeg_command(size, 25, str(raw), ["-loop", "0", "-f", "gif"], work / "bare.gif")

        warm_times, bare_times = [], []
        run(warm, env)  # one untimed pass each, so file-system caches are alike
        run(bare_mp4), run(bare_gif)
        for _ in range(args.repeats):
            warm_times.append(run(warm, env)[0])
            bare_times.append(run(bare_mp4)[0] + run(bare_gif)[0])
    w, b = statistics.median(warm_times), statistics.median(bare_times)
    print(f"frames: {len(pngs)} levels, {raw_frames} video frames at {size[0]}x{size[1]}; repeats: {args.repeats} (medians)")
    print(f"warm render (whole process, mp4 + gif): {w:.3f} s")
    print(f"bare ffmpeg encode (mp4 + gif):         {b:.3f} s")
    print(f"ratio warm / bare: {w / b:.2f}x   (target <= 1.5x: {'met' if w / b <= 1.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
