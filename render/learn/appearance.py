"""The appearance basis (``basis.model: appearance``): shape and texture apart, as active appearance
models keep them.

Each kept face's landmarks (:mod:`render.faces.mesh`) are its shape. PCA over the shapes gives a mean
shape and shape modes; every face warped to the mean shape (:func:`render.ground.warp.warp`, over a
Delaunay triangulation of the mean shape and fixed points around the frame) is its shape-free texture,
and PCA over those gives a mean texture and texture modes, ``components`` of each. A face's
projection is its projected texture warped onto its projected shape: its features stay where the
projection puts them, in focus, instead of the ghost of many faces' features averaged where they
do not line up.
"""

from __future__ import annotations

import numpy as np

from render.errors import InputError
from render.ground.morph import Ends
from render.ground.warp import frame_points, warp
from render.learn.basis import Basis, LearntArrays, fit_pca

__all__ = ["AppearanceBasis"]


class AppearanceBasis(LearntArrays):
    """Shape and texture PCA over faces and their landmarks.

    After :meth:`fit`: ``mean_shape_`` (p, 2) and ``shape_components_`` (k, p, 2) with
    ``shape_spread_`` (k,); ``mean_`` (h, w) the mean texture, in the mean shape, and ``components_``
    (k, h, w) the texture modes with ``explained_variance_ratio_`` and ``spread_``; ``triangles_`` (m, 3)
    over the mean shape's landmarks followed by the frame's fixed points (``frame_``).
    """

    model = "appearance"
    version = "mesh-5-looks+cubic/1"  #: part of the cache key: changes whenever the fit's results would

    def __init__(self, components: int) -> None:
        super().__init__(components)
        self._mesh = None

    def fit(self, faces: np.ndarray, shapes: np.ndarray | None = None) -> AppearanceBasis:
        """Fit over faces (n, h, w) and their landmarks (n, p, 2; found by the face mesh when not
        given). Faces whose landmarks the mesh does not find are left out (``left_out_``: their
        indices); ``shapes_`` keeps the landmarks of the others."""
        from scipy.spatial import Delaunay

        if shapes is None:
            from render.faces.mesh import PRESENCE

            shapes, presence = self.mesh.shapes(faces)
            self.left_out_ = np.flatnonzero(presence < PRESENCE)
            faces, shapes = np.delete(faces, self.left_out_, axis=0), np.delete(shapes, self.left_out_, axis=0)
        else:
            self.left_out_ = np.zeros(0, np.int64)
        if len(faces) <= self.components:
            raise InputError(f"the face mesh found landmarks in {len(faces)} of the faces; an appearance basis of "
                             f"{self.components} components needs {self.components + 1}: use fewer components or "
                             f"basis.model: pixels")
        self.shapes_ = shapes.astype(np.float64)
        n, height, width, *channels = faces.shape  # (h, w), or (h, w, 3) in colour
        self.frame_ = frame_points(height, width)
        shapes = self._inside(shapes.astype(np.float64))
        mean, components, _, spread = fit_pca(shapes.reshape(n, -1), self.components)
        self.mean_shape_ = mean.reshape(-1, 2)
        self.shape_components_ = components.reshape(len(components), -1, 2)
        self.shape_spread_ = spread
        # Qhull's triangulation of the mean shape and the frame: the same points give the same triangles.
        self.triangles_ = Delaunay(self._points(self.mean_shape_)).simplices.astype(np.int32)
        self.triangles_ = self.triangles_[np.lexsort(self.triangles_.T[::-1])]
        textures = np.stack([self.free(face, shape) for face, shape in zip(faces, shapes)])
        mean, components, ratio, spread = fit_pca(textures.reshape(n, -1), self.components)
        self.mean_ = mean.reshape(height, width, *channels)
        self.components_ = components.reshape(-1, height, width, *channels)
        self.explained_variance_ratio_ = ratio
        self.spread_ = spread
        return self

    @property
    def mesh(self):
        """The face mesh that finds a face's landmarks, made when first needed."""
        if self._mesh is None:
            from render.faces.mesh import FaceMesh

            self._mesh = FaceMesh()
        return self._mesh

    def shape(self, face: np.ndarray) -> np.ndarray:
        """A face's landmarks (p, 2); :class:`InputError` when the face mesh finds none."""
        from render.faces.mesh import PRESENCE

        shape, presence = self.mesh.shape(face)
        if presence < PRESENCE:
            raise InputError(f"the face mesh finds no landmarks in this face (presence {presence:.2f}); the appearance "
                             f"basis needs them: use a photo of a face seen from the front, or basis.model: pixels")
        return shape

    def __getstate__(self) -> dict:
        return {name: value for name, value in self.__dict__.items() if name != "_mesh"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _mesh=None)

    def _inside(self, shapes: np.ndarray) -> np.ndarray:
        """Landmarks kept a pixel inside the frame's fixed points (a chin below the photo's edge)."""
        low, high = self.frame_.min(axis=0) + 1, self.frame_.max(axis=0) - 1
        return np.clip(shapes, low, high)

    def _points(self, shape: np.ndarray) -> np.ndarray:
        return np.concatenate([shape.astype(np.float64), self.frame_])

    def free(self, face: np.ndarray, shape: np.ndarray) -> np.ndarray:
        """A face's shape-free texture: the face warped from its landmarks to the mean shape."""
        return warp(face, self._points(self._inside(shape)), self._points(self.mean_shape_), self.triangles_)

    ARRAYS = (*Basis.ARRAYS, "mean_shape", "shape_components", "shape_spread", "triangles", "frame", "shapes",
              "left_out")

    def state(self) -> dict[str, np.ndarray]:
        """The learnt arrays, for the cache, and which basis they are."""
        return {"model": np.array(self.model), **self.arrays()}

    def project_shape(self, shape: np.ndarray) -> np.ndarray:
        """A shape's weights (k,) on the shape modes."""
        centred = (self._inside(shape) - self.mean_shape_).reshape(-1).astype(np.float64)
        return self.shape_components_.reshape(len(self.shape_components_), -1).astype(np.float64) @ centred

    def shape_of(self, weights: np.ndarray) -> np.ndarray:
        """The shape (p, 2) with ``weights`` on the shape modes."""
        flat = np.asarray(weights, np.float64) @ self.shape_components_.reshape(len(self.shape_components_), -1)
        return self.mean_shape_.astype(np.float64) + flat.reshape(-1, 2)

    def project(self, textures: np.ndarray) -> np.ndarray:
        """Weights (n, k) of shape-free textures (n, h, w) on the texture modes."""
        centred = (textures - self.mean_).reshape(len(textures), -1).astype(np.float64)
        return centred @ self.components_.reshape(len(self.components_), -1).T.astype(np.float64)

    def reconstruct(self, weights: np.ndarray) -> np.ndarray:
        """Shape-free textures (n, h, w) from weights (n, k) on the texture modes."""
        flat = weights @ self.components_.reshape(len(self.components_), -1).astype(np.float64)
        return (self.mean_ + flat.reshape(-1, *self.mean_.shape)).astype(np.float32)

    def ends(self, face: np.ndarray, target: str, shape: np.ndarray | None = None) -> Ends:
        """A morph's ends for ``face`` (its landmarks ``shape``): to its projection (texture and shape
        each projected) or to the mean face. The coefficients are the shape's weights, then the
        texture's."""
        shape = self.shape(face) if shape is None else shape
        if target == "mean":
            coefficients = np.zeros(2 * len(self.components_))
            texture, at = self.mean_.copy(), self.mean_shape_.astype(np.float64)
        else:
            shape_weights = self.project_shape(shape)
            texture_weights = self.project(self.free(face, shape)[None])[0]
            coefficients = np.concatenate([shape_weights, texture_weights])
            texture, at = self.reconstruct(texture_weights[None])[0], self.shape_of(shape_weights)
        return Ends(coefficients, texture, shapes=(self._points(self._inside(shape)), self._points(at),
                                                    self._points(self.mean_shape_), self.triangles_))

    def modes(self) -> dict[str, list[np.ndarray]]:
        """What the stills show of each component: the mean texture drawn in the shapes two standard
        deviations either side of the mean along the shape mode (``component-<i>-shape``), and the
        textures so along the texture mode, in the mean shape (``component-<i>-texture``)."""
        mean_points = self._points(self.mean_shape_)
        modes = {}
        for i in range(len(self.components_)):
            steps = (-2.0, 0.0, 2.0)
            shapes = [self.shape_of(np.eye(len(self.components_))[i] * step * self.shape_spread_[i]) for step in steps]
            modes[f"component-{i + 1}-shape"] = [warp(self.mean_, mean_points, self._points(s), self.triangles_)
                                                 for s in shapes]
            modes[f"component-{i + 1}-texture"] = [self.mean_ + step * self.spread_[i] * self.components_[i]
                                                   for step in steps]
        return modes

    def reconstructions(self, faces: np.ndarray) -> np.ndarray:
        """The faces it was fitted on (``faces``: all the kept ones, those left out included), projected
        on it; those left out are not drawn."""
        used = np.delete(faces, self.left_out_, axis=0)
        return np.stack([self.projection(face, shape) for face, shape in zip(used, self.shapes_)])

    def projection(self, face: np.ndarray, shape: np.ndarray) -> np.ndarray:
        """A face's projection on the basis: its projected texture warped onto its projected shape."""
        ends = self.ends(face, "projection", shape)
        _, at, mean, triangles = ends.shapes
        return warp(ends.target, mean, at, triangles)
