"""Two writers of one scene's records: renders, publishes and the hot folder beside each other never
drop each other's records; two scenes of one name in two folders never record each other's clips."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from conftest import invoke, write_scene
from render.run.manifest import JOURNAL_FILE, MANIFEST_FILE, Manifest
from render.ground.console import Console

WRITER = textwrap.dedent("""
    import random, sys, time
    from pathlib import Path
    from render.ground.console import Console
    from render.run.manifest import Manifest
    folder, who, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    manifest = Manifest.load(folder, "scene", Console())
    rng = random.Random(who)
    for n in range(count):
        manifest.record(f"{who}-{n}", {"input": who, "settings": "s", "files": {}}, every=rng.choice([0.0, 0.05, 10.0]))
        manifest.record_published("file:///films", f"{who}-{n}.mp4", {"key": f"{who}-{n}.mp4", "bytes": n})
        time.sleep(rng.random() / 500)
    manifest.flush()
""")


def test_two_processes_recording_one_scene_keep_each_others_records(tmp_path):
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), who, "150"]) for who in ("a", "b", "c")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    document = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert sorted(document["clips"]) == sorted(f"{who}-{n}" for who in "abc" for n in range(150))
    assert len(document["published"]["file:///films"]) == 450
    assert not (tmp_path / JOURNAL_FILE).exists()


def test_a_clip_forgotten_by_one_writer_stays_forgotten(tmp_path):
    first = Manifest.load(tmp_path, "scene", Console())
    first.record("old", {"input": "x", "settings": "s", "files": {}}, every=0)
    second = Manifest.load(tmp_path, "scene", Console())
    second.record("new", {"input": "y", "settings": "s", "files": {}})
    first.forget("old")
    first.save()
    second.flush()  # its save merges: the forgotten clip is not brought back, the other's is kept
    assert sorted(json.loads((tmp_path / MANIFEST_FILE).read_text())["clips"]) == ["new"]


def test_a_held_lock_is_said_with_its_holder(tmp_path, monkeypatch):
    from render.errors import OutputError
    from render.run import manifest as module

    monkeypatch.setattr(module, "LOCK_SECONDS", 0.3)
    manifest = Manifest.load(tmp_path, "scene", Console())
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); "
                               "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputError, match=rf"records are held by pid {holder.pid} \(.*python.* -c import fcntl.*\) "
                                              r"for over 0.3 s; try again when it is done"):
            manifest.record("a", {"input": "x", "settings": "s", "files": {}})
    finally:
        holder.kill()
        holder.wait()
    assert [p.name for p in tmp_path.iterdir()] == [JOURNAL_FILE] or not list(tmp_path.iterdir())  # no lock file


@pytest.mark.slow
def test_two_renders_of_one_scene_at_once_keep_every_clip(tmp_path, olivetti_home, isolated_cache):
    import os

    scenes = [write_scene(tmp_path, f"name: shared\nmorph: {{levels: 6}}\ninputs: [{inputs}]\n"
                                    "output: {dir: out, size: 64, formats: [gif]}\n", name=f"{who}.yaml")
              for who, inputs in (("a", "{face: 0}, {face: 1}, {face: 2}"), ("b", "{face: 3}, {face: 4}, {face: 5}"))]
    env = {**os.environ, "HAPPY_FACES_CACHE": str(isolated_cache)}
    runs = [subprocess.Popen([sys.executable, "-m", "render", str(scene), "--jobs", "1"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for scene in scenes]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    clips = json.loads((tmp_path / "out" / "shared" / MANIFEST_FILE).read_text())["clips"]
    assert sorted(clips) == [f"face-{k}" for k in range(6)]
    assert all((tmp_path / "out" / "shared" / name).is_file() for entry in clips.values() for name in entry["files"])


@pytest.mark.slow
def test_two_scenes_of_one_name_in_two_folders_record_their_own_clips(tmp_path, olivetti_home, isolated_cache):
    first = write_scene(tmp_path, "name: same\nmorph: {levels: 6}\ninputs: [{face: 0}]\n"
                                  "output: {dir: one, size: 64, formats: [gif]}\n", name="first.yaml")
    second = write_scene(tmp_path, "name: same\nmorph: {levels: 6}\ninputs: [{face: 1}, {face: 2}]\n"
                                   "output: {dir: two, size: 64, formats: [gif]}\n", name="second.yaml")
    result = invoke(str(first), str(second), "--cache-dir", str(isolated_cache))
    assert result.exit_code == 0, result.output
    one = json.loads((tmp_path / "one" / "same" / MANIFEST_FILE).read_text())["clips"]
    two = json.loads((tmp_path / "two" / "same" / MANIFEST_FILE).read_text())["clips"]
    assert sorted(one) == ["face-0"] and sorted(two) == ["face-1", "face-2"]
