"""The Olivetti faces, read through scikit-learn once and from the cache after."""

from __future__ import annotations

import numpy as np

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
    first = load_dataset("olivetti", cache, warn=print)
    second = load_dataset("olivetti", cache, warn=print)
    np.testing.assert_array_equal(first.images, second.images)
    np.testing.assert_array_equal(first.people, second.people)
    assert [e.kind for e in cache.entries()] == ["dataset"]
