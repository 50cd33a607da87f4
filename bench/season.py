"""A season at the exhibition, compressed: a real ``render serve`` on 127.0.0.1, posted thousands of
visitors, bounded in time.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/season.py [--visitors 5000] [--concurrent 40] [--minutes 25]

1. Concurrent visitors (the kiosk scene's own film settings: 512 px, 50 levels, CRF 20, MP4): the
   p95 of POST -> JSON with one visitor at a time, then with 4 posting at once while the films of
   the others render (in the same run, on the same server). Target (issue 27): 4 at once <= 150 ms.
2. The season: ``--visitors`` visitors (small films, so that it ends in minutes), posted 4 at a time,
   as the kiosk page sends captures (960 px JPEG). The first 500 against the last 500: POST latency
   (median, p95), and at the 500th and the last visitor: the server's resident memory, open file
   descriptors and threads, the registry's cost of one more record (a second writer beside the server,
   as ``render visitors purge`` is). Target: the last within 1.1x of the first. Disk per visitor.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402
from serve import GOOD, PHOTOS, _as_kiosk_sends, rss_mb, wait  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "serve"))
from servers import kiosk  # noqa: E402

sys.path.insert(0, str(REPO))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(round(0.95 * (len(ordered) - 1)))]


def process_facts(pid: int) -> tuple[float, int, int]:
    """Resident MB, open file descriptors, threads of the server and its film workers."""
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    rss = sum(rss_mb(p) for p in pids)
    fds = sum(len(os.listdir(f"/proc/{p}/fd")) for p in pids)
    threads = sum(len(os.listdir(f"/proc/{p}/task")) for p in pids)
    return rss, fds, threads


def record_cost(folder: Path, samples: int = 200) -> float:
    """Median seconds of one more record, and its removal, by a second writer beside the server."""
    from render.serve.visitors import Registry

    registry = Registry(folder)
    spent = []
    for i in range(samples):
        start = time.perf_counter()
        registry.add(f"{i:016x}", created=0.0)
        spent.append(time.perf_counter() - start)
        registry.remove(f"{i:016x}")
    return statistics.median(spent)


def scene_file(work: Path, name: str, **output: object) -> Path:
    shipped = yaml.safe_load((REPO / "scenes" / "kiosk.yaml").read_text())  # the kiosk's own settings
    shipped["name"] = name
    shipped["output"] = {key: value for key, value in {**shipped["output"], "dir": str(work / "out"), **output}.items()
                         if value is not None}  # None: the key left out
    shipped["serve"] = {**shipped.get("serve", {}), "max_pending": 100_000, "min_free_mb": 50}
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(shipped))
    return path


def concurrent_latency(client, base: str, captures: dict[str, bytes], posts: int) -> None:
    def post(name: str) -> float:
        start = time.perf_counter()
        answer = client.post(f"{base}/api/visitors", files={"photo": (name, captures[name])})
        assert answer.status_code == 201, answer.text
        return (time.perf_counter() - start) * 1000

    alone = [post(name) for name in itertools.islice(itertools.cycle(GOOD), posts)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # 4 visitors at once, their films rendering meanwhile
        together = list(pool.map(post, itertools.islice(itertools.cycle(GOOD), posts * 4)))
    print("1. POST -> JSON, kiosk settings (512 px, 50 levels, MP4 CRF 20), films rendering meanwhile:")
    print(f"   one at a time: median {statistics.median(alone):.0f} ms, p95 {p95(alone):.0f} ms ({len(alone)} posts)")
    print(f"   4 at once:     median {statistics.median(together):.0f} ms, p95 {p95(together):.0f} ms "
          f"({len(together)} posts; {p95(together) / p95(alone):.2f}x one at a time; target <= 150 ms: "
          f"{'met' if p95(together) <= 150 else 'NOT met'})")


def season(client, base: str, pid: int, folder: Path, captures: dict[str, bytes], visitors: int,
           deadline: float) -> None:
    latencies: list[float] = []
    ids: list[str] = []
    facts: dict[str, tuple] = {}
    lock = threading.Lock()

    def post(name: str) -> None:
        if time.monotonic() > deadline:
            return
        start = time.perf_counter()
        answer = client.post(f"{base}/api/visitors", files={"photo": (name, captures[name])})
        spent = (time.perf_counter() - start) * 1000
        assert answer.status_code == 201, answer.text
        with lock:
            latencies.append(spent)
            ids.append(answer.json()["id"])
            if len(ids) == 500:
                facts["first"] = (*process_facts(pid), record_cost(folder))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(post, itertools.islice(itertools.cycle(GOOD), visitors)))
    state, _ = wait(client, base, ids[-1], timeout=max(60.0, deadline - time.monotonic()))
    facts["last"] = (*process_facts(pid), record_cost(folder))
    done = len(latencies)
    while client.get(f"{base}/api/status").json()["films"]["pending"] and time.monotonic() < deadline + 300:
        time.sleep(1.0)
    films = client.get(f"{base}/api/status").json()["films"]
    print(f"2. the season: {done} visitors posted 4 at a time ({'all' if done == visitors else 'time ran out'}; "
          f"the last film {state}; films done {films['done']}, failed {films['failed']}, pending {films['pending']}):")
    if done < 1000:
        print("   fewer than 1000 visitors: no first-500 / last-500 comparison")
        return
    first, last = latencies[:500], latencies[-500:]
    print(f"   POST latency, first 500: median {statistics.median(first):.0f} ms, p95 {p95(first):.0f} ms; "
          f"last 500: median {statistics.median(last):.0f} ms, p95 {p95(last):.0f} ms "
          f"({p95(last) / p95(first):.2f}x)")
    for label, index in (("resident memory (MB)", 0), ("open file descriptors", 1), ("threads", 2),
                         ("one more record (ms)", 3)):
        a, b = facts["first"][index], facts["last"][index]
        scale = 1000 if index == 3 else 1
        print(f"   {label}: at the 500th {a * scale:.2f}, at the last {b * scale:.2f} ({b / a:.2f}x; target <= 1.1x: "
              f"{'met' if b <= 1.1 * a else 'NOT met'})")
    used = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"   disk: {used / 1e6:.1f} MB for {done} visitors, {used / done / 1e3:.1f} kB a visitor at these small films "
          f"(the kiosk scene's own: see the README)")


def main() -> None:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=5000)
    parser.add_argument("--concurrent", type=int, default=40, help="posts of each client in part 1")
    parser.add_argument("--minutes", type=float, default=25.0, help="the season's time limit")
    args = parser.parse_args()
    captures = {name: _as_kiosk_sends((PHOTOS / name).read_bytes()) for name in GOOD}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.concurrent:
            scene = scene_file(work, "films", formats=["mp4"])
            with kiosk(scene, work / "cache") as (base, _), httpx.Client(timeout=120) as client:
                concurrent_latency(client, base, captures, args.concurrent)
        if args.visitors:
            scene = scene_file(work, "season", formats=["gif"], size=32, crf=None)
            with kiosk(scene, work / "cache") as (base, process), httpx.Client(timeout=120) as client:
                season(client, base, process.pid, work / "out" / "season", captures, args.visitors,
                       time.monotonic() + args.minutes * 60)


if __name__ == "__main__":
    main()
