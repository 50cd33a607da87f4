"""Ctrl-C at random moments of a real parallel batch (issue 20): every interrupt ends the batch within
20 s, to the parent alone or to the whole process group, with no process left behind; the next run
completes and redoes none of the clips the interrupted one finished."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, invoke, write_scene
from render.ground.console import Console
from render.run.manifest import Manifest

pytestmark = pytest.mark.slow

# Six trials here, their moments spread over the batch's whole run; bench/interrupts.py soaks it with
# many more (INTERRUPT_TRIALS), at moments drawn at random.
TRIALS = int(os.environ.get("INTERRUPT_TRIALS", "6"))
CLIPS = 40  # about 2.5 s of a batch here, after about 0.6 s of start-up
SCENE = (f"name: stop\ninputs: [{', '.join(f'{{face: {k}}}' for k in range(CLIPS))}]\n"
         "morph: {levels: 60}\noutput: {dir: out, size: 128, formats: [mp4, gif]}\n")


def left_behind(marker: str) -> list[str]:
    """Processes still alive (zombies included) whose command line names ``marker``."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            line = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in line and int(proc.name) != os.getpid():
            found.append(f"{proc.name}: {line[:120]}")
    return found


def test_interrupts_at_random_moments_never_hang_and_lose_nothing(tmp_path, olivetti_home, isolated_cache):
    warm = invoke(str(write_scene(tmp_path, SCENE.replace("dir: out", "dir: warm"), "warm.yaml")), "--quiet")
    assert warm.exit_code == 0, warm.stderr
    chance = random.Random(20)
    outcomes = []
    for trial in range(TRIALS):
        folder = tmp_path / f"trial-{trial}"
        folder.mkdir()
        scene = write_scene(folder, SCENE)
        command = [sys.executable, "-m", "render", str(scene), "--jobs", "2"]
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)  # its own process group, as a terminal's job is
        # Trial t falls in the t-th of TRIALS equal stretches of 0.3-2.5 s: start-up, mid-batch, the end.
        time.sleep(0.3 + 2.2 * (trial + chance.random()) / TRIALS)
        to_group = trial % 2 == 1
        if to_group:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C at a terminal: every process of the job
        else:
            process.send_signal(signal.SIGINT)  # kill -INT to the batch alone
        try:
            _, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"trial {trial}: still running 20 s after the interrupt (to the {'group' if to_group else 'parent'})")
        # 130, or killed by the signal itself when it came as the process was exiting (a shell says 130 for both)
        assert process.returncode in (0, 130, -signal.SIGINT), (trial, stderr)
        time.sleep(0.2)
        assert not left_behind(str(folder)), (trial, left_behind(str(folder)))
        out = folder / "out" / "stop"
        finished = Manifest.load(out, "stop", Console()).clips if out.exists() else {}
        stamps = {clip: (out / f"{clip}.mp4").stat().st_mtime_ns for clip in finished}
        again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, (trial, again.stderr)
        assert f"{len(finished)} skipped (up to date)" in again.stderr, (trial, again.stderr)
        assert stamps == {clip: (out / f"{clip}.mp4").stat().st_mtime_ns for clip in finished}, trial
        assert not list((folder / "out").glob(".stop.partial-*")), "no staging folder left"
        outcomes.append((process.returncode, len(finished)))
    print("interrupt trials (exit code, clips finished before it):", outcomes)
    interrupted = [done for code, done in outcomes if code != 0]
    assert len(interrupted) >= TRIALS // 2, outcomes  # most trials were really interrupted
    assert any(0 < done < CLIPS for done in interrupted), outcomes  # some in the middle of the batch
