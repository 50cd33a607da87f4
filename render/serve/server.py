"""``render serve``: the studio warmed once, then the kiosk's HTTP interface served by uvicorn."""

from __future__ import annotations

import contextlib
import errno
import multiprocessing
import os
import signal
import socket
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from render.cache import Cache, default_cache_dir
from render.errors import UsageError
from render.run.program import Options

__all__ = ["serve_scene"]


def serve_scene(path: Path, options: Options, host: str, port: int, token: str | None) -> int:
    """Warm the scene's studio and serve it until Ctrl-C; return the exit code (0)."""
    import uvicorn

    from render.serve.address import is_loopback, visitors_address
    from render.serve.http import kiosk_app
    from render.serve.kiosk import Kiosk
    from render.serve.lock import ServeLock
    from render.serve.protocol import BoundedH11Protocol
    from render.serve.season import check_folder
    from render.serve.studio import Studio
    from render.serve.visitors import Registry

    console = options.console
    if token is not None and not (token and token.isascii() and token.isprintable() and " " not in token):
        raise UsageError("--token (or $HAPPY_FACES_TOKEN) must be printable ASCII without spaces: browsers send "
                         "it in a header, which holds nothing else; choose another token")
    listening = _listening(host, port)  # a busy port said now, before the studio warms and says it is ready
    _one_core_a_visitor()
    scene = options.scene(path)
    check_folder(scene.scene_dir)  # no link takes the lock or a visitor's data out of the folder
    lock = ServeLock(scene.scene_dir)  # one server per scene folder: a second is refused with one line
    cache = Cache(options.cache_dir or default_cache_dir(), refresh=options.refresh, console=console)
    workers = max(1, options.jobs)

    def pool() -> ProcessPoolExecutor:
        # Films render in worker processes at a lower CPU priority (their ffmpeg too): a visitor's POST
        # is answered first. A job carries all its worker needs; one film failing never touches another's.
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_film_worker)

    kiosk = None
    try:
        studio = Studio(scene, cache, None, console)
        kiosk = Kiosk(studio, Registry(scene.scene_dir), pool, workers, console)
        kiosk.start()
        page = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
        if not is_loopback(host):
            console.warn(f"listening on {host}: the kiosk is reachable from other machines"
                + ("" if token else "; anyone who reaches it can send photos (set --token)"))
        address = visitors_address(host, port, scene.serve.public_url)
        console.log(address.said)
        console.log(f"the kiosk of {scene.name} is ready at {page}{'?token=...' if token else ''} (Ctrl-C stops it)")
        app = kiosk_app(kiosk, token, _hosts(host, scene.serve.public_url), address)
        # Bounded: connections at once, idle keep-alives, and the wait for slow clients on Ctrl-C.
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, http=BoundedH11Protocol,
                                server_header=False, lifespan="off", limit_concurrency=64, timeout_keep_alive=5,
                                timeout_graceful_shutdown=10)
        # Ctrl-C and SIGTERM (systemctl stop): uvicorn takes no new visitors, finishes the requests in
        # hand, then raises the signal again: both end here, as KeyboardInterrupt, for the tidy stop below.
        signal.signal(signal.SIGTERM, _interrupted)
        try:
            uvicorn.Server(config).run(sockets=[listening])
        except KeyboardInterrupt:
            pass
        # A second Ctrl-C or SIGTERM while stopping would cut the tidy stop short and leave it hanging.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        console.log("stopping: the films in progress are finished first (a minute at most); those waiting are "
                    "made at the next start")
    finally:
        if kiosk is not None:
            kiosk.stop()
        lock.release()
        listening.close()
    return 0


def _listening(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening, for uvicorn to serve on."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UsageError(f"--host {host}: not an address of this machine ({exc}); use 127.0.0.1, 0.0.0.0 or one of "
                         "its addresses") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is in use (another kiosk, or another server); stop it, or "
                             "choose another with --port") from None
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --host or --port "
                         "(ports under 1024 need root)") from None
    sock.set_inheritable(True)
    return sock


def _one_core_a_visitor() -> None:
    """Visitors arriving together are answered side by side, each on one core, rather than each
    spread over every core: the model (TensorFlow) and the detector (OpenCV) run one thread a call.
    Measured by bench/season.py (4 visitors at once): the CPU a visitor costs falls by a third."""
    import cv2

    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")  # read when TensorFlow starts, before the model loads
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(os.cpu_count() or 1))
    cv2.setNumThreads(1)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _film_worker() -> None:
    """A film worker's start: below the server in the CPU's queue (and its ffmpeg children with it:
    SCHED_IDLE where Linux offers it, else the lowest nice); gone with the server, even when the
    server is killed; Ctrl-C in the server's terminal is the server's to handle (it lets the films in
    hand finish)."""
    import threading

    parent = os.getppid()

    def orphaned() -> None:  # the server killed (kill -9): this worker, and the film in hand, go too
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=orphaned, name="orphaned", daemon=True).start()
    os.nice(19)
    with contextlib.suppress(AttributeError, OSError):  # Linux: run only when the server leaves a core idle
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _hosts(host: str, public_url: str | None) -> list[str]:
    """The Host names the kiosk answers to, so that a page of another site cannot talk to it through
    DNS rebinding (its name made to point here): loopback's, the address it listens on, the public
    one's; on every address, every name and address of this machine (:func:`machine_names`)."""
    from urllib.parse import urlsplit

    from render.serve.address import machine_names

    named = {"127.0.0.1", "localhost", "::1", "[::1]", host, f"[{host}]" if ":" in host else host}
    if host in ("0.0.0.0", "::", ""):
        named |= machine_names()
    if public_url:
        named.add(urlsplit(public_url).hostname or "")
    return sorted(named - {"", "0.0.0.0", "::"})
