"""``render serve``: the studio warmed once, then the kiosk's HTTP interface served by uvicorn."""

from __future__ import annotations

import contextlib
import ipaddress
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from render.cache import Cache, default_cache_dir
from render.run.program import Options

__all__ = ["serve_scene"]


def serve_scene(path: Path, options: Options, host: str, port: int, token: str | None) -> int:
    """Warm the scene's studio and serve it until Ctrl-C; return the exit code (0)."""
    import uvicorn

    from render.serve.http import kiosk_app
    from render.serve.studio import Studio

    console = options.console
    scene = options.scene(path)
    cache = Cache(options.cache_dir or default_cache_dir(), refresh=options.refresh, console=console)
    # Films render on threads of this process (each encodes through its own ffmpeg process): the
    # warm model and basis stay here, and one visitor's film failing never touches another's.
    with ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="film") as executor:
        studio = Studio(scene, cache, executor, console)
        address = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
        if not _loopback(host):
            console.warn(f"listening on {host}: the kiosk is reachable from other machines"
                + ("" if token else "; anyone who reaches it can send photos (set --token)"))
        console.log(f"the kiosk of {scene.name} is ready at {address}{'?token=...' if token else ''} (Ctrl-C stops it)")
        app = kiosk_app(studio, token, _hosts(host, scene.serve.public_url))
        # Bounded: connections at once, idle keep-alives, and the wait for slow clients on Ctrl-C.
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                server_header=False, lifespan="off", limit_concurrency=64, timeout_keep_alive=5,
                                timeout_graceful_shutdown=10)
        try:
            uvicorn.Server(config).run()
        except KeyboardInterrupt:  # uvicorn shuts down gracefully on Ctrl-C, then raises it again
            pass
        console.log("stopping: the films in progress are finished first")
    return 0


def _hosts(host: str, public_url: str | None) -> list[str] | None:
    """The Host names the kiosk answers to (so that a page of another site, through DNS rebinding,
    cannot talk to it): loopback's, the address it listens on, the public one; any when it listens
    on every address."""
    if host in ("0.0.0.0", "::", ""):
        return None
    from urllib.parse import urlsplit

    named = {"127.0.0.1", "localhost", "::1", "[::1]", host, f"[{host}]" if ":" in host else host}
    if public_url:
        named.add(urlsplit(public_url).hostname or "")
    return sorted(named - {""})


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False
