"""What every scene spec is built from: the value types, the frozen base model, path resolution."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo

from render.ground.formats import FORMATS as OUTPUT_FORMATS

__all__ = ["EMOTIONS", "EASINGS", "FORMATS", "StrictInt", "StrictFloat", "scene_limits"]


Emotion = Literal["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
Easing = Literal[
    "linear",
    "ease-in-sine",
    "ease-out-sine",
    "ease-in-out-sine",
    "ease-in-cubic",
    "ease-out-cubic",
    "ease-in-out-cubic",
    "smoothstep",
]
Format = Literal[tuple(OUTPUT_FORMATS)]  # type: ignore[valid-type]  # the format registry's names
Interpolation = Literal["nearest", "linear", "cubic", "area", "lanczos"]
Preset = Literal["youtube", "instagram", "instagram-reels", "x", "web"]

#: The FER2013 class order, which is also the default model's output order.
EMOTIONS: tuple[str, ...] = get_args(Emotion)
EASINGS: tuple[str, ...] = get_args(Easing)
FORMATS: tuple[str, ...] = get_args(Format)

StrictInt = Annotated[int, Field(strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]
StrictFloat = Annotated[float, Field(strict=True)]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _resolve(path: Path, info: ValidationInfo) -> Path:
    """A path from the scene, made absolute against the scene file's folder."""
    base = (info.context or {}).get("base", Path.cwd())
    return Path(os.path.normpath(Path(base) / path.expanduser()))


def _existing(path: Path, info: ValidationInfo, kind: str) -> Path:
    resolved = _resolve(path, info)
    if not resolved.exists():
        raise ValueError(f"{resolved} does not exist; check the path (relative paths start at the scene file's folder)")
    if kind == "file" and resolved.is_dir():
        raise ValueError(f"{resolved} is a folder; name a file")
    if kind == "folder" and not resolved.is_dir():
        raise ValueError(f"{resolved} is a file; name a folder")
    if not os.access(resolved, os.R_OK):
        raise ValueError(f"{resolved} cannot be read (permission denied); check its permissions")
    return resolved


def scene_limits(problems: list[tuple[str, str]]) -> Exception:
    """One validation error carrying every broken rule across keys, each as (dotted key, message):
    the loader reports each on its own line, at its key's line."""
    from pydantic_core import PydanticCustomError

    (key, message), *more = problems
    return PydanticCustomError("scene_limit", "{message}", {"key": key, "message": message, "more": [list(p) for p in more]})
