"""A season at the exhibition, on a real server (uvicorn on 127.0.0.1) with real kills: promises kept
through SIGKILL and SIGTERM, consent, retention, purges beside the running server, one server per
scene folder, the kiosk resting when it could not keep a promise, and its status."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import REPO, write_scene
from mediafiles import mp4_frames, paced

from servers import kiosk, wait_done

httpx = pytest.importorskip("httpx", reason="pip install httpx (the dev extras)")
pytestmark = pytest.mark.slow

LEVELS = 50
SCENE = (f"name: season\nmorph: {{levels: {LEVELS}}}\n"
         "output: {dir: out, size: 512, formats: [mp4, gif]}\n")


def post(base: str, photo: bytes, consent: str | None = None, headers: dict | None = None):
    data = {"consent": consent} if consent is not None else None
    return httpx.post(f"{base}/api/visitors", files={"photo": ("me.jpg", photo, "image/jpeg")}, data=data,
                      headers=headers or {}, timeout=60)


def rows(folder) -> list[tuple]:
    if not (folder / "visitors.db").exists():
        return []
    with contextlib.closing(sqlite3.connect(folder / "visitors.db")) as db:
        return db.execute("SELECT id, state FROM visitors ORDER BY created").fetchall()


def render(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "render", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("stop", ["SIGKILL", "SIGTERM"])
def test_a_promised_film_survives_a_kill_or_a_stop(tmp_path, photos, olivetti_home, isolated_cache, stop):
    """Killed (the server and its workers, as a power cut) or stopped (systemctl stop) right after the
    201: after a restart the visitor's id still answers and their film is made, whole."""
    scene = write_scene(tmp_path, SCENE)
    folder = tmp_path / "out" / "season"
    with kiosk(scene, isolated_cache, session=True) as (base, process):
        answer = post(base, (photos / "obama.jpg").read_bytes())
        assert answer.status_code == 201, answer.text
        visitor = answer.json()["id"]
        if stop == "SIGKILL":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    assert process.returncode == (-signal.SIGKILL if stop == "SIGKILL" else 0)
    assert rows(folder) and rows(folder)[0][0] == visitor
    with kiosk(scene, isolated_cache) as (base, _):
        state = wait_done(base, visitor, timeout=120)
        assert state["state"] == "done", state
        film = httpx.get(base + state["files"][f"visitor-{visitor}.mp4"])
    (tmp_path / "film.mp4").write_bytes(film.content)
    _, frames = mp4_frames(tmp_path / "film.mp4")
    assert len(frames) == len(paced(LEVELS))
    assert not [p for p in folder.rglob("*") if ".partial-" in p.name], "a killed render's half is swept"
    assert not list((folder / "pending").iterdir()), "the kept face goes once the film is made"


def test_consent_none_keeps_nothing_and_other_values_are_refused(tmp_path, photos, olivetti_home, isolated_cache):
    scene = write_scene(tmp_path, SCENE)
    folder = tmp_path / "out" / "season"
    with kiosk(scene, isolated_cache) as (base, _):
        before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
        live = post(base, (photos / "obama.jpg").read_bytes(), "none")
        assert live.status_code == 200, live.text
        reply = live.json()
        assert reply["id"] is None and "links" not in reply and len(reply["weights"]) == LEVELS
        time.sleep(1.0)
        assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before, "nothing of the visitor written"
        assert rows(folder) == []
        refused = post(base, (photos / "obama.jpg").read_bytes(), "maybe")
        assert refused.status_code == 400 and "'film'" in refused.json()["error"] and "'none'" in refused.json()["error"]
        kept = post(base, (photos / "obama.jpg").read_bytes(), "film")
        assert kept.status_code == 201 and kept.json()["links"]["film"].endswith(".mp4")
        status = httpx.get(f"{base}/api/status").json()
        assert status["visitors"] == 1 and status["today"] == 1 and status["films"]["pending"] + \
            status["films"]["done"] == 1 and status["disk_free_mb"] > 0 and status["resting"] is None


def test_purge_and_list_work_beside_the_running_server(tmp_path, photos, olivetti_home, isolated_cache):
    scene = write_scene(tmp_path, SCENE.replace("size: 512", "size: 64"))
    folder = tmp_path / "out" / "season"
    with kiosk(scene, isolated_cache) as (base, _):
        ids = [post(base, (photos / name).read_bytes()).json()["id"] for name in ("obama.jpg", "biden.jpg")]
        for visitor in ids:
            assert wait_done(base, visitor)["state"] == "done"
        listed = render("visitors", "list", str(scene))
        assert listed.returncode == 0 and "2 visitors" in listed.stdout and "2 films done" in listed.stdout, listed
        young = render("visitors", "purge", str(scene), "--older-than", "1h")
        assert young.returncode == 0 and "purged 0 visitors" in young.stderr, young
        purged = render("visitors", "purge", str(scene), "--all")
        assert purged.returncode == 0 and "purged 2 visitors" in purged.stderr, purged
        assert len(purged.stderr.strip().splitlines()) == 1 and ids[0] not in purged.stderr  # counts, no personal data
        for visitor in ids:
            assert httpx.get(f"{base}/api/visitors/{visitor}").status_code == 404
        assert not list(folder.rglob("visitor-*")) and rows(folder) == []
    never = write_scene(tmp_path, "name: never\n", "never.yaml")
    for args in (("list", str(never)), ("purge", str(never), "--all")):
        result = render("visitors", *args)
        assert result.returncode == 4 and len(result.stderr.strip().splitlines()) == 1, result
        assert "never served" in result.stderr
    for bad in ("soon", "-3d"):
        result = render("visitors", "purge", str(scene), "--older-than", bad)
        assert result.returncode == 2 and result.stderr.strip().splitlines() == [
            f"render: error: --older-than: {bad!r} is not an age: write e.g. 30d, 12h or 2w"], result


def test_retention_forgets_on_schedule(tmp_path, photos, olivetti_home, isolated_cache):
    scene = write_scene(tmp_path, SCENE.replace("size: 512", "size: 64") + "serve: {retention: 3s}\n")
    folder = tmp_path / "out" / "season"
    with kiosk(scene, isolated_cache) as (base, _):
        visitor = post(base, (photos / "obama.jpg").read_bytes()).json()["id"]
        assert wait_done(base, visitor)["state"] == "done"
    time.sleep(3.5)
    with kiosk(scene, isolated_cache) as (base, process):
        assert httpx.get(f"{base}/api/visitors/{visitor}").status_code == 404
    assert not list(folder.rglob("visitor-*")) and rows(folder) == []
    assert "retention: removed 1 visitor older than 3s" in (tmp_path / "scene.log").read_text()


@pytest.mark.parametrize("retention", ["-3d", "soon", "0d"])
def test_a_retention_that_is_not_a_duration_is_one_line(tmp_path, retention):
    scene = write_scene(tmp_path, f"name: bad\nserve: {{retention: {retention}}}\n")
    result = render("serve", str(scene))
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "serve.retention" in lines[0] and "is not a duration" in lines[0], lines


def test_one_server_per_scene_folder(tmp_path, olivetti_home, isolated_cache):
    scene = write_scene(tmp_path, SCENE)
    with kiosk(scene, isolated_cache) as (base, process):
        second = render("serve", str(scene), "--port", "1", "--cache-dir", str(isolated_cache))
        assert second.returncode == 7, second.stderr
        said = [line for line in second.stderr.splitlines() if line.startswith("render: error:")]
        assert len(said) == 1 and f"pid {process.pid}" in said[0] and "already served" in said[0], second.stderr
        assert httpx.get(f"{base}/healthz").status_code == 200  # the first serves on


def test_a_kiosk_without_room_rests_and_promises_nothing(tmp_path, photos, olivetti_home, isolated_cache):
    scene = write_scene(tmp_path, SCENE + "serve: {min_free_mb: 10000000}\n")  # 10 TB free: never here
    with kiosk(scene, isolated_cache, ready=(503,)) as (base, _):
        health = httpx.get(f"{base}/healthz")
        assert health.status_code == 503 and health.json()["status"] == "resting"
        assert "disk is nearly full" in health.json()["reason"]
        refused = post(base, (photos / "obama.jpg").read_bytes())
        assert refused.status_code == 503 and "resting" in refused.json()["error"]
        live = post(base, (photos / "obama.jpg").read_bytes(), "none")  # the live morph still plays
        assert live.status_code == 200
        assert rows(tmp_path / "out" / "season") == []


def test_visitors_of_the_manifest_are_carried_over(tmp_path, photos, olivetti_home, isolated_cache):
    """An earlier version recorded visitors in manifest.json: the first start moves them to the registry."""
    scene = write_scene(tmp_path, SCENE.replace("size: 512", "size: 64"))
    folder = tmp_path / "out" / "season"
    folder.mkdir(parents=True)
    (folder / "visitor-0123456789abcdef.mp4").write_bytes(b"film")
    (folder / "manifest.json").write_text(json.dumps({"version": 1, "clips": {"visitor-0123456789abcdef": {
        "input": "visitor 0123456789abcdef", "settings": "x", "frames": 1, "duration_s": 0.04,
        "files": {"visitor-0123456789abcdef.mp4": {"bytes": 4, "sha256": "0" * 64}}}}}))
    with kiosk(scene, isolated_cache) as (base, _):
        state = httpx.get(f"{base}/api/visitors/0123456789abcdef").json()
        assert state["state"] == "done" and list(state["files"]) == ["visitor-0123456789abcdef.mp4"]
        assert httpx.get(base + state["files"]["visitor-0123456789abcdef.mp4"]).content == b"film"
    assert json.loads((folder / "manifest.json").read_text())["clips"] == {}
    assert rows(folder) == [("0123456789abcdef", "done")]


@pytest.fixture
def small_disk(tmp_path):
    """A real 16 MB file system (tmpfs) for the scene's output: tests run as root in CI."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_promises_nothing_and_recovers(tmp_path, small_disk, photos, olivetti_home, isolated_cache):
    """The disk filled up under the kiosk (serve.min_free_mb: 0, so that the write itself meets it):
    503, no record, nothing half-written; once space returns, visitors are welcome again."""
    scene = write_scene(tmp_path, SCENE.replace("dir: out", f"dir: {small_disk}").replace("size: 512", "size: 64")
                        + "serve: {min_free_mb: 0}\n")
    folder = small_disk / "season"
    with kiosk(scene, isolated_cache) as (base, _):
        filler = small_disk / "filler"
        with open(filler, "wb") as file:
            with contextlib.suppress(OSError):
                while True:
                    file.write(b"\0" * (1 << 20))
        before = rows(folder)
        full = post(base, (photos / "obama.jpg").read_bytes())
        assert full.status_code == 503 and "disk refused" in full.json()["error"], full.text
        assert rows(folder) == before and not list((folder / "pending").iterdir())
        assert httpx.get(f"{base}/api/status").json()["last_error"]
        filler.unlink()
        again = post(base, (photos / "obama.jpg").read_bytes())
        assert again.status_code == 201, again.text
        assert wait_done(base, again.json()["id"])["state"] == "done"


def test_removal_goes_by_the_visitor_s_own_names_not_a_stale_record(tmp_path):
    """A film published after its record was read (DELETE or purge racing the film's end) still goes;
    nothing else does."""
    from render.serve.season import purge
    from render.serve.visitors import Registry

    folder = tmp_path / "season"
    registry = Registry(folder)
    registry.add("0123456789abcdef")
    stale = registry.get("0123456789abcdef")  # read while pending: no files listed
    for name in ("visitor-0123456789abcdef.mp4", "visitor-0123456789abcdef.gif", "visitor-0123456789abcdef.json",
                 "frames/visitor-0123456789abcdef/0000.png", "crops/visitor-0123456789abcdef.png",
                 "photos/visitor-0123456789abcdef.jpg", "pending/0123456789abcdef.npz",
                 "visitor-fedcba9876543210.mp4", "notes.txt"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x")
    assert purge(registry, [stale]).visitors == 1
    left = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and "visitors.db" not in p.name)
    assert left == ["notes.txt", "visitor-fedcba9876543210.mp4"], left


def test_a_start_sweeps_what_a_kill_left_and_survives_bogus_records(tmp_path, photos, olivetti_home, isolated_cache):
    """A face and a kept photo without a record (killed between their writing and the record: no answer
    was given) go at start; a manifest naming the registry, another visitor's film, folders, a NUL or a
    huge size is carried over without them; a pending face of the wrong shape fails alone."""
    import numpy as np

    from render.serve.visitors import Registry

    scene = write_scene(tmp_path, SCENE.replace("size: 512", "size: 64") + "serve: {keep: photos}\n")
    folder = tmp_path / "out" / "season"
    (folder / "pending").mkdir(parents=True)
    (folder / "photos").mkdir()
    np.savez(folder / "pending" / "00000000000000aa.npz", face=np.zeros((64, 64), np.float32), readout=np.zeros((6, 7)))
    (folder / "photos" / "visitor-00000000000000aa.jpg").write_bytes(b"a stranger's photo")
    Registry(folder).add("00000000000000bb")  # pending, its face damaged
    np.savez(folder / "pending" / "00000000000000bb.npz", face=np.zeros((3, 3), np.float32), readout=np.zeros((6, 7)))
    (folder / "visitor-fedcba9876543210.mp4").write_bytes(b"another visitor's film")
    (folder / "visitor-0123456789abcdef.mp4").write_bytes(b"film")
    (folder / "manifest.json").write_text(json.dumps({"version": 1, "clips": {"visitor-0123456789abcdef": {
        "input": "visitor", "settings": "x", "frames": 1, "duration_s": 0.04, "files": {
            name: {"bytes": 2**63, "sha256": "0" * 64} for name in ("visitor-0123456789abcdef.mp4", "visitors.db",
                                                                     "visitor-fedcba9876543210.mp4", "", ".", "crops",
                                                                     "a\u0000b", "../../etc/passwd")}}}}))
    with kiosk(scene, isolated_cache) as (base, _):
        assert not (folder / "pending" / "00000000000000aa.npz").exists()
        assert not (folder / "photos" / "visitor-00000000000000aa.jpg").exists()
        carried = httpx.get(f"{base}/api/visitors/0123456789abcdef").json()
        assert list(carried["files"]) == ["visitor-0123456789abcdef.mp4"], carried
        for name in ("visitors.db", "visitor-fedcba9876543210.mp4", "crops"):
            assert httpx.get(f"{base}/api/visitors/0123456789abcdef/{name}").status_code == 404, name
        damaged = wait_done(base, "00000000000000bb")
        assert damaged["state"] == "failed" and damaged["reason"] == "the film could not be made"  # no more to a visitor
        assert "damaged" in httpx.get(f"{base}/api/status").json()["last_error"]  # the technician's
        visitor = post(base, (photos / "obama.jpg").read_bytes()).json()["id"]
        assert wait_done(base, visitor)["state"] == "done"  # the films' thread lives on
        assert httpx.delete(f"{base}/api/visitors/0123456789abcdef").status_code == 204
    assert (folder / "visitor-fedcba9876543210.mp4").read_bytes() == b"another visitor's film"
    assert (folder / "visitors.db").is_file()


def test_links_that_would_take_the_kiosk_s_data_out_are_refused(tmp_path, olivetti_home, isolated_cache):
    outside = tmp_path / "outside.txt"
    outside.write_text("someone else's")
    scene = write_scene(tmp_path, SCENE)
    folder = tmp_path / "out" / "season"
    folder.mkdir(parents=True)
    (folder / "serve.lock").symlink_to(outside)
    result = render("serve", str(scene), "--port", "1", "--cache-dir", str(isolated_cache))
    said = [line for line in result.stderr.splitlines() if line.startswith("render: error:")]
    assert result.returncode == 7 and len(said) == 1 and "symbolic link" in said[0], result.stderr
    assert outside.read_text() == "someone else's"


def test_a_killed_film_worker_is_replaced_and_two_stops_still_stop(tmp_path, photos, olivetti_home, isolated_cache):
    """A worker killed mid-film (as by the out-of-memory killer): a new one makes the film. Then two
    SIGTERMs in a row: the server still stops, releases its lock, and leaves no worker behind."""
    scene = write_scene(tmp_path, SCENE)
    with kiosk(scene, isolated_cache) as (base, process):
        visitor = post(base, (photos / "obama.jpg").read_bytes()).json()["id"]
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and time.monotonic() < deadline:
            workers = [int(p) for p in open(f"/proc/{process.pid}/task/{process.pid}/children").read().split()]
            time.sleep(0.05)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        assert wait_done(base, visitor, timeout=120)["state"] == "done"
        post(base, (photos / "biden.jpg").read_bytes())
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 0
        for pid in workers:
            assert not os.path.exists(f"/proc/{pid}")
    again = render("visitors", "list", str(scene))
    assert again.returncode == 0, again.stderr


def test_a_busy_registry_never_freezes_the_kiosk(tmp_path, photos, olivetti_home, isolated_cache):
    """Another process holding the registry's write lock (a long purge): the page and health still
    answer at once, a DELETE waiting on the lock ends as a JSON 503, not a 500; then it works."""
    import threading

    from render.serve.visitors import BUSY_SECONDS

    scene = write_scene(tmp_path, SCENE.replace("size: 512", "size: 64"))
    folder = tmp_path / "out" / "season"
    with kiosk(scene, isolated_cache) as (base, _):
        visitor = post(base, (photos / "obama.jpg").read_bytes()).json()["id"]
        assert wait_done(base, visitor)["state"] == "done"
        holder = sqlite3.connect(folder / "visitors.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        answers: dict = {}
        deleting = threading.Thread(target=lambda: answers.update(
            delete=httpx.delete(f"{base}/api/visitors/{visitor}", timeout=60)))
        deleting.start()
        time.sleep(1.0)
        started = time.monotonic()
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{base}/api/visitors/{visitor}", timeout=5).json()["state"] == "done"  # readers go on
        assert time.monotonic() - started < 2.0, "the event loop waited on the lock"
        deleting.join(BUSY_SECONDS + 20)
        holder.execute("ROLLBACK")
        holder.close()
        assert answers["delete"].status_code == 503 and "busy" in answers["delete"].json()["error"]
        assert httpx.delete(f"{base}/api/visitors/{visitor}").status_code == 204
        assert httpx.get(f"{base}/api/visitors/{visitor}").status_code == 404
