"""Two renders against a bare encode of the same frames by the same ffmpeg binary, whole process:

- warm: scenes/happy.yaml (MP4 + GIF, 512 px), its basis and readouts in the cache;
- a new photo: scenes/photo.yaml (MP4 + GIF, 512 px): the basis cached, the photo's face found,
  framed and projected in the render (as for a photo never rendered before).

The bare encode: the render's frames written once to a raw file in the video's own order, then
ffmpeg run on it for the MP4 (the render's encoder arguments) and for a GIF (ffmpeg's GIF encoder).
Everything is timed in this one invocation, interleaved; medians.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/warm_render.py [--repeats 7]

Targets (issue 33): the warm render at most 1.2x the bare encode, a new photo at most 1.3x.
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

TARGETS = {"happy": ("warm render", 1.2), "photo": ("a new photo", 1.3)}


def prepare(work: Path, source: str, env: dict[str, str]) -> tuple[list[str], list[list[str]], str]:
    """The render's command, the bare encodes' commands, and a line on the frames."""
    folder = work / source
    folder.mkdir()
    frames_scene = scene_variant(folder, source, formats=["frames"], dir=str(folder / "frames-out"))
    run([*RENDER, str(frames_scene), "--quiet"], env)  # fills the cache, gives the frames
    pngs = sorted((folder / "frames-out").glob("*/frames/*/*.png"))
    raw = folder / "frames.raw"
    raw.write_bytes(paced_raw(pngs, frames_scene))  # the video's own order: loop and holds
    size = Image.open(pngs[0]).size
    scene = scene_variant(folder, source, formats=["mp4", "gif"], dir=str(folder / "out"))
    render = [*RENDER, str(scene), "--quiet", "--force"]  # --force: render, not skip as up to date
    bare = [ffmpeg_command(size, 25, str(raw), mp4_output(H264(gop=25)), folder / "bare.mp4"),
            ffmpeg_command(size, 25, str(raw), ["-loop", "0", "-f", "gif"], folder / "bare.gif")]
    count = raw.stat().st_size // (size[0] * size[1])
    return render, bare, f"{len(pngs)} levels, {count} video frames at {size[0]}x{size[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times: dict[str, tuple[list[float], list[float]]] = {source: ([], []) for source in TARGETS}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {"HAPPY_FACES_CACHE": str(work / "cache")}
        prepared = {source: prepare(work, source, env) for source in TARGETS}
        for render, bare, _ in prepared.values():  # one untimed pass each, so file-system caches are alike
            run(render, env), [run(command) for command in bare]
        for _ in range(args.repeats):
            for source, (render, bare, _) in prepared.items():
                times[source][0].append(run(render, env)[0])
                times[source][1].append(sum(run(command)[0] for command in bare))
    print(f"repeats: {args.repeats} (medians); the render whole process, MP4 + GIF; the bare encode MP4 + GIF")
    for source, (label, target) in TARGETS.items():
        ours, bare = statistics.median(times[source][0]), statistics.median(times[source][1])
        print(f"{label:12s} ({prepared[source][2]}): {ours:.3f} s against {bare:.3f} s: "
              f"{ours / bare:.2f}x   (target <= {target}x: {'met' if ours / bare <= target else 'NOT met'})")


if __name__ == "__main__":
    main()
