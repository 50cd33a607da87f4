"""Large uploads at once: the kiosk's memory while eight 16-megapixel photos are posted together.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/uploads.py [--posts 8]

A real ``render serve`` on 127.0.0.1: its resident memory warm (after one small photo), at its peak
while ``--posts`` large photos (4608x3456 JPEGs, as a phone takes) are posted at once, and ten
seconds after. Target (issue 29): the peak within 600 MB of the warm server (one decode per core;
before, eight decodes at once took it from 0.7 to 1.8 GB) and back within 200 MB of warm after.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "serve"))
from servers import kiosk  # noqa: E402

from serve import PHOTOS, rss_mb  # noqa: E402


def main() -> None:
    import httpx
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=8)
    args = parser.parse_args()
    big = io.BytesIO()
    Image.open(PHOTOS / "obama.jpg").convert("RGB").resize((4608, 3456)).save(big, "JPEG", quality=75)
    small = (PHOTOS / "biden.jpg").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        scene = Path(tmp) / "uploads.yaml"
        scene.write_text("name: uploads\nmorph: {levels: 12}\noutput: {dir: out, size: 64, formats: [gif]}\n"
                         "serve: {max_upload_mb: 20}\n")
        with kiosk(scene, Path(tmp) / "cache") as (base, process), httpx.Client(timeout=300) as client:
            def post(data: bytes) -> int:
                return client.post(f"{base}/api/visitors", files={"photo": ("p.jpg", data)},
                                   data={"consent": "none"}).status_code

            assert post(small) == 200
            warm = rss_mb(process.pid)
            peak, done = [warm], threading.Event()

            def sample() -> None:
                while not done.is_set():
                    peak.append(rss_mb(process.pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.perf_counter()
            with ThreadPoolExecutor(args.posts) as pool:
                codes = list(pool.map(post, [big.getvalue()] * args.posts))
            spent = time.perf_counter() - started
            done.set()
            sampler.join()
            time.sleep(10)
            after = rss_mb(process.pid)
    print(f"{args.posts} photos of 16 MP ({len(big.getvalue()) / 1e6:.1f} MB each) posted at once: "
          f"answers {sorted(set(codes))}, all in {spent:.1f} s")
    print(f"   server memory: warm {warm:.0f} MB, peak {max(peak):.0f} MB (+{max(peak) - warm:.0f} MB, "
          f"{max(peak) / warm:.2f}x), 10 s after {after:.0f} MB (+{after - warm:.0f} MB, {after / warm:.2f}x)")
    print(f"   target: peak within 600 MB of warm: {'met' if max(peak) - warm <= 600 else 'NOT met'}; "
          f"back within 200 MB: {'met' if after - warm <= 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
