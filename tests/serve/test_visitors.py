"""The visitors' registry (SQLite, WAL): one row a visitor, safe with two processes writing at once,
and a finished film's record never undone."""

from __future__ import annotations

import multiprocessing

from render.serve.visitors import Registry


def _add_many(folder, prefix: str, count: int) -> None:
    registry = Registry(folder)
    for i in range(count):
        registry.add(f"{prefix}{i:015x}")
        registry.finish(f"{prefix}{i:015x}", [f"visitor-{prefix}{i:015x}.mp4"], 10)


def test_two_processes_write_at_once_and_lose_nothing(tmp_path):
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_add_many, args=(tmp_path, prefix, 300)) for prefix in "ab"]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    assert [writer.exitcode for writer in writers] == [0, 0]
    counts = Registry(tmp_path).counts(since=0.0)
    assert counts["visitors"] == counts["done"] == 600 and counts["bytes"] == 6000


def test_a_done_film_is_never_marked_failed_and_a_removed_visitor_stays_removed(tmp_path):
    registry = Registry(tmp_path)
    registry.add("0123456789abcdef")
    assert registry.finish("0123456789abcdef", ["visitor-0123456789abcdef.mp4"], 5)
    assert not registry.fail("0123456789abcdef", "made twice")  # a late failure of a second start
    assert registry.get("0123456789abcdef").state == "done"
    assert registry.remove("0123456789abcdef") and registry.get("0123456789abcdef") is None
    assert not registry.finish("0123456789abcdef", ["x"], 1)  # its film finishing after a purge: no record again
    assert registry.get("0123456789abcdef") is None


def test_pending_visitors_come_oldest_first(tmp_path):
    registry = Registry(tmp_path)
    for i, created in enumerate((30.0, 10.0, 20.0)):
        registry.add(f"{i:016x}", created=created)
    assert [r.created for r in registry.pending()] == [10.0, 20.0, 30.0] and registry.pending_count() == 3
