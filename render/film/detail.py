"""The photo's own detail over a clip's first levels (``morph.detail: photo``).

A basis draws its faces small (64 px by default), and a film enlarges them: on a 512 px film the
person's first frame is a blur of their photo. With ``morph.detail: photo`` the subject carries its
photo's crop at the film's resolution (:class:`render.faces.portrait.Detail`: the same framing, the
film's padding around it). Each canvas of the clip lays over every level the difference between
that crop and the level-0 face as the canvas draws it, faded out as the morph goes (``1 - e_k``,
``e_k`` the scene's easing from 0 to 1, whatever its amount): the first frame is the photo's crop
itself, the last is the morph's, untouched. With a basis that keeps shape apart (appearance), the
difference moves with the face: it is warped, at the film's resolution, from the face's landmarks to
the level's (and kept off the padding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from render.film.compose import Canvas
from render.ground.easing import ease
from render.ground.morph import Morph
from render.ground.warp import sources

__all__ = ["Detailed", "fades"]


def fades(easing: str, levels: int) -> np.ndarray:
    """How much of the photo's detail each level keeps: 1 at the first level, 0 at the last, the
    scene's easing between (clipped to [0, 1]: a cubic-bezier easing may overshoot)."""
    return np.clip(1.0 - ease(easing, levels), 0.0, 1.0)


@dataclass(frozen=True, eq=False)
class Detailed:
    """What one canvas lays over each level of ``morph``: ``fade[k]`` of the photo's detail, (size,
    size) float32, or None once it has faded out."""

    canvas: Canvas
    morph: Morph
    fade: np.ndarray = field(repr=False)
    residual: np.ndarray = field(repr=False)  #: the crop less the level-0 face, on the face only

    @classmethod
    def of(cls, detail: np.ndarray, morph: Morph, canvas: Canvas, fade: np.ndarray) -> Detailed:
        """``detail`` (the photo's crop with the film's padding, any size; 8-bit or floats in [0, 1]) for
        frames of ``canvas``."""
        import cv2

        if detail.dtype == np.uint8:
            detail = detail.astype(np.float32) / np.float32(255.0)
        size = canvas.size
        own = detail if detail.shape == (size, size) else cv2.resize(
            detail, (size, size), interpolation=cv2.INTER_AREA if detail.shape[0] > size else cv2.INTER_CUBIC)
        # The first frame: the crop laid on the padding through the canvas's own soft edge (on a
        # transparent film's repeated border, through its mask), less the face as the canvas draws it.
        base = canvas.square(morph.face).copy()
        edge, own = _planes(canvas.inside(morph.face.shape), own), own.astype(np.float32)
        under = base if canvas.pad_value is None else np.float32(canvas.pad_value)
        residual = edge * (own - under) + under - base
        return cls(canvas, morph, fade, residual.astype(np.float32))

    def __call__(self, k: int) -> np.ndarray | None:
        amount = float(self.fade[k])
        if amount == 0.0:
            return None
        moved = self.residual if self.morph.shapes is None else self._moved(k)
        return moved * np.float32(amount)

    def _moved(self, k: int) -> np.ndarray:
        """The residual warped from the face's landmarks to level k's, as the morph warps the face:
        the map is worked out on the padded face's own grid (piecewise affine, so linear between its
        pixels) and spread to the canvas's by linear interpolation, then read by cubic interpolation."""
        import cv2

        start, end, _, triangles = self.morph.shapes
        w = self.morph.weights[k]
        if w == 0.0:
            return self.residual
        pad, size = self.canvas.padding, self.canvas.size
        height, width = self.morph.face.shape[:2]
        grid = (height + 2 * pad, width + 2 * pad)
        at = (1.0 - w) * start + w * end
        sx, sy = sources(start + pad, at + pad, triangles, *grid)
        scale = np.array([size / grid[1], size / grid[0]], np.float32)
        fine = [cv2.resize(v.reshape(grid).astype(np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
                for v in (sx, sy)]
        map_x = (fine[0] + np.float32(0.5)) * scale[0] - np.float32(0.5)
        map_y = (fine[1] + np.float32(0.5)) * scale[1] - np.float32(0.5)
        moved = cv2.remap(self.residual, map_x, map_y, interpolation=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
        return moved * _planes(self.canvas.inside(self.morph.face.shape), moved)  # none of it onto the padding


def _planes(mask: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A (h, w) mask for images shaped like ``like``: with a channel axis for colour."""
    return mask[..., None] if like.ndim == 3 else mask
