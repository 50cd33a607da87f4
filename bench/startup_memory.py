"""`render --help` wall time, against a bare Python start in the same invocation, and the peak
memory of a cold render (empty cache: TensorFlow loads) and a warm one (cache filled), each a whole
process (the Python process's own peak resident set; ffmpeg's is apart).

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/startup_memory.py

Targets (issue 4): `render --help` under 0.5 s; warm render peak memory under 300 MB.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RENDER, median_wall, run, scene_variant  # noqa: E402


def main() -> None:
    bare = median_wall([sys.executable, "-c", "pass"], 11)
    help_ = median_wall([*RENDER, "--help"], 11)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {"HAPPY_FACES_CACHE": str(work / "cache")}
        scene = scene_variant(work, formats=["mp4", "gif"], dir=str(work / "out"))
        cold_s, cold_mb = run([*RENDER, str(scene), "--quiet"], env)
        warm_s, warm_mb = run([*RENDER, str(scene), "--quiet", "--force"], env)
    print(f"python -c pass:  {bare:.3f} s (median of 11)")
    print(f"render --help:   {help_:.3f} s (median of 11), {help_ / bare:.1f}x a bare Python start   "
          f"(target < 0.5 s: {'met' if help_ < 0.5 else 'NOT met'})")
    print(f"cold render:     {cold_s:.2f} s, peak {cold_mb:.0f} MB")
    print(f"warm render:     {warm_s:.2f} s, peak {warm_mb:.0f} MB, {warm_mb / cold_mb:.2f}x the cold peak   "
          f"(target < 300 MB: {'met' if warm_mb < 300 else 'NOT met'})")


if __name__ == "__main__":
    main()
