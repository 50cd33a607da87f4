"""Before and after: the same renders by another checkout of the tool (``--before``, e.g. a
``git worktree`` of an older commit) and by this one, interleaved in this one invocation, medians.

    git worktree add /tmp/before <commit>
    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/versus.py --before /tmp/before [--repeats 5]

The renders (warm: each case's cache filled first, then --force): the default scene whole (MP4, GIF,
PNG frames, stills, viewer, readout; 512 px), its MP4 and GIF alone, a new photo (scenes/photo.yaml,
MP4 + GIF), and a batch of 40 clips at 256 px, 2 at a time. Both checkouts run with this virtual
environment; the other one's package comes first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RENDER, run, scene_variant  # noqa: E402


def cases(work: Path) -> dict[str, list[str]]:
    whole = scene_variant(work / "whole", dir=str(work / "whole" / "out"))
    films = scene_variant(work / "films", formats=["mp4", "gif"], dir=str(work / "films" / "out"))
    photo = scene_variant(work / "photo", "photo", formats=["mp4", "gif"], dir=str(work / "photo" / "out"))
    batch = work / "batch" / "batch.yaml"
    batch.write_text(yaml.safe_dump({"name": "batch", "inputs": [{"face": k} for k in range(40)], "morph": {"levels": 50},
                                     "output": {"dir": str(work / "batch" / "out"), "size": 256, "formats": ["mp4"]}}))
    return {"default scene, every format": [str(whole)], "default scene, mp4 + gif": [str(films)],
            "a new photo, mp4 + gif": [str(photo)], "40 clips, 256 px, --jobs 2": [str(batch), "--jobs", "2"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout's root folder")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for tree in (args.before, REPO):  # bytecode once, as an installed package has it
        compileall.compile_dir(str(tree / "render"), quiet=1)
    before = {"PYTHONPATH": f"{args.before.resolve()}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.chdir(work)  # python -m puts the working folder first on the path: not this checkout's
        for folder in ("whole", "films", "photo", "batch"):
            (work / folder).mkdir()
        env = {"HAPPY_FACES_CACHE": str(work / "cache")}
        commands = {name: [*RENDER, *scene, "--quiet", "--force"] for name, scene in cases(work).items()}
        times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
        for command in commands.values():  # fills the cache; one untimed pass of each
            run(command, {**env, **before}), run(command, env)
        for _ in range(args.repeats):
            for name, command in commands.items():
                times[name][0].append(run(command, {**env, **before})[0])
                times[name][1].append(run(command, env)[0])
    print(f"before: {args.before}; after: {REPO}; repeats: {args.repeats} (medians, whole process)")
    for name, (old, new) in times.items():
        b, a = statistics.median(old), statistics.median(new)
        print(f"{name:30s} before {b:6.3f} s   after {a:6.3f} s   {b / a:.2f}x as fast")


if __name__ == "__main__":
    main()
