"""The content-addressed cache: hits, misses, damage, concurrency, and the cache commands."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import REPO, Warnings, invoke
from render.cache import Cache, default_cache_dir


def arrays():
    return {"mean": np.arange(6, dtype=np.float32).reshape(2, 3), "kept": np.array([1, 5, 9])}


class Builds:
    """A build function that counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return arrays()


def test_second_fetch_hits_without_building(tmp_path):
    cache, build = Cache(tmp_path), Builds()
    first, hit1 = cache.fetch("basis", {"components": 2}, build)
    second, hit2 = cache.fetch("basis", {"components": 2}, build)
    assert (hit1, hit2, build.calls) == (False, True, 1)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
        assert first[name].dtype == second[name].dtype


@pytest.mark.parametrize("changed", [{"components": 3}, {"components": 2, "emotion": "sad"}, {"components": 2.0001}])
def test_any_changed_part_misses(tmp_path, changed):
    cache, build = Cache(tmp_path), Builds()
    cache.fetch("basis", {"components": 2}, build)
    _, hit = cache.fetch("basis", changed, build)
    assert not hit and build.calls == 2


def test_kind_and_format_version_are_part_of_the_key():
    assert Cache.key("basis", {"a": 1}) != Cache.key("scores", {"a": 1})
    assert Cache.key("basis", {"a": 1, "b": 2}) == Cache.key("basis", {"b": 2, "a": 1})


def damage_truncate(npz, meta):
    npz.write_bytes(npz.read_bytes()[:40])


def damage_json(npz, meta):
    meta.write_text("{not json")


def damage_shape(npz, meta):
    document = json.loads(meta.read_text())
    document["arrays"]["mean"]["shape"] = [3, 2]
    meta.write_text(json.dumps(document))


def damage_values(npz, meta):
    np.savez(npz, mean=np.zeros((2, 3), np.float32), kept=np.array([1, 5, 9]))


def damage_missing_npz(npz, meta):
    npz.unlink()


@pytest.mark.parametrize("damage", [damage_truncate, damage_json, damage_shape, damage_values, damage_missing_npz])
def test_a_damaged_entry_is_reported_and_rebuilt(tmp_path, damage):
    warnings = Warnings()
    cache, build = Cache(tmp_path, console=warnings.console), Builds()
    cache.fetch("basis", {"components": 2}, build)
    (npz,) = tmp_path.glob("*.npz")
    damage(npz, npz.with_suffix(".json"))
    rebuilt, hit = cache.fetch("basis", {"components": 2}, build)
    assert not hit and build.calls == 2
    assert len(warnings) == 1 and "is damaged" in warnings[0] and "rebuilding" in warnings[0]
    np.testing.assert_array_equal(rebuilt["mean"], arrays()["mean"])
    _, hit = cache.fetch("basis", {"components": 2}, build)
    assert hit, "the rebuilt entry must be whole again"


def test_the_npz_never_unpickles(tmp_path):
    cache = Cache(tmp_path, console=Warnings().console)
    cache.fetch("basis", {"k": 1}, Builds())
    (npz,) = tmp_path.glob("*.npz")
    np.savez(npz, mean=np.array([{"evil": 1}], dtype=object), kept=np.array([1]))
    warnings = Warnings()
    _, hit = Cache(tmp_path, console=warnings.console).fetch("basis", {"k": 1}, Builds())
    assert not hit and "allow_pickle" in warnings[0]


def test_refresh_rebuilds_and_overwrites(tmp_path):
    build = Builds()
    Cache(tmp_path).fetch("basis", {"k": 1}, build)
    _, hit = Cache(tmp_path, refresh=True).fetch("basis", {"k": 1}, build)
    assert not hit and build.calls == 2


def test_two_processes_filling_the_same_entry_both_succeed(tmp_path):
    worker = textwrap.dedent(f"""
        import sys, time, numpy as np
        sys.path.insert(0, {str(REPO)!r})
        from render.cache import Cache
        def build():
            time.sleep(0.5)  # both are inside the build at once
            return {{"x": np.arange(100000, dtype=np.float64)}}
        arrays, hit = Cache(__import__("pathlib").Path(sys.argv[1])).fetch("basis", {{"k": 1}}, build)
        assert arrays["x"].sum() == 4999950000.0
        print("hit" if hit else "built")
    """)
    procs = [subprocess.Popen([sys.executable, "-c", worker, str(tmp_path)], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs == ["built", "built"]
    assert not list(tmp_path.glob(".*")), "no temporary file may remain"
    _, hit = Cache(tmp_path).fetch("basis", {"k": 1}, Builds())
    assert hit


def test_cache_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HAPPY_FACES_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("HAPPY_FACES_CACHE")
    assert default_cache_dir() == REPO / "models" / "cache"  # running from this checkout


def test_cache_list_and_clear_commands(tmp_path):
    Cache(tmp_path).fetch("basis", {"components": 2}, Builds())
    listed = invoke("cache", "list", "--cache-dir", str(tmp_path))
    assert listed.exit_code == 0
    assert "1 entries" in listed.stdout and "basis" in listed.stdout and "components=2" in listed.stdout
    cleared = invoke("cache", "clear", "--cache-dir", str(tmp_path))
    assert cleared.exit_code == 0 and "removed 2 files" in cleared.stdout
    assert Cache(tmp_path).entries() == []


def _entry(cache: Cache, name: str, size: int, used: float) -> None:
    import os

    cache.store("readout", {"clip": name}, {"probabilities": np.zeros(size // 8, np.float64)})
    meta = cache.root / f"readout-{Cache.key('readout', {'clip': name})}.json"
    os.utime(meta, (used, used))


def test_prune_goes_by_last_use_and_size(tmp_path):
    import time

    cache = Cache(tmp_path)
    now = time.time()
    for age_days, name in ((40, "old"), (10, "middle"), (1, "recent")):
        _entry(cache, name, 200_000, now - age_days * 86400)
    assert cache.lookup("readout", {"clip": "old"}) is not None  # read now: the most recently used
    removed, freed = cache.prune(max_size=450_000)
    assert removed == 1 and freed > 200_000
    assert cache.lookup("readout", {"clip": "middle"}) is None  # the least recently used went
    assert cache.lookup("readout", {"clip": "old"}) is not None
    removed, _ = cache.prune(older_than=2 * 86400)
    assert removed == 0  # both left were used within two days
    assert len(cache.entries()) == 2


def test_cache_prune_and_list_on_the_command_line(tmp_path):
    import time

    from conftest import invoke

    cache = Cache(tmp_path)
    _entry(cache, "a" * 64, 100_000, time.time() - 40 * 86400)
    _entry(cache, "b" * 64, 100_000, time.time())
    listed = invoke("cache", "list", "--cache-dir", str(tmp_path))
    assert listed.exit_code == 0 and "2 entries" in listed.stdout
    assert f"clip={'a' * 15}\u2026" in listed.stdout  # shortened, and says so
    pruned = invoke("cache", "prune", "--older-than", "30d", "--cache-dir", str(tmp_path))
    assert pruned.exit_code == 0 and "removed 1 entries" in pruned.stdout
    assert [e.parts["clip"][0] for e in cache.entries()] == ["b"]
    bad = invoke("cache", "prune", "--older-than", "soon", "--cache-dir", str(tmp_path))
    assert bad.exit_code == 2


def test_a_render_keeps_the_cache_under_its_cap(tmp_path, olivetti_home, monkeypatch):
    from conftest import invoke, write_scene

    monkeypatch.setenv("HAPPY_FACES_CACHE_MAX", "1MB")
    scene = write_scene(tmp_path, "name: capped\nmorph: {levels: 4}\noutput: {dir: out, size: 64, formats: [mp4]}\n")
    result = invoke(str(scene), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.stderr
    entries = Cache(tmp_path / "cache").entries()
    assert sum(e.bytes for e in entries) <= 1_000_000 and "dataset" not in {e.kind for e in entries}
