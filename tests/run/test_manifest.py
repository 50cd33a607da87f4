"""The manifest and its journal: nothing recorded is lost to a kill, a damaged manifest is rebuilt."""

from __future__ import annotations

import json
import os
import time

from conftest import Warnings
from render.ground.console import Console
from render.run.manifest import JOURNAL_FILE, MANIFEST_FILE, Manifest


def entry(n):
    return {"input": f"face {n}", "settings": "s", "files": {}}


def test_records_reach_the_journal_at_once_and_the_manifest_on_flush(tmp_path):
    manifest = Manifest.load(tmp_path, "scene", console=Console())
    manifest.record("a", entry(1))
    manifest.record_published("s3://films/x", "a.mp4", {"key": "x/a.mp4", "bytes": 3})
    assert not (tmp_path / MANIFEST_FILE).exists()  # not rewritten for every clip
    assert len((tmp_path / JOURNAL_FILE).read_text().splitlines()) == 2
    # A second process (the next run) sees both records before any flush.
    again = Manifest.load(tmp_path, "scene", console=Console())
    assert again.clips == {"a": entry(1)} and again.published == {"s3://films/x": {"a.mp4": {"key": "x/a.mp4", "bytes": 3}}}
    manifest.flush()
    document = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert document["clips"] == {"a": entry(1)} and "s3://films/x" in document["published"]
    assert not (tmp_path / JOURNAL_FILE).exists()


def test_a_line_cut_short_by_a_kill_is_ignored_and_the_rest_kept(tmp_path):
    manifest = Manifest.load(tmp_path, "scene", console=Console())
    manifest.record("a", entry(1))
    manifest.record("b", entry(2))
    with open(tmp_path / JOURNAL_FILE, "a") as f:
        f.write('{"clip":"c","entry":{"inp')  # the write a SIGKILL interrupted
    again = Manifest.load(tmp_path, "scene", console=Console())
    assert sorted(again.clips) == ["a", "b"]
    again.flush()
    assert sorted(json.loads((tmp_path / MANIFEST_FILE).read_text())["clips"]) == ["a", "b"]


def test_a_manifest_of_the_wrong_shape_is_said_and_rebuilt(tmp_path):
    warnings = Warnings()
    for bad in ('{"version": 1, "clips": [1, 2]}', '[]', '{"version": 1, "clips": {"a": 3}}',
                '{"version": 1, "clips": {}, "published": {"x": 1}}', "\xff\xfe"):
        (tmp_path / MANIFEST_FILE).write_text(bad, encoding="latin-1")
        manifest = Manifest.load(tmp_path, "scene", console=warnings.console)
        assert manifest.clips == {} and manifest.published == {}
        manifest.record("a", entry(1), every=0)
        assert json.loads((tmp_path / MANIFEST_FILE).read_text())["clips"] == {"a": entry(1)}
    assert len(warnings) == 5 and all("rebuilt" in w for w in warnings)


def test_temporary_manifests_left_by_a_killed_save_are_swept(tmp_path):
    stale, fresh = tmp_path / f".{MANIFEST_FILE}.abc.tmp", tmp_path / f".{MANIFEST_FILE}.def.tmp"
    stale.write_text("{")
    fresh.write_text("{")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    Manifest.load(tmp_path, "scene", console=Console())
    assert not stale.exists() and fresh.exists()  # a save in progress elsewhere is left alone


def test_a_folder_in_the_manifest_s_place_is_moved_aside(tmp_path):
    (tmp_path / MANIFEST_FILE).mkdir()
    warnings = Warnings()
    manifest = Manifest.load(tmp_path, "scene", console=warnings.console)
    manifest.record("a", entry(1), every=0)
    assert json.loads((tmp_path / MANIFEST_FILE).read_text())["clips"] == {"a": entry(1)}
    assert (tmp_path / f"{MANIFEST_FILE}.damaged").is_dir() and "moved to manifest.json.damaged" in warnings[0]
