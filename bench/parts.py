"""A long film made in parts: the playlist of every kept face (169) at 256 px rendered by one worker and
by two, with local worker processes (``--jobs``) and on a Dask cluster of worker processes, in one
invocation; prints each wall time, the speed-ups, and whether every render wrote the same bytes.

Each worker is given one core of its own (Linux's CPU affinity), as a worker is a machine of a
cluster: on a machine of two cores one worker alone already keeps 1.7 of them busy (x264's two threads,
the GIF's coder and the composition overlap), so two unpinned workers cannot be much faster than one
there (``--unpinned`` measures that too).

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/parts.py [--size 256] [--faces all]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RENDER, run  # noqa: E402


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--faces", default="all", help="'all' (the 169 kept), or how many")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--unpinned", action="store_true", help="also the local runs with every core for each")
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("bench: two cores at least are needed")
    faces = [{"face": "all"}] if args.faces == "all" else [{"face": k} for k in range(int(args.faces))]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        scene = folder / "reel.yaml"
        scene.write_text(yaml.safe_dump({"name": "reel", "inputs": faces, "layout": "playlist",
                                         "output": {"dir": str(folder / "out"), "size": args.size,
                                                    "formats": ["mp4", "gif"]}}))
        os.environ["HAPPY_FACES_CACHE"] = str(folder / "cache")  # never the checkout's cache; the workers' too
        run([*RENDER, str(scene), "--preview"])  # the cache warm: scores and basis, as for every run after
        walls, sums = {}, {}
        cores = sorted(os.sched_getaffinity(0))[:2]
        local = [("--jobs 1", ["taskset", "-c", str(cores[0])], "1"),
                 ("--jobs 2", ["taskset", "-c", f"{cores[0]},{cores[1]}"], "2")]
        if args.unpinned:
            local += [("--jobs 1, unpinned", [], "1"), ("--jobs 2, unpinned", [], "2")]
        for label, pin, jobs in local:
            out = folder / str(len(walls))
            walls[label], _ = run([*pin, *RENDER, str(scene), "--force", "--output-dir", str(out), "--jobs", jobs])
            sums[label] = digest(out / "reel")
            print(f"{label:>22}: {walls[label]:6.1f} s", flush=True)
        if not args.skip_dask:
            from distributed import Client, LocalCluster

            for workers in (1, 2):
                label = f"dask, {workers} worker{'s' * (workers > 1)}"
                with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, Client(cluster) as client:
                    for pid, core in zip(sorted(client.run(os.getpid).values()), cores):
                        for thread in os.listdir(f"/proc/{pid}/task"):  # what they start (ffmpeg) inherits it
                            os.sched_setaffinity(int(thread), {core})
                    out = folder / f"dask{workers}"
                    address = cluster.scheduler_address.replace("tcp://", "dask://")
                    walls[label], _ = run([*RENDER, str(scene), "--force", "--output-dir", str(out),
                                           "--executor", address])
                    sums[label] = digest(out / "reel")
                print(f"{label:>22}: {walls[label]:6.1f} s", flush=True)
        print(f"local: 2 workers {walls['--jobs 1'] / walls['--jobs 2']:.2f}x as fast as 1 (a core each)")
        if args.unpinned:
            print(f"local, every core for each: 2 workers "
                  f"{walls['--jobs 1, unpinned'] / walls['--jobs 2, unpinned']:.2f}x as fast as 1")
        if not args.skip_dask:
            print(f"dask:  2 workers {walls['dask, 1 worker'] / walls['dask, 2 workers']:.2f}x as fast as 1 (a core each)")
        print("every render wrote the same bytes" if len(set(sums.values())) == 1 else f"renders differ: {sums}")


if __name__ == "__main__":
    main()
