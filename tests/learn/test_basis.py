"""The basis against scikit-learn's own PCA."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from render.learn.basis import Basis, max_components


def test_basis_matches_scikit_learn_pca(faces):
    kept = faces.images[::3]
    basis = Basis(5).fit(kept)
    flat = kept.reshape(len(kept), -1)
    pca = PCA(n_components=5, svd_solver="full").fit(flat)
    np.testing.assert_allclose(basis.mean_.ravel(), pca.mean_, atol=1e-6)
    np.testing.assert_allclose(basis.components_.reshape(5, -1), pca.components_, atol=1e-5)
    np.testing.assert_allclose(basis.project(kept), pca.transform(flat), atol=1e-4)
    expected = pca.inverse_transform(pca.transform(flat)).reshape(kept.shape)
    np.testing.assert_allclose(basis.reconstruct(basis.project(kept)), expected, atol=1e-5)


def test_components_are_orthonormal_and_ordered_by_variance(faces):
    basis = Basis(4).fit(faces.images[:60])
    flat = basis.components_.reshape(4, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(4), atol=1e-5)
    assert np.all(np.diff(basis.explained_variance_ratio_) <= 0)


def test_fit_is_deterministic(faces):
    a = Basis(3).fit(faces.images[:50])
    b = Basis(3).fit(faces.images[:50])
    np.testing.assert_array_equal(a.components_, b.components_)


def test_max_components_is_one_less_than_the_faces():
    assert max_components(108) == 107
    assert max_components(1) == 0
