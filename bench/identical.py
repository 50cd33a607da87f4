"""Not a benchmark: a fingerprint of what the renders write, to show a speed-up changed no output.

Renders a set of scenes (the default scene's formats; ping-pong and once; a transparent film laid on
a matte; the readout drawn on the video and GIF; a playlist with crossfades; a photo input; cubic and
Lanczos) into a temporary folder and prints, for every file, the sha256 of its bytes (MP4, WebM,
GIF, WebP, JSON) or of its decoded pixels (PNG: a changed compression level changes bytes, not
pixels). With --save the fingerprint is written; with --check it is compared with one saved before.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/identical.py --save /tmp/before.json
    ... change the code ...
    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/identical.py --check /tmp/before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RENDER, run  # noqa: E402

SCENES = {
    "default": {"inputs": [{"face": 0}, {"face": 7}],
                "output": {"formats": ["mp4", "gif", "frames", "stills", "readout"], "size": 256}},
    "once": {"inputs": [{"face": 3}], "morph": {"levels": 20, "easing": "ease-in-out-sine"},
             "output": {"formats": ["mp4", "gif", "frames"], "size": 200, "loop": "once", "hold_start": 0.5,
                        "hold_end": 1.0, "interpolation": "lanczos"}},
    "matte": {"inputs": [{"face": 5}], "morph": {"levels": 12},
              "output": {"formats": ["mp4", "webm", "gif", "frames"], "size": 128, "background": "transparent", "matte": 0.8}},
    "overlay": {"inputs": [{"face": 9}], "morph": {"levels": 16}, "overlay": {"readout": "bar"},
                "output": {"formats": ["mp4", "gif", "webp"], "size": 192, "gif": {"size": 128}}},
    "reel": {"inputs": [{"face": 1}, {"face": 2}, {"face": 4}], "layout": {"playlist": {"crossfade": 6}},
             "morph": {"levels": 10}, "output": {"formats": ["mp4", "gif", "frames"], "size": 160}},
    "grid": {"inputs": [{"face": 1}, {"face": 2}, {"face": 4}, {"face": 6}], "layout": "grid",
             "morph": {"levels": 8}, "output": {"formats": ["mp4", "gif"], "size": 96}},
    "photo": {"inputs": [{"image": str(REPO / "scenes" / "photos" / "obama.jpg")}], "morph": {"levels": 14},
              "output": {"formats": ["mp4", "gif", "frames"], "size": 256, "min_duration": 3, "extend": "pingpong"}},
}


def fingerprint(folder: Path) -> dict[str, str]:
    prints = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder))
        if path.suffix == ".png":
            digest = hashlib.sha256(np.asarray(Image.open(path)).tobytes()).hexdigest()
        elif path.name == "manifest.json" or path.suffix == ".html":
            continue  # times and the tool's version: not the film
        elif path.suffix == ".json":
            document = json.loads(path.read_text())
            document.pop("created", None)
            digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        prints[name] = digest
    return prints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path)
    parser.add_argument("--check", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {"HAPPY_FACES_CACHE": str(work / "cache")}
        for name, settings in SCENES.items():
            document = {"name": name, **settings}
            document["output"] = {"dir": str(work / "out"), **settings["output"]}
            path = work / f"{name}.yaml"
            path.write_text(yaml.safe_dump(document))
            run([*RENDER, str(path), "--quiet", "--jobs", "1"], env)
        prints = fingerprint(work / "out")
    print(f"{len(prints)} files fingerprinted")
    if args.save:
        args.save.write_text(json.dumps(prints, indent=1, sort_keys=True))
    if args.check:
        before = json.loads(args.check.read_text())
        changed = sorted(k for k in set(before) | set(prints) if before.get(k) != prints.get(k))
        for name in changed:
            print(f"  differs: {name}{'' if name in before else ' (new)'}{'' if name in prints else ' (gone)'}")
        print("identical" if not changed else f"{len(changed)} of {len(before)} files differ")
        sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
