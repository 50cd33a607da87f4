"""A 200-clip batch (Olivetti faces, 256 px, MP4) against the same encodes done by bare ffmpeg
processes with the same parallelism, and the batch's peak memory against a 1-clip render's.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/batch.py [--clips 200] [--jobs N] [--rounds 5]

The batch is timed warm (cache filled by a first, untimed run; --force renders every clip again),
whole process, workers included. The baseline encodes one clip's 136 paced frames (the batch's first clip,
as raw gray frames) --clips times with the render's own ffmpeg arguments, --jobs processes at a
time. The two take turns, --rounds times (this machine's speed drifts by a few percent from one
minute to the next, and single rounds have spread from 0.91x to 1.01x): each round's ratio is
printed, and their median is the figure. Peak memory is
the largest resident set in each run's process tree.
Targets: throughput at least 0.95x the bare-ffmpeg figure (issue 33; 0.8x in issue 6); 200 clips' peak memory at most
1.3x one clip's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RENDER, paced_raw, run  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from render.run.batch import cores  # noqa: E402
from render.encode.ffmpeg import ffmpeg_command  # noqa: E402
from render.encode.mp4 import H264, mp4_output  # noqa: E402

KEPT = 169  # happy faces the default model keeps


def scene(folder: Path, clips: int, formats: list[str]) -> Path:
    document = {
        "name": "batch",
        "inputs": [{"face": k % KEPT} for k in range(clips)],
        "morph": {"levels": 50},
        "output": {"dir": str(folder / "out"), "size": 256, "formats": formats},
    }
    path = folder / f"batch-{clips}-{'-'.join(formats)}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=cores())
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {"HAPPY_FACES_CACHE": str(work / "cache")}
        jobs = ["--jobs", str(args.jobs), "--quiet"]
        many = scene(work, args.clips, ["mp4"])
        run([*RENDER, str(many), *jobs], env)  # fills the cache: dataset, scores, basis, readouts
        _, one_mb = run([*RENDER, str(scene(work, 1, ["mp4"])), *jobs, "--force"], env)

        run([*RENDER, str(scene(work, 1, ["frames"])), "--quiet", "--jobs", "1"], env)
        pngs = sorted((work / "out" / "batch" / "frames" / "face-0").glob("*.png"))
        raw = work / "clip.raw"
        raw.write_bytes(paced_raw(pngs, scene(work, 1, ["frames"])))  # as the render's video shows them
        arguments = mp4_output(H264(gop=25))

        def encode(k: int) -> None:
            command = ffmpeg_command((256, 256), 25, str(raw), arguments, work / f"bare-{k}.mp4")
            subprocess.run(command, check=True)

        def bare_batch() -> float:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                list(pool.map(encode, range(args.clips)))
            return time.perf_counter() - started

        print(f"{args.clips} clips of 50 levels (the video paced: 136 frames) at 256x256, MP4, {args.jobs} at a time")
        ratios, batch_mb = [], 0.0
        for round_ in range(1, args.rounds + 1):
            batch_s, mb = run([*RENDER, str(many), *jobs, "--force"], env)
            bare_s = bare_batch()
            batch_mb = max(batch_mb, mb)
            ratios.append(bare_s / batch_s)
            print(f"round {round_}: render batch (warm, whole process) {batch_s:6.2f} s, {args.clips / batch_s:4.2f} clips/s; "
                  f"bare ffmpeg processes, same encodes {bare_s:6.2f} s, {args.clips / bare_s:4.2f} clips/s: "
                  f"{ratios[-1]:.3f}x")

    ratio = statistics.median(ratios)
    print(f"throughput ratio, median of {len(ratios)} rounds: {ratio:.3f}x   (target >= 0.95x: "
          f"{'met' if ratio >= 0.95 else 'NOT met'})")
    print(f"peak memory: {args.clips} clips {batch_mb:.0f} MB, 1 clip {one_mb:.0f} MB: {batch_mb / one_mb:.2f}x   "
          f"(target <= 1.3x: {'met' if batch_mb / one_mb <= 1.3 else 'NOT met'})")


if __name__ == "__main__":
    main()
