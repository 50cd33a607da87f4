"""Faults of every back end sorted into one line and an exit code, without a server for the ones
a test cannot provoke on demand (a full disk, a quota)."""

from __future__ import annotations

import errno
import socket

import pytest

from render.ground.console import Console
from render.errors import ExitCode
from render.publish.faults import fault


def chained(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except BaseException as exc:
        return exc


@pytest.mark.parametrize("exc, transient, code, said", [
    (OSError(errno.ENOSPC, "No space left on device"), False, ExitCode.FULL, "the store is full"),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), False, ExitCode.FULL, "the store is full"),
    (chained(OSError("upload failed"), socket.gaierror(-2, "Name or service not known")), False, ExitCode.UNREACHABLE,
     "cannot find the host"),
    (PermissionError("The AWS Access Key Id you provided does not exist in our records."), False, ExitCode.DENIED,
     "credentials were refused"),
    (PermissionError("Access Denied"), False, ExitCode.DENIED, "permission denied"),
    (FileNotFoundError("The specified bucket does not exist"), False, ExitCode.NO_FOLDER, "no such bucket"),
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), True, ExitCode.UNREACHABLE, "refused the connection"),
    (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), True, ExitCode.UNREACHABLE, "stopped answering"),
    (TimeoutError("timed out"), True, ExitCode.UNREACHABLE, "stopped answering"),
])
def test_each_fault_is_sorted(exc, transient, code, said):
    again, error = fault(exc, "s3://films", "store.example")
    assert again is transient and error.exit_code == code and said in str(error)
    assert "\n" not in str(error)


def test_the_back_ends_own_exceptions():
    import asyncssh
    from webdav4.client import InsufficientStorage

    assert fault(InsufficientStorage("films/a.mp4"), "webdav://h/films", "h")[1].exit_code == ExitCode.FULL
    assert fault(asyncssh.PermissionDenied("auth failed"), "sftp://h/srv", "h")[1].exit_code == ExitCode.DENIED
    unknown = asyncssh.HostKeyNotVerifiable("Host key is not trusted")
    transient, error = fault(unknown, "sftp://h/srv", "h")
    assert not transient and error.exit_code == ExitCode.DENIED and "known_hosts" in str(error)


def test_publishing_with_nowhere_to_publish_is_said_before_any_render(tmp_path):
    from conftest import invoke, write_scene

    scene = write_scene(tmp_path, "name: nowhere\noutput: {dir: out}\n")
    result = invoke(str(scene), "--publish")
    assert result.exit_code == ExitCode.SCENE
    assert "publish.to: nowhere to publish to" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
    bad = invoke(str(scene), "--to", "ftp://gallery.example/films")
    assert bad.exit_code == ExitCode.USAGE and "--to" in bad.stderr


def test_a_tampered_manifest_never_sends_files_from_elsewhere(tmp_path):
    import json

    from render.errors import InputError
    from render.publish.select import select
    from render.run.manifest import Manifest
    from render.scene.publish import PublishSpec

    folder = tmp_path / "scene"
    folder.mkdir()
    (tmp_path / "secret.mp4").write_bytes(b"not a film")
    (folder / "a.mp4").symlink_to(tmp_path / "secret.mp4")
    for name in ("../secret.mp4", "a.mp4"):
        (folder / "manifest.json").write_text(json.dumps(
            {"version": 1, "scene": "s", "clips": {"a": {"files": {name: {"bytes": 10, "sha256": "x"}}}}}))
        manifest = Manifest.load(folder, "s", Console())
        with pytest.raises(InputError, match="not a file of the scene's folder|a link out of the scene's folder"):
            select("s", folder, manifest, PublishSpec(to="s3://films", files=("video",)))


@pytest.mark.slow
def test_two_scenes_whose_keys_meet_on_one_store_never_overwrite_each_other(tmp_path, olivetti_home):
    from conftest import invoke, write_scene

    share = tmp_path / "share"
    share.mkdir()
    scenes = [write_scene(tmp_path, f"name: {name}\nmorph: {{levels: 3}}\noutput: {{dir: out, size: 64, formats: [mp4]}}\n"
                                    f"publish: {{to: 'file://{share}', key: '{{file}}'}}\n", f"{name}.yaml")
              for name in ("a", "b")]
    result = invoke(*map(str, scenes), "--publish")
    assert result.exit_code == ExitCode.SCENE, result.stderr
    assert "b: publish.key '{file}' puts 'face-0.json' at 'face-0.json', where scene 'a' published" in result.stderr
    assert (share / "face-0.mp4").read_bytes() == (tmp_path / "out" / "a" / "face-0.mp4").read_bytes()


@pytest.mark.slow
def test_a_read_only_or_looping_folder_is_refused_at_once(tmp_path, olivetti_home, isolated_cache):
    import subprocess
    import time

    from conftest import invoke, write_scene

    scene = write_scene(tmp_path, "name: shelf\nmorph: {levels: 4}\noutput: {dir: out, size: 64, formats: [gif]}\n"
                               "publish: {files: [gif]}\n")
    assert invoke(str(scene), "--cache-dir", str(isolated_cache)).exit_code == 0
    shelf = tmp_path / "read-only"
    shelf.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(shelf)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    try:
        started = time.monotonic()
        result = invoke("publish", str(scene), "--to", f"file://{shelf}")
        assert result.exit_code == ExitCode.DENIED, result.output
        assert "the folder is on a read-only file system; publish to a writable one" in result.output
        assert time.monotonic() - started < 5  # refused, not retried as if the store were away
    finally:
        subprocess.run(["umount", "-l", str(shelf)], check=False)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    looped = invoke("publish", str(scene), "--to", f"file://{tmp_path / 'loop' / 'films'}")
    assert looped.exit_code == ExitCode.DENIED and "goes round a loop of links" in looped.output, looped.output


def test_a_link_lifetime_under_an_hour_is_refused(tmp_path):
    from conftest import invoke, write_scene

    scene = write_scene(tmp_path, "name: brief\npublish: {to: 's3://films/x', expires_days: 0.0001}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.SCENE and "publish.expires_days" in result.output, result.output
    assert "at least an hour" in result.output
