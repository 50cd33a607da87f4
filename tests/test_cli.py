"""The command line around a render: --version, typos of subcommands, and the terminal left as it was
found after a live display, even on Ctrl-C."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, invoke, write_scene
from render import __version__
from render.errors import ExitCode


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"render (happy-faces) {__version__}"


@pytest.mark.parametrize(("typed", "meant"), [("scema", "schema"), ("cahce", "cache"), ("serev", "serve")])
def test_a_mistyped_command_is_not_taken_for_a_scene_file(typed, meant):
    result = invoke(typed, "list")
    assert result.exit_code == ExitCode.USAGE
    assert f"did you mean 'render {meant}'?" in result.stderr and "no such scene file" not in result.stderr


def test_a_missing_scene_file_is_still_said_so():
    result = invoke("scenes/nothere.yaml")
    assert result.exit_code == ExitCode.SCENE and "no such scene file" in result.stderr


def _read_all(fd: int, until: float, stop_when: bytes | None = None) -> bytes:
    out = b""
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if stop_when and stop_when in out:
                break
    return out


@pytest.mark.slow
def test_ctrl_c_on_a_terminal_gives_the_cursor_back(tmp_path, olivetti_home, isolated_cache):
    """On a terminal the live display hides the cursor; interrupted, it must show it again."""
    scene = write_scene(tmp_path, "name: tty\ninputs: [{face: all}]\nmorph: {levels: 50}\n"
                                  "output: {dir: out, size: 256, formats: [mp4, frames]}\n")
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "render", str(scene), "--jobs", "1", "--cache-dir", str(isolated_cache)],
                               cwd=REPO, stdin=child, stdout=child, stderr=child, env={**os.environ, "TERM": "xterm"})
    os.close(child)
    try:
        shown = _read_all(main, time.monotonic() + 120, stop_when=b"\x1b[?25l")
        assert b"\x1b[?25l" in shown, shown[-2000:]  # the live display is up, the cursor hidden
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        shown += _read_all(main, time.monotonic() + 60)
        assert process.wait(timeout=60) == ExitCode.INTERRUPTED
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert shown.rfind(b"\x1b[?25h") > shown.rfind(b"\x1b[?25l"), shown[-2000:]
    assert b"interrupted" in shown
