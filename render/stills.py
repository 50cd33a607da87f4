"""Stills that explain a film, like the original's figures.

The mean face, each component (scaled for display), a sheet of the kept faces, a sheet of their
reconstructions on the basis, and a strip of one clip's sequence. Each is a uint8 gray image.
"""

from __future__ import annotations

import math

import numpy as np

from render.basis import Basis
from render.compose import Canvas, to_pixels

__all__ = ["basis_stills", "sheet", "strip", "display_scaled"]

STRIP_FRAMES = 8


def display_scaled(component: np.ndarray) -> np.ndarray:
    """A component mapped to [0, 1] for display: its min to black, its max to white."""
    low, high = float(component.min()), float(component.max())
    return (component - low) / (high - low) if high > low else np.full_like(component, 0.5)


def sheet(faces: np.ndarray, canvas: Canvas, columns: int | None = None) -> np.ndarray:
    """Faces tiled in a near-square grid, each through ``canvas``; empty cells take the pad value."""
    n = len(faces)
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    tile = canvas.size
    out = np.full((rows * tile, columns * tile), to_pixels(np.float32(canvas.pad_value)), np.uint8)
    for i, face in enumerate(faces):
        r, c = divmod(i, columns)
        out[r * tile : (r + 1) * tile, c * tile : (c + 1) * tile] = canvas(face)
    return out


def strip(frames: list[np.ndarray]) -> np.ndarray:
    """Frames side by side."""
    return np.concatenate(frames, axis=1)


def basis_stills(basis: Basis, kept: np.ndarray, canvas: Canvas, tile: Canvas) -> dict[str, np.ndarray]:
    """Named stills of a basis and the faces it was fitted on.

    The mean and components go through ``canvas`` (the film's frame); the sheets tile faces
    through ``tile`` (usually the faces' own resolution).
    """
    stills = {"mean": canvas(basis.mean_)}
    for i, component in enumerate(basis.components_, start=1):
        stills[f"component-{i}"] = canvas(display_scaled(component))
    stills["kept-faces"] = sheet(kept, tile)
    stills["reconstructions"] = sheet(basis.reconstruct(basis.project(kept)), tile)
    return stills
