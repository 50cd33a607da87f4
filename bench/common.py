"""Helpers shared by the benchmarks: timing child processes and writing a variant of a scene."""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
RENDER = [sys.executable, "-m", "render"]

# The package's bytecode, as an installed package has it (pip compiles what it installs; an editable
# checkout under PYTHONDONTWRITEBYTECODE would compile every module at every start of every render).
compileall.compile_dir(str(REPO / "render"), quiet=1)


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command to completion; return (wall seconds, peak resident memory in MB of the child)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed with exit status {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def median_wall(command: list[str], repeats: int, env: dict[str, str] | None = None) -> float:
    return statistics.median(run(command, env)[0] for _ in range(repeats))


def paced_raw(pngs: list[Path], scene: Path) -> bytes:
    """The PNG frames (each level once) as raw gray bytes in the order the scene's video shows them
    (its loop and holds): what a bare encode must be given to encode what the render encodes."""
    import numpy as np
    from PIL import Image

    sys.path.insert(0, str(REPO))
    from render.ground.timeline import timeline
    from render.scene.load import load_scene

    output = load_scene(scene).output
    frames = [np.asarray(Image.open(p)).tobytes() for p in pngs]
    return b"".join(frames[k] for k in timeline(len(frames), output.fps, output.pacing))


def scene_variant(folder: Path, source: str = "happy", **output: object) -> Path:
    """scenes/<source>.yaml with its output section changed, written into ``folder`` (its photos'
    paths made absolute)."""
    scene = yaml.safe_load((REPO / "scenes" / f"{source}.yaml").read_text())
    scene["output"] = {**scene["output"], **output}
    for spec in scene.get("inputs", []):
        if "image" in spec:
            spec["image"] = str(REPO / "scenes" / spec["image"])
    path = folder / f"{source}.yaml"
    path.write_text(yaml.safe_dump(scene))
    return path
