"""Publishing under measure: a batch of small films put on a real local S3 store (SeaweedFS).

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/publish.py [--repeats 3]

Renders the happy faces of the Olivetti set (169 clips, 64 px, 10 levels, MP4) once, then, in one
process and interleaved, ``--repeats`` times each:
1. the bare client: the same files copied by ``s3fs.put`` in one call (its own concurrency);
2. ``publish_scene``: the films and their sidecars, each sent with Content-MD5 and its sha256,
   verified, and recorded in the manifest's journal as it lands (timed to the last upload; the
   links, QR codes and index drawn after it are timed apart);
each into a fresh prefix. Then the unchanged batch published again (one listing, nothing sent).

Targets (issue 15): publish at least 0.9x the bare client's throughput; re-publishing the unchanged
batch in under a tenth of the first publish's time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RENDER, REPO, run  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "publish"))
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from stores import Seaweed

    from render.publish import publish_scene
    from render.publish.meter import Meter
    from render.publish.select import select
    from render.run.manifest import Manifest
    from render.ground.console import Console
    from render.scene import load_scene

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = Seaweed(folder / "store").start()
        os.environ.update(server.env)
        try:
            scene_file = folder / "batch.yaml"
            scene_file.write_text("name: batch\ninputs: [{face: all}]\nmorph: {levels: 10}\n"
                                  "output: {dir: out, size: 64, formats: [mp4]}\npublish: {to: 's3://films'}\n")
            env = {"HAPPY_FACES_CACHE": str(folder / "cache")}
            seconds, _ = run([*RENDER, str(scene_file), "--quiet"], env)
            print(f"rendered the batch in {seconds:.1f} s")
            client = server.client()
            bare_times, ours_times, whole_times = [], [], []
            files = None
            for rep in range(args.repeats):
                scene = load_scene(scene_file, {("publish", "to"): f"s3://films/ours-{rep}"})
                manifest = Manifest.load(scene.scene_dir, scene.name, Console())
                manifest.published.clear()
                if files is None:
                    files = select(scene.name, scene.scene_dir, manifest, scene.publish)
                    total = sum(item.bytes for item in files)
                    print(f"{len(files)} files, {total / 1e6:.2f} MB")
                started = time.perf_counter()
                client.put([str(item.path) for item in files], [f"films/bare-{rep}/{item.key}" for item in files])
                bare_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                done = publish_scene(scene, manifest, Meter(quiet=True), Console())
                whole_times.append(time.perf_counter() - started)
                ours_times.append(done.sending)
                assert len(done.sent) == len(files), (len(done.sent), len(files))
                print(f"  run {rep + 1}: bare client {bare_times[-1]:.2f} s, publish {ours_times[-1]:.2f} s "
                      f"({bare_times[-1] / ours_times[-1]:.2f}x the bare client's throughput); then the links, "
                      f"{len(done.links)} QR codes and the index in {whole_times[-1] - ours_times[-1]:.2f} s")
            again_times = []
            for _ in range(args.repeats):
                manifest = Manifest.load(scene.scene_dir, scene.name, Console())
                started = time.perf_counter()
                done = publish_scene(scene, manifest, Meter(quiet=True), Console())
                again_times.append(time.perf_counter() - started)
                assert not done.sent and done.current == len(files)
            bare, ours, again = (statistics.median(t) for t in (bare_times, ours_times, again_times))
            print(f"median: publish {bare / ours:.2f}x the bare client's throughput (target >= 0.9x)")
            whole = statistics.median(whole_times)
            print(f"median: the whole first publish, links and QR codes included, {bare / whole:.2f}x")
            print(f"median: unchanged batch published again in {again:.2f} s, {again / whole:.3f}x the whole first "
                  f"publish (target < 0.1x)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
