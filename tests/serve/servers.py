"""A real ``render serve`` process on a free port of 127.0.0.1, for the kiosk's tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def kiosk(scene: Path, cache: Path, *args: str, ready: tuple[int, ...] = (200,), session: bool = False):
    """Start ``render serve scene`` and yield (base URL, process) once /healthz answers one of ``ready``
    (200: ready; 503: resting). ``session``: in a process group of its own (to kill it with its workers)."""
    import httpx

    port = free_port()
    log = scene.with_suffix(".log").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "render", "serve", str(scene), "--port", str(port),
                                "--cache-dir", str(cache), *args], cwd=REPO, stdout=log, stderr=log,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=session)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise AssertionError(f"render serve exited with {process.returncode}: {log.read()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code in ready:
                    break
            if time.monotonic() > deadline:
                raise AssertionError("render serve never became healthy")
            time.sleep(0.25)
        yield base, process
        if process.poll() is None:  # (a test may have stopped or killed it already)
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0, "Ctrl-C stops the kiosk cleanly, with exit status 0"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_done(base: str, visitor: str, headers: dict | None = None, timeout: float = 60) -> dict:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = httpx.get(f"{base}/api/visitors/{visitor}", headers=headers or {}).json()
        if state["state"] != "rendering":
            return state
        time.sleep(0.1)
    raise AssertionError(f"visitor {visitor}'s film never finished")
