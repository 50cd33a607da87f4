"""A real Dask cluster for tests: a ``dask scheduler`` and ``dask worker`` processes on this machine,
each worker in a private mount namespace with an empty tmpfs over the folders it must not see, so
that it shares no disk with the client, as a worker on another machine would not.

Creating mount namespaces needs root (CI runs as root); elsewhere the tests that use it skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

DASK = Path(sys.executable).with_name("dask")

#: Mounts a tmpfs over each folder named after the script, then becomes the Dask worker ($WORKER_ARGS).
_HIDE = 'for folder in "$@"; do mount -t tmpfs -o size=64m hidden "$folder" || exit 97; done; exec "$WORKER" worker $WORKER_ARGS'


@dataclass
class Cluster:
    """A running scheduler (``address``, as ``--executor`` takes it) and its workers' processes; more of
    either can be started (a scheduler again on the same port, after the first is killed)."""

    address: str
    log: Path
    port: int
    hidden: list[Path]
    env: dict[str, str]
    out: Any
    scheduler: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    started: list[subprocess.Popen] = field(default_factory=list)  #: every process, to end with the test

    def start_scheduler(self) -> None:
        self.scheduler = subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                           "--no-dashboard"], stdout=self.out, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        self.started.append(self.scheduler)

    def add_worker(self) -> None:
        n = len(self.workers)
        args = (f"tcp://127.0.0.1:{self.port} --nthreads 1 --name w{n} --no-dashboard "
                f"--local-directory /dev/shm/dask-w{n}-{self.port}")
        worker = subprocess.Popen(["unshare", "-m", "sh", "-c", _HIDE, "hide", *map(str, self.hidden)],
                                  stdout=self.out, stderr=subprocess.STDOUT, env={**self.env, "WORKER_ARGS": args},
                                  start_new_session=True)
        self.workers.append(worker)
        self.started.append(worker)

    def pids(self) -> dict[str, int]:
        """Each worker's address and the pid of the process that runs its tasks."""
        from distributed import Client

        with Client(self.address.replace("dask://", "tcp://"), timeout=10) as client:
            return client.run(os.getpid)

    def said(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def can_hide() -> str | None:
    """Why workers cannot be given folders of their own here, or None when they can."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "a worker that shares no disk is made with a mount namespace (unshare -m): Linux, as root"
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    if not DASK.exists():
        return "the dask command is not installed: pip install 'happy-faces[dask]'"
    return None


@contextlib.contextmanager
def cluster(log_dir: Path, hidden: list[Path], workers: int = 1, version: Path | None = None) -> Iterator[Cluster]:
    """A scheduler and ``workers`` workers (one thread each), every folder of ``hidden`` an empty tmpfs
    for the workers. ``version``: a folder holding another copy of the package, put first on the
    workers' import path."""
    reason = can_hide()
    if reason:
        pytest.skip(reason)
    for folder in hidden:
        folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WORKER": str(DASK), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SCIKIT_LEARN_DATA", None)  # a worker reads no dataset: the jobs carry what they need
    if version is not None:
        env["PYTHONPATH"] = str(version)
    port = _free_port()
    log = log_dir / "cluster.log"
    with log.open("ab") as out:
        running = Cluster(f"dask://127.0.0.1:{port}", log, port, hidden, env, out)
        try:
            running.start_scheduler()
            for _ in range(workers):
                running.add_worker()
            wait_for_workers(running, workers)
            yield running
        finally:
            for process in running.started:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process in running.started:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            for n in range(len(running.workers)):
                shutil.rmtree(f"/dev/shm/dask-w{n}-{port}", ignore_errors=True)


def wait_for_workers(running: Cluster, count: int) -> None:
    from distributed import Client

    with Client(running.address.replace("dask://", "tcp://"), timeout=30) as client:
        deadline = time.monotonic() + 90
        while len(client.scheduler_info(n_workers=-1)["workers"]) < count:
            ended = [w.returncode for w in running.workers if w.poll() is not None]
            if ended or time.monotonic() > deadline:
                raise AssertionError(f"the test cluster did not start (workers ended: {ended}):\n{running.said()[-3000:]}")
            time.sleep(0.2)
