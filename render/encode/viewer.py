"""The interactive viewer: one self-contained HTML file per clip, for a kiosk screen or a web page.

The page carries the source data (the input face, its projection, the mean face and the components,
as float32, gray or RGB), not rendered frames, and computes each frame live with the film's own
formula: ``(1 - w_k) * face + w_k * target``, padded, resampled with OpenCV's kernels and rounded as
the PNG frames are. The mouse wheel, the arrow keys and dragging move the level; the keys 1-9 with
left/right (or a sideways drag) move the target along each component's axis. It works offline from
disk: no request leaves the page (its content security policy forbids them).
"""

from __future__ import annotations

import base64
import json
from importlib import resources
from pathlib import Path

import numpy as np

from render.ground.morph import Shapes
from render.learn.basis import Basis

__all__ = ["write_viewer", "viewer_data", "viewer_script", "b64"]


def b64(array: np.ndarray) -> str:
    """An array as base64 of its little-endian float32 bytes, as the viewer reads them."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def viewer_data(*, face: np.ndarray, target: np.ndarray, basis: Basis, coefficients: np.ndarray,
                weights: np.ndarray, padding: int, pad_value: float, size: int, interpolation: str, emotion: str,
                idle_seconds: float, readout: np.ndarray | None = None, loop: str = "pingpong",
                hold_start: float = 0.0, hold_end: float = 0.0, shapes: Shapes | None = None) -> dict:
    """What the viewer's script draws a morph from (JSON-ready): the source arrays as base64 float32,
    how its idle play loops (as the films do: ``loop``, ``hold_start``, ``hold_end`` in seconds), and,
    when given, the model's reading of ``emotion`` at each level."""
    height, width = face.shape[:2]
    data = {
        "width": width,
        "height": height,
        "channels": face.shape[2] if face.ndim == 3 else 1,  #: 3: the arrays are RGB, interleaved
        "face": b64(face),
        "target": b64(target),
        "mean": b64(basis.mean_),
        "components": [b64(c) for c in basis.components_],
        "coefficients": [float(c) for c in coefficients],
        "spread": [float(s) for s in basis.spread_],
        "weights": [float(w) for w in weights],
        "padding": padding,
        "pad_value": float(np.float32(pad_value)),
        "size": size,
        "interpolation": interpolation,
        "emotion": emotion,
        "idle_seconds": idle_seconds,
        "loop": loop,
        "hold_start": hold_start,
        "hold_end": hold_end,
    }
    if shapes is not None:  # the appearance basis: the morph's shapes, and the shape modes for its axes
        start, end, drawn, triangles = shapes
        flat = lambda points: [float(v) for v in np.asarray(points, np.float64).ravel()]  # noqa: E731
        data["shapes"] = {"start": flat(start), "end": flat(end), "drawn": flat(drawn),
                          "triangles": [int(v) for v in np.asarray(triangles).ravel()],
                          "mean": flat(basis.mean_shape_), "components": [flat(c) for c in basis.shape_components_],
                          "frame": flat(basis.frame_)}
        data["spread"] = [float(s) for s in basis.shape_spread_] + data["spread"]
    if readout is not None:
        data["readout"] = [round(float(p), 6) for p in readout]
    return data


def viewer_script() -> str:
    """The viewer's script (``HappyViewer``), shared by the standalone pages and the kiosk."""
    return resources.files("render.encode").joinpath("viewer.js").read_text(encoding="utf-8")


def write_viewer(path: Path, *, title: str, **data: object) -> None:
    """Write the viewer of one clip to ``path``: one self-contained page (see :func:`viewer_data` for
    ``data``)."""
    blob = json.dumps(viewer_data(**data), separators=(",", ":")).replace("</", "<\\/")  # type: ignore[arg-type]
    template = resources.files("render.encode").joinpath("viewer.html").read_text(encoding="utf-8")
    page = (template.replace("__VIEWER_JS__", viewer_script()).replace("__DATA__", blob)
            .replace("__SIZE__", str(data["size"])).replace("__TITLE__", _escape(title))
            .replace("__EMOTION__", _escape(str(data["emotion"]))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
