"""``render SCENE --watch``: the scene renders again whenever it, its photos or its soundtrack change; a
scene saved half-edited is said in one line and the watch goes on; Ctrl-C ends it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from conftest import REPO, wait_for, write_scene

pytestmark = pytest.mark.slow


def test_a_scene_renders_again_on_every_save(tmp_path, photos, olivetti_home, isolated_cache):
    (tmp_path / "booth").mkdir()
    text = "name: live\ninputs: [{face: 0}, {folder: booth}]\nmorph: {levels: 6}\noutput: {dir: out, size: 64, formats: [gif]}\n"
    scene = write_scene(tmp_path, text)
    log = (tmp_path / "live.log").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "render", str(scene), "--watch", "--jobs", "1",
                                "--cache-dir", str(isolated_cache)], cwd=REPO, stdout=log, stderr=log,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def said() -> str:
        log.seek(0)
        return log.read()

    try:
        wait_for(lambda: "watching" in said(), 120, "the first render")
        assert said().count("summary: 1 rendered") == 1
        gif = tmp_path / "out" / "live" / "face-0.gif"
        first = gif.stat().st_mtime_ns
        scene.write_text(text.replace("levels: 6", "levels: 8"))  # the artist saves a change
        wait_for(lambda: said().count("summary:") == 2, 60, "a render after the save")
        assert "scene.yaml; rendering again" in said() and gif.stat().st_mtime_ns != first
        scene.write_text(text.replace("levels: 6", "levls: 8"))  # saved half-edited
        wait_for(lambda: "morph.levls: unknown key" in said(), 60, "the mistake to be said")
        assert process.poll() is None  # the watch goes on
        scene.write_text(text)
        wait_for(lambda: said().count("summary:") == 3, 60, "a render after the fix")
        (tmp_path / "booth" / "me.jpg").write_bytes((photos / "obama.jpg").read_bytes())  # a photo it reads
        wait_for(lambda: said().count("summary:") == 4, 60, "a render of the new photo")
        assert (tmp_path / "out" / "live" / "me.gif").is_file()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        log.close()
        print((tmp_path / "live.log").read_text())  # shown when a step above fails
    ended = (tmp_path / "live.log").read_text()
    assert process.returncode == 0 and "stopped watching" in ended, ended
