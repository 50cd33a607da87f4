"""Slow and greedy clients on a real server: a request's head trickled a byte at a time (or never
sent) is cut off after HEAD_SECONDS, so that such connections cannot lock visitors out; large photos
posted all at once are each answered."""

from __future__ import annotations

import io
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import write_scene
from render.serve.protocol import HEAD_SECONDS

from servers import kiosk

httpx = pytest.importorskip("httpx", reason="pip install httpx (the dev extras)")
pytestmark = pytest.mark.slow


def test_trickled_request_heads_are_cut_off_and_visitors_served_again(tmp_path, olivetti_home, isolated_cache):
    scene = write_scene(tmp_path, "name: slow\nmorph: {levels: 6}\noutput: {dir: out, size: 64, formats: [gif]}\n")
    with kiosk(scene, isolated_cache) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        greedy = []
        for n in range(70):  # more than the server's 64 connections at once
            conn = socket.create_connection(("127.0.0.1", port))
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHo" if n % 2 else b"")  # half a head, or nothing at all
            greedy.append(conn)
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 503  # locked out, for now
        started = time.monotonic()
        for _ in range(int(HEAD_SECONDS) + 4):
            for conn in greedy[::2]:
                try:
                    conn.sendall(b"s")  # one byte every second: never a whole head
                except OSError:
                    pass
            time.sleep(1.0)
        closed = 0
        for conn in greedy:
            conn.settimeout(1.0)
            try:
                closed += conn.recv(100) == b""
            except (ConnectionResetError, BrokenPipeError):
                closed += 1
            except TimeoutError:
                pass
            conn.close()
        assert closed == 70, closed
        assert time.monotonic() - started < HEAD_SECONDS + 10
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200


def test_large_photos_posted_at_once_are_each_answered(tmp_path, olivetti_home, isolated_cache, photos):
    from PIL import Image

    scene = write_scene(tmp_path, "name: large\nmorph: {levels: 6}\noutput: {dir: out, size: 64, formats: [gif]}\n"
                                  "serve: {max_upload_mb: 20}\n")
    big = io.BytesIO()
    Image.open(photos / "obama.jpg").convert("RGB").resize((4000, 3000)).save(big, "JPEG", quality=70)  # 12 MP
    with kiosk(scene, isolated_cache) as (base, _):
        def post(_):
            return httpx.post(f"{base}/api/visitors", files={"photo": ("p.jpg", big.getvalue())},
                              data={"consent": "none"}, timeout=120)
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(post, range(6)))
        assert [a.status_code for a in answers] == [200] * 6, [a.text[:200] for a in answers]
        assert len({a.json()["face"] for a in answers}) == 1  # the same photo framed the same way each time
