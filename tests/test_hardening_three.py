"""Hardening, round three: starting and configuration faults said in one line, before anything runs
(a busy port, a token no browser can send, a cache cap that is not a size, a cache entry of another
shape, render init through a link)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from conftest import REPO, invoke
from render.errors import ExitCode


def serve(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "render", "serve", str(REPO / "scenes" / "kiosk.yaml"), *args],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env={**os.environ, **(env or {})})


def test_a_busy_port_is_one_line_before_the_kiosk_says_it_is_ready():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = serve("--port", str(port))
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert result.stderr.strip() == (f"render: error: port {port} on 127.0.0.1 is in use (another kiosk, or another "
                                     "server); stop it, or choose another with --port")


def test_a_token_no_browser_can_send_is_refused():
    for token in ("hé-llo", "two words", "tab\there"):
        result = serve("--token", token)
        assert result.returncode == ExitCode.USAGE, result.stderr
        assert "--token (or $HAPPY_FACES_TOKEN) must be printable ASCII without spaces" in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_cache_cap_that_is_not_a_size_is_said_before_rendering(tmp_path, monkeypatch):
    monkeypatch.setenv("HAPPY_FACES_CACHE_MAX", "lots")
    result = invoke(str(REPO / "scenes" / "happy.yaml"), "--cache-dir", str(tmp_path))
    assert result.exit_code != 0 and "$HAPPY_FACES_CACHE_MAX: 'lots' is not a size" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output  # nothing rendered first


def test_cache_entries_of_another_shape_are_skipped_not_a_crash(tmp_path):
    for key, created in (("aaa", "yesterday"), ("bbb", None), ("ccc", True), ("ddd", 5.0)):
        (tmp_path / f"basis-{key}.json").write_text(json.dumps({"kind": "basis", "key": key, "parts": {}, "created": created}))
        (tmp_path / f"basis-{key}.npz").write_bytes(b"x")
    (tmp_path / "basis-eee.json").write_text(json.dumps(["not", "an", "entry"]))
    listed = invoke("cache", "list", "--cache-dir", str(tmp_path))
    assert listed.exit_code == 0 and "1 entries" in listed.output and "ddd" in listed.output, listed.output
    pruned = invoke("cache", "prune", "--cache-dir", str(tmp_path), "--max-size", "0")
    assert pruned.exit_code == 0 and "internal error" not in pruned.output, pruned.output


def test_render_init_never_writes_through_a_link_nor_replaces_a_schema(tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    folder = tmp_path / "scene"
    folder.mkdir()
    (folder / "scene.schema.json").symlink_to(elsewhere)
    result = invoke("init", str(folder))
    assert result.exit_code == ExitCode.OUTPUT and "is a symbolic link, which render init does not write through" in result.output
    assert not elsewhere.exists() and not (folder / "scene.yaml").exists()
    other = tmp_path / "kept"
    other.mkdir()
    (other / "scene.schema.json").write_text("{}")
    assert invoke("init", str(other)).exit_code == 0
    assert (other / "scene.schema.json").read_text() == "{}" and (other / "scene.yaml").is_file()


def test_render_cache_clear_removes_only_the_caches_own_files(tmp_path):
    project = tmp_path / "project"
    (project / "out").mkdir(parents=True)
    (project / "out" / "manifest.json").write_text("{}")
    (project / "scene.schema.json").write_text("{}")
    (project / "notes.tmp").write_text("mine")
    for folder in (project, project / "out"):
        result = invoke("cache", "clear", "--cache-dir", str(folder))
        assert result.exit_code == 0 and "removed 0 files" in result.output, result.output
    assert sorted(p.name for p in project.rglob("*")) == ["manifest.json", "notes.tmp", "out", "scene.schema.json"]


def test_render_init_names_what_stands_in_its_way(tmp_path):
    schema_folder = tmp_path / "a"
    (schema_folder / "scene.schema.json").mkdir(parents=True)
    result = invoke("init", str(schema_folder))
    assert result.exit_code == ExitCode.OUTPUT and "scene.schema.json: is not a file" in result.output
    photos_file = tmp_path / "b"
    photos_file.mkdir()
    (photos_file / "photos").write_text("a file")
    result = invoke("init", str(photos_file))
    assert result.exit_code == ExitCode.OUTPUT and "photos: is a file where render init makes the photos folder" in result.output
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = invoke("init", str(tmp_path / "link"))
    assert result.exit_code == ExitCode.OUTPUT and "is a symbolic link" in result.output
    assert not (tmp_path / "elsewhere").exists()


def test_cache_commands_say_a_folder_that_is_not_one_and_prune_damaged_entries(tmp_path):
    import os
    import time

    (tmp_path / "file").write_text("not a folder")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for command in ("list", "prune", "clear"):
        for where, said in (("file", "is not a folder, so not a cache"), ("loop", "is a link to nothing (or a loop"),
                            ("file/sub", "is a file, so there is no folder there")):
            result = invoke("cache", command, "--cache-dir", str(tmp_path / where))
            assert result.exit_code == ExitCode.USAGE and said in result.output, (command, result.output)
    cache = tmp_path / "cache"
    cache.mkdir()
    key = "b" * 64
    (cache / f"basis-{key}.json").write_text(json.dumps({"kind": "basis", "key": key, "parts": {}, "created": "x"}))
    (cache / f"basis-{key}.npz").write_bytes(b"x")
    hour_ago = time.time() - 7200
    for path in cache.iterdir():
        os.utime(path, (hour_ago, hour_ago))
    assert "(1 damaged, not listed: render cache prune removes them)" in invoke("cache", "list", "--cache-dir", str(cache)).output
    assert "removed 1 entries" in invoke("cache", "prune", "--cache-dir", str(cache), "--max-size", "10GB").output
    assert not list(cache.iterdir())
