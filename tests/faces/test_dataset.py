"""The Olivetti faces, read through scikit-learn once and from the cache after."""

from __future__ import annotations

import numpy as np
import pytest

from render.ground.console import Console
from render.cache import Cache
from render.hashing import sha256_file
from render.faces.dataset import load_dataset


def test_olivetti_is_400_faces_of_40_people_as_scikit_learn_reads_them(faces, olivetti_home):
    assert faces.images.shape == (400, 64, 64) and faces.images.dtype == np.float32
    np.testing.assert_allclose(faces.images[0, 0, :4], [0.30991736, 0.3677686, 0.41735536, 0.44214877])
    assert sorted(set(faces.people.tolist())) == list(range(40))
    assert faces.digest == sha256_file(olivetti_home / "olivetti_py3.pkz")


def test_a_cached_load_gives_the_same_faces(tmp_path, olivetti_home):
    cache = Cache(tmp_path)
    first = load_dataset("olivetti", cache, Console())
    second = load_dataset("olivetti", cache, Console())
    np.testing.assert_array_equal(first.images, second.images)
    np.testing.assert_array_equal(first.people, second.people)
    assert [e.kind for e in cache.entries()] == ["dataset"]


def test_a_cached_dataset_is_enough_offline(tmp_path, olivetti_home, monkeypatch):
    cache = Cache(tmp_path / "cache")
    first = load_dataset("olivetti", cache, Console())
    gone = tmp_path / "fresh-data-home"  # scikit-learn's file is nowhere: offline on a new machine
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(gone))
    again = load_dataset("olivetti", cache, Console())
    np.testing.assert_array_equal(again.images, first.images)
    assert again.digest == first.digest and not gone.exists()


@pytest.mark.slow
def test_offline_without_the_dataset_says_so_quietly_and_leaves_nothing(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO, write_scene

    home = tmp_path / "no-data-here"
    scene = write_scene(tmp_path, "name: offline\noutput: {dir: out, size: 64, formats: [mp4]}\n")
    done = subprocess.run([sys.executable, "-m", "render", str(scene), "--quiet", "--cache-dir", str(tmp_path / "cache")],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "SCIKIT_LEARN_DATA": str(home)})
    if done.returncode == 0:
        pytest.skip("this machine reached the internet and downloaded the faces")
    assert done.returncode == 4, done.stderr
    assert done.stdout == "" and "downloading" not in done.stderr and "Warning" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip().splitlines()[-1]]  # one line
    assert "set SCIKIT_LEARN_DATA to a folder that holds olivetti_py3.pkz" in done.stderr
    assert not home.exists(), "no empty data folder is left behind"
