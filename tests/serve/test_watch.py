"""``render watch``: photos copied into a hot folder (one slowly, in chunks) each become a film once;
a photo without a face is named and the watch goes on; Ctrl-C stops it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from conftest import REPO, wait_for, write_scene
from mediafiles import mp4_frames, paced

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def watching(scene, tmp_path, cache):
    """``render watch scene`` running in its own process; yields what it has said so far (a callable).
    Stopped with Ctrl-C (SIGINT) on the way out, which must end it with exit 0."""
    log = (tmp_path / "watch.log").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "render", "watch", str(scene), "--cache-dir", str(cache)],
                               cwd=REPO, stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def said() -> str:
        log.seek(0)
        return log.read()

    try:
        wait_for(lambda: "watching" in said(), 120, "the watch to start")
        yield said
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        log.close()
    assert process.returncode == 0, (tmp_path / "watch.log").read_text()


def test_a_hot_folder_renders_each_new_photo_once(tmp_path, photos, olivetti_home, isolated_cache):
    from PIL import Image

    booth = tmp_path / "booth"
    booth.mkdir()
    (booth / "first.jpg").write_bytes((photos / "obama.jpg").read_bytes())  # there before the watch
    scene = write_scene(tmp_path, "name: booth\ninputs: [{folder: booth}]\nmorph: {levels: 12}\n"
                                  "output: {dir: out, size: 64, formats: [mp4]}\n")
    out = tmp_path / "out" / "booth"
    with watching(scene, tmp_path, isolated_cache) as said:
        assert (out / "first.mp4").is_file(), said()  # the batch pass rendered what was there

        # A photo copied slowly, in chunks: it is rendered once it is whole, not before.
        data = (photos / "biden.jpg").read_bytes()
        with (booth / "slow.jpg").open("wb") as f:
            for start in range(0, len(data), len(data) // 5 + 1):
                f.write(data[start : start + len(data) // 5 + 1])
                f.flush()
                time.sleep(0.4)
        Image.fromarray((np.random.default_rng(2).random((200, 300)) * 255).astype(np.uint8)).save(booth / "wall.jpg")
        (booth / "two.png").write_bytes((photos / "speaker_rgba.png").read_bytes())
        wait_for(lambda: "booth: slow: done" in said() and "booth: two: done" in said(), 90, "the new films")
        wait_for(lambda: "wall.jpg: no face found" in said(), 30, "the faceless photo to be named")
        assert said().count("booth: slow: done") == 1, said()
        _, frames = mp4_frames(out / "slow.mp4")
        assert len(frames) == len(paced(12))
        assert not (out / "wall.mp4").exists()

        (booth / "first.jpg").unlink()  # a removed photo's film is left alone
        time.sleep(1.5)
        assert (out / "first.mp4").is_file()
        clips = json.loads((out / "manifest.json").read_text())["clips"]
        assert {"first", "slow", "two"} <= set(clips)
    assert "stopped watching" in (tmp_path / "watch.log").read_text()


def test_watching_a_scene_without_a_folder_input_is_refused(tmp_path):
    from conftest import invoke
    from render.errors import ExitCode

    result = invoke("watch", str(write_scene(tmp_path, "name: nothing\ninputs: [{face: 0}]\n")))
    assert result.exit_code == ExitCode.SCENE
    assert "render watch watches {folder: path} inputs and this scene has none" in result.stderr


def test_a_hot_folder_names_clips_as_a_batch_does(tmp_path, photos, olivetti_home, isolated_cache):
    """Obama.jpg, obama.png and manifest.jpg dropped into a watched folder: the films are named as a
    batch of the same folder names them (unique ignoring case, never the scene's manifest)."""
    booth = tmp_path / "booth"
    booth.mkdir()
    scene = write_scene(tmp_path, "name: booth\ninputs: [{folder: booth}]\nmorph: {levels: 6}\n"
                                  "output: {dir: out, size: 64, formats: [gif]}\n")
    out = tmp_path / "out" / "booth"
    with watching(scene, tmp_path, isolated_cache) as said:
        for name, source in (("Obama.jpg", "obama.jpg"), ("obama.png", "speaker_rgba.png"), ("manifest.jpg", "biden.jpg")):
            (booth / name).write_bytes((photos / source).read_bytes())
        wait_for(lambda: said().count(": done") == 3, 120, "three films")
    watched = sorted(json.loads((out / "manifest.json").read_text())["clips"])
    batch = subprocess.run([sys.executable, "-m", "render", str(scene), "--output-dir", str(tmp_path / "batch"),
                            "--cache-dir", str(isolated_cache), "-q"], cwd=REPO, capture_output=True, text=True)
    assert batch.returncode == 0, batch.stderr
    batched = sorted(json.loads((tmp_path / "batch" / "booth" / "manifest.json").read_text())["clips"])
    assert watched == batched, said()
    assert len({name.casefold() for name in watched}) == 3 and "manifest" not in watched
    assert sorted(p.name for p in out.glob("*.gif")) == sorted(f"{name}.gif" for name in watched)


def test_the_watch_survives_links_stalls_and_its_folder_going(tmp_path, photos, olivetti_home, isolated_cache):
    booth = tmp_path / "booth"
    booth.mkdir()
    scene = write_scene(tmp_path, "name: booth\ninputs: [{folder: booth}]\nmorph: {levels: 8}\n"
                                  "output: {dir: out, size: 64, formats: [gif]}\n")
    out = tmp_path / "out" / "booth"
    with watching(scene, tmp_path, isolated_cache) as said:
        # Links that lead nowhere a photo can be read: each said in one line, the watch goes on.
        (booth / "loop.jpg").symlink_to(booth / "loop.jpg")
        (tmp_path / "notes.txt").write_text("not a folder")
        (booth / "through.jpg").symlink_to(tmp_path / "notes.txt" / "inner.jpg")
        (booth / "folder.jpg").mkdir()
        wait_for(lambda: "loop.jpg: cannot be read" in said() and "through.jpg: cannot be read" in said(), 30,
                 "the links to be named")

        # A copy that stalls halfway for longer than the settling second: rendered once it is whole,
        # never said to be damaged.
        data = (photos / "biden.jpg").read_bytes()
        with (booth / "stalled.jpg").open("wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            time.sleep(3.0)
            f.write(data[len(data) // 2 :])
        # The film is in place a moment before its line is said: wait for the line.
        wait_for(lambda: "booth: stalled: done" in said(), 90, "the stalled photo's film")
        assert (out / "stalled.gif").is_file()
        assert "damaged" not in said() and said().count("booth: stalled: done") == 1, said()

        # The operator clears the booth: the folder renamed away, a new one made, a photo copied in.
        booth.rename(tmp_path / "booth-day-1")
        wait_for(lambda: "the watched folder is gone" in said(), 30, "the folder's going to be said")
        booth.mkdir()
        (booth / "next.jpg").write_bytes((photos / "obama.jpg").read_bytes())
        wait_for(lambda: (out / "next.gif").is_file(), 90, "the new folder's photo to be rendered")
        assert "the watched folder is back" in said()
        (booth / "later.png").write_bytes((photos / "speaker_rgba.png").read_bytes())  # and watched again
        wait_for(lambda: (out / "later.gif").is_file(), 90, "a photo copied into the new folder")

        # Removed and made again at once (the new folder may even get the old one's inode): followed.
        shutil.rmtree(booth)
        booth.mkdir()
        time.sleep(2.5)
        (booth / "again.jpg").write_bytes((photos / "biden.jpg").read_bytes())
        wait_for(lambda: (out / "again.gif").is_file(), 90, "a photo in the folder made again at once")

        # A log written without pause beside the photos never keeps a photo waiting.
        stop = threading.Event()

        def scribble() -> None:
            with (booth / "booth.log").open("a") as log:
                while not stop.is_set():
                    log.write("a line\n")
                    log.flush()
                    time.sleep(0.05)

        writer = threading.Thread(target=scribble)
        writer.start()
        try:
            time.sleep(1.0)
            (booth / "busy.jpg").write_bytes((photos / "obama.jpg").read_bytes())
            wait_for(lambda: (out / "busy.gif").is_file(), 30, "a photo beside a log being written")
        finally:
            stop.set()
            writer.join()


def test_a_photo_is_whole_only_when_its_bytes_end_as_a_photo_ends(tmp_path, photos):
    from render.serve.watch import whole

    jpeg, png = (photos / "obama.jpg").read_bytes(), (photos / "speaker_rgba.png").read_bytes()
    comment = b"\xff\xfe\x00\x08ab\xff\xd9xx"  # a comment segment whose bytes happen to end as an image ends
    with_comment = jpeg[:2] + comment + jpeg[2:]
    cases = {"half.jpg": (jpeg[: len(jpeg) // 2], False), "whole.jpg": (jpeg, True),
             "padded.jpg": (jpeg + b"\x00" * 40, True), "paused.jpg": (with_comment[: 2 + len(comment) - 2], False),
             "commented.jpg": (with_comment, True), "half.png": (png[:-5], False), "whole.png": (png, True)}
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert whole(tmp_path / name) is expected, name


def test_a_hot_folder_draws_a_photo_s_own_detail_as_a_batch_does(tmp_path, photos, olivetti_home, isolated_cache):
    """``morph.detail: photo`` in a watched folder: each new photo's clip starts on its own crop at the
    film's resolution, the same frames a batch of the folder draws."""
    from mediafiles import png

    booth = tmp_path / "booth"
    booth.mkdir()
    scene = write_scene(tmp_path, "name: booth\ninputs: [{folder: booth}]\nmorph: {levels: 5, detail: photo}\n"
                                  "output: {dir: out, size: 256, formats: [frames]}\n")
    with watching(scene, tmp_path, isolated_cache) as said:
        (booth / "sharp.jpg").write_bytes((photos / "obama.jpg").read_bytes())
        wait_for(lambda: "booth: sharp: done" in said(), 90, "the film")
    batch = subprocess.run([sys.executable, "-m", "render", str(scene), "--output-dir", str(tmp_path / "batch"),
                            "--cache-dir", str(isolated_cache), "-q", "--force"], cwd=REPO, capture_output=True, text=True)
    assert batch.returncode == 0, batch.stderr
    watched = sorted((tmp_path / "out" / "booth" / "frames" / "sharp").glob("*.png"))
    batched = sorted((tmp_path / "batch" / "booth" / "frames" / "sharp").glob("*.png"))
    assert len(watched) == len(batched) == 5
    for a, b in zip(watched, batched):
        np.testing.assert_array_equal(png(a), png(b))
    first, last = png(watched[0]).astype(float), png(watched[-1]).astype(float)
    assert np.abs(np.diff(first[40:-40, 40:-40], axis=1)).mean() > 1.5 * np.abs(np.diff(last[40:-40, 40:-40], axis=1)).mean()
