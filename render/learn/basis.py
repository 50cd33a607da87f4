"""The eigenface basis: PCA over the kept faces gives a mean face and its components."""

from __future__ import annotations

import numpy as np

from render.ground.morph import Ends

__all__ = ["Basis", "LearntArrays", "fit_pca", "fitted", "max_components"]


def max_components(n_faces: int) -> int:
    """Most components that ``n_faces`` centred faces can support (their rank is at most n - 1)."""
    return max(n_faces - 1, 0)


def fit_pca(rows: np.ndarray, components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's exact PCA of ``rows`` (n, d): mean, components (k, d), explained variance ratio
    and the weights' standard deviations, all float32 as cached."""
    from sklearn.decomposition import PCA

    # The full SVD solver is exact and has no random state: the same rows give the same basis.
    # In float64: the float32 arrays kept afterwards then do not depend on how the BLAS
    # library split the work (threads), so the same faces give the same basis, bit for bit.
    pca = PCA(n_components=components, svd_solver="full").fit(rows.astype(np.float64))
    return (pca.mean_.astype(np.float32), pca.components_.astype(np.float32),
            pca.explained_variance_ratio_.astype(np.float32), np.sqrt(pca.explained_variance_).astype(np.float32))


def fitted(state: dict[str, np.ndarray]):
    """The fitted basis whose arrays ``state`` holds (its ``model`` says which; pixels without one)."""
    from render.ground.plugins import BASIS_MODELS

    model = str(state["model"]) if "model" in state else "pixels"
    return BASIS_MODELS[model].load().from_state(state)


class LearntArrays:
    """A fitted basis's learnt arrays (:attr:`ARRAYS`, each the attribute of that name with ``_``), as
    cached and sent to jobs, and a fitted basis made again from them."""

    ARRAYS: tuple[str, ...] = ()

    def __init__(self, components: int) -> None:
        self.components = components

    def arrays(self) -> dict[str, np.ndarray]:
        """The learnt arrays, by name."""
        return {name: getattr(self, f"{name}_") for name in self.ARRAYS}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]):
        """A fitted basis from its state's arrays."""
        basis = cls(len(state["components"]))
        for name in cls.ARRAYS:
            setattr(basis, f"{name}_", state[name])
        return basis


class Basis(LearntArrays):
    """scikit-learn PCA over faces, kept as plain arrays.

    After :meth:`fit`: ``mean_`` (h, w), ``components_`` (k, h, w) orthonormal when flattened,
    ``explained_variance_ratio_`` (k,), ``spread_`` (k,) the standard deviation of the faces'
    weights along each component.
    """

    model = "pixels"

    def fit(self, faces: np.ndarray) -> Basis:

        n, *shape = faces.shape  # (h, w), or (h, w, 3) in colour
        mean, components, self.explained_variance_ratio_, self.spread_ = fit_pca(faces.reshape(n, -1), self.components)
        self.mean_ = mean.reshape(shape)
        self.components_ = components.reshape(-1, *shape)
        return self

    #: The learnt arrays (each the attribute of that name with ``_``), as cached and sent to jobs.
    ARRAYS = ("mean", "components", "explained_variance_ratio", "spread")

    def state(self) -> dict[str, np.ndarray]:
        """The learnt arrays, for the cache (as they were before there was a choice of basis: no model)."""
        return self.arrays()

    def project(self, faces: np.ndarray) -> np.ndarray:
        """Weights (n, k) of faces (n, h, w) on the components: ``(x - mean) . component_i``."""
        centred = (faces - self.mean_).reshape(len(faces), -1).astype(np.float64)
        return centred @ self.components_.reshape(len(self.components_), -1).T.astype(np.float64)

    def reconstruct(self, weights: np.ndarray) -> np.ndarray:
        """Faces (n, h, w) from weights (n, k): ``mean + sum_i w_i * component_i``."""
        flat = weights @ self.components_.reshape(len(self.components_), -1).astype(np.float64)
        return (self.mean_ + flat.reshape(-1, *self.mean_.shape)).astype(np.float32)

    def modes(self) -> dict[str, list[np.ndarray]]:
        """What the stills show of each component: the component itself (``component-<i>``)."""
        return {f"component-{i}": [component] for i, component in enumerate(self.components_, start=1)}

    def reconstructions(self, faces: np.ndarray) -> np.ndarray:
        """The faces it was fitted on, projected on it."""
        return self.reconstruct(self.project(faces))

    def ends(self, face: np.ndarray, target: str) -> Ends:
        """A morph's ends for ``face``: to its projection, or to the mean face (zero weights)."""
        if target == "mean":
            return Ends(np.zeros(len(self.components_)), self.mean_.copy())
        coefficients = self.project(face[None])[0]
        return Ends(coefficients, self.reconstruct(coefficients[None])[0])
