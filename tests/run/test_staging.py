"""The staging area: all of a render's files appear together, or none do."""

from __future__ import annotations

import pytest

from render.errors import OutputError
from render.ground.staging import staged


def test_files_appear_only_when_the_block_completes(tmp_path):
    destination = tmp_path / "out" / "happy"
    with staged(destination) as staging:
        (staging / "face-0.mp4").write_text("video")
        (staging / "frames" / "face-0").mkdir(parents=True)
        (staging / "frames" / "face-0" / "0000.png").write_text("frame")
        assert not destination.exists()
    assert (destination / "face-0.mp4").read_text() == "video"
    assert (destination / "frames" / "face-0" / "0000.png").exists()
    assert sorted(p.name for p in destination.parent.iterdir()) == ["happy"]


def test_a_rerender_replaces_folders_whole_and_keeps_other_files(tmp_path):
    destination = tmp_path / "happy"
    (destination / "frames" / "face-0").mkdir(parents=True)
    (destination / "frames" / "face-0" / "0099.png").write_text("stale")
    (destination / "notes.txt").write_text("the curator's")
    with staged(destination) as staging:
        (staging / "frames" / "face-0").mkdir(parents=True)
        (staging / "frames" / "face-0" / "0000.png").write_text("new")
    assert [p.name for p in (destination / "frames" / "face-0").iterdir()] == ["0000.png"]
    assert (destination / "notes.txt").read_text() == "the curator's"
    assert sorted(p.name for p in destination.iterdir()) == ["frames", "notes.txt"]


@pytest.mark.parametrize("failure", [RuntimeError("encoder died"), KeyboardInterrupt()])
def test_a_failure_leaves_the_destination_as_it_was(tmp_path, failure):
    destination = tmp_path / "happy"
    destination.mkdir()
    (destination / "face-0.mp4").write_text("old")
    with pytest.raises(type(failure)):
        with staged(destination) as staging:
            (staging / "face-0.mp4").write_text("half")
            raise failure
    assert (destination / "face-0.mp4").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["happy"]


def test_an_output_folder_that_cannot_be_made_is_one_clear_error(tmp_path):
    blocker = tmp_path / "output"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(OutputError, match="cannot create the output folder"):
        with staged(blocker / "happy"):
            pass


def _publish_many(destination, times: int) -> None:
    for i in range(times):
        with staged(destination, sweep=False) as staging:
            frames = staging / "frames" / "face-0"
            frames.mkdir(parents=True)
            for k in range(30):
                (frames / f"{k:04d}.png").write_text(str(i))


def test_two_renders_publishing_one_scene_at_once_both_succeed(tmp_path):
    """Two processes swapping the same clip's frames folder collide (the folder is back before the
    rename); each retries and publishes whole, none fails."""
    import multiprocessing

    destination = tmp_path / "happy"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_publish_many, args=(destination, 60)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    frames = sorted(p.name for p in (destination / "frames" / "face-0").iterdir())
    assert frames == [f"{k:04d}.png" for k in range(30)]
    assert not [p for p in destination.rglob("*") if ".partial-" in p.name or ".old-" in p.name]


def _sent(files: dict[str, bytes]) -> dict:
    import hashlib

    return {"files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                      for name, data in files.items()}}


def test_files_sent_by_a_worker_are_published_whole_once_checked(tmp_path):
    from render.ground.staging import receive

    files = {"face-0.mp4": b"video", "frames/face-0/0000.png": b"frame"}
    receive(tmp_path / "happy", files, _sent(files), "worker w0:12")
    assert (tmp_path / "happy" / "face-0.mp4").read_bytes() == b"video"
    assert (tmp_path / "happy" / "frames" / "face-0" / "0000.png").read_bytes() == b"frame"


@pytest.mark.parametrize("damage", ["bytes", "name", "missing"])
def test_files_that_arrive_damaged_or_out_of_place_publish_nothing(tmp_path, damage):
    from render.errors import ExecutorError
    from render.ground.staging import receive

    files = {"face-0.mp4": b"video", "face-0.gif": b"gif"}
    entry = _sent(files)
    if damage == "bytes":
        files["face-0.gif"] = b"gjf"
    elif damage == "name":
        files = {"../face-0.mp4": b"video", "face-0.gif": b"gif"}
        entry = _sent(files)
    else:
        del files["face-0.gif"]
    (tmp_path / "happy").mkdir()
    with pytest.raises(ExecutorError, match="worker w0:12") as raised:
        receive(tmp_path / "happy", files, entry, "worker w0:12")
    assert "render again" in str(raised.value)
    assert not list((tmp_path / "happy").iterdir()) and sorted(p.name for p in tmp_path.iterdir()) == ["happy"]


def test_a_film_s_files_are_read_once_for_their_digests_and_again_once_changed(tmp_path, monkeypatch):
    import hashlib
    import os

    from render import hashing
    from render.ground.staging import render_staged

    reads = []
    read = hashing.Digest._read
    monkeypatch.setattr(hashing.Digest, "_read", lambda self, f: (reads.append(f.name), read(self, f))[1])

    def write(staging):
        film = staging / "face-0.mp4"
        film.write_bytes(b"one film")
        first = [hashing.sha256_file(film) for _ in range(3)]  # as its sidecar asks, twice, and more
        other = staging / ".face-0.mp4.new"
        other.write_bytes(b"another!")  # the same size, in its place: another file under the name
        os.replace(other, film)
        assert hashing.sha256_file(film) == hashlib.sha256(b"another!").hexdigest() != first[0]
        assert first == [hashlib.sha256(b"one film").hexdigest()] * 3
        return 1

    entry = render_staged(tmp_path / "out" / "scene", write, source="face 0", settings="s", fps=25)
    assert entry["files"]["face-0.mp4"]["sha256"] == hashlib.sha256(b"another!").hexdigest()
    assert len(reads) == 2  # each version once; the entry's digest is the one read last
    assert hashing.sha256_file(tmp_path / "out" / "scene" / "face-0.mp4") and len(reads) == 3  # outside: read again
