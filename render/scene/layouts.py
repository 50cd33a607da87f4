"""The scene's layout: one clip per face, or one film of them all (a grid, a playlist)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Discriminator, Field, Tag

from render.scene.base import StrictInt, _Spec
from render.scene.inputs import TAGGED

__all__ = ["GridSpec", "GridLayout", "PlaylistSpec", "PlaylistLayout", "Layout", "layout_default"]


class GridSpec(_Spec):
    """Many faces morphing together in one frame, like the original's sheet of happy faces."""

    rows: Optional[StrictInt] = Field(None, ge=1, le=64, description="Rows of faces; default: as square as fits.")
    cols: Optional[StrictInt] = Field(None, ge=1, le=64, description="Columns of faces; default: as square as fits.")
    gap: StrictInt = Field(2, ge=0, le=64, description="Pixels of background between the faces.")


class GridLayout(_Spec):
    grid: GridSpec = GridSpec()


class PlaylistSpec(_Spec):
    """Every input's morph, one after another, in one long loop for a screen."""

    crossfade: StrictInt = Field(
        25, ge=0, le=500,
        description="Frames of crossfade from one person (their projection, or their own face when output.loop "
        "is pingpong) to the next person.",
    )


class PlaylistLayout(_Spec):
    playlist: PlaylistSpec = PlaylistSpec()


def _layout_kind(value: Any) -> str | None:
    if isinstance(value, (GridLayout, PlaylistLayout)):
        return "<grid>" if isinstance(value, GridLayout) else "<playlist>"
    if value == "clips":
        return "<clips>"
    if value in ("grid", "playlist"):
        return f"<{value}>"
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("grid", "playlist"):
        return f"<{next(iter(value))}>"
    return None


def layout_default(value: Any) -> Any:
    return {value: {}} if value in ("grid", "playlist") else value


Layout = Annotated[
    Union[
        Annotated[Literal["clips"], Tag("<clips>")],
        Annotated[GridLayout, Tag("<grid>")],
        Annotated[PlaylistLayout, Tag("<playlist>")],
    ],
    Discriminator(
        _layout_kind,
        custom_error_type="layout_kind",
        custom_error_message="layout is clips, grid, playlist, {grid: {rows, cols, gap}} or {playlist: {crossfade}}",
    ),
]

TAGGED.update({"<grid>": GridLayout, "<playlist>": PlaylistLayout})
