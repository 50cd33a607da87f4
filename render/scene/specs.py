"""The scene's declared schema: frozen, validated specs, one per section of a scene file.

Every value a scene may hold is checked here, once, with paths resolved against the scene file's
folder (the validation context's ``base``); the pipeline receives these objects and never checks
configuration again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from pydantic import Field, PrivateAttr, field_validator, model_validator

from render.errors import shown
from render.ground.formats import formats_with
from render.scene.base import EASINGS, EMOTIONS, FORMATS, _Spec, scene_limits
from render.scene.compare import MIN_PANEL, CompareSpec, Panel, identical, panel_side, panels
from render.scene.inputs import Dataset, FaceInput, FolderDataset, FolderInput, ImageInput, Input
from render.scene.layouts import GridLayout, Layout, PlaylistLayout, layout_default
from render.scene.output import GifSpec, OutputSpec, ViewerSpec
from render.scene.presets import LIMITS, safe_zone
from render.scene.publish import PublishSpec, YoutubeSpec, tags_problem

from render.scene.serve import ServeSpec
from render.scene.sections import FilterSpec, BasisSpec, MorphSpec, OVERLAY_MIN_SIDE, OverlaySpec, PhotosSpec

__all__ = [
    "EMOTIONS",
    "EASINGS",
    "FORMATS",
    "Scene",
    "FilterSpec",
    "BasisSpec",
    "FaceInput",
    "ImageInput",
    "FolderInput",
    "FolderDataset",
    "GridLayout",
    "PlaylistLayout",
    "MorphSpec",
    "OutputSpec",
    "GifSpec",
    "ViewerSpec",
    "ServeSpec",
    "PublishSpec",
    "YoutubeSpec",
    "CompareSpec",
    "Panel",
]


class Scene(_Spec):
    """A whole scene file, validated."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="Names the output folder: letters, digits, '.', '_' and '-', starting with a "
        "letter or digit.",
    )
    title: Optional[str] = Field(
        None, max_length=100, pattern=r"^[^<>]*$",
        description="Title for uploads (the videos' sidecar JSON): up to 100 characters, no '<' or '>'; "
        "default: the name.",
    )
    description: str = Field("", pattern=r"^[^<>]*$", description="Description for uploads (sidecar JSON): "
                             "up to 5000 bytes in UTF-8, no '<' or '>' (YouTube's rules).")
    tags: tuple[str, ...] = Field((), description="Tags for uploads: up to 500 characters together, as YouTube counts them.")
    language: Optional[str] = Field(None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
                                    description="The films' language for uploads, as a BCP-47 tag: en, fr, pt-BR...")
    youtube: YoutubeSpec = YoutubeSpec()
    publish: PublishSpec = PublishSpec()
    dataset: Dataset = Field(
        "olivetti",
        description="Face set: 'olivetti' (400 gray 64x64 faces of 40 people), or {folder: path} of photos.",
    )
    filter: FilterSpec = FilterSpec()
    basis: BasisSpec = BasisSpec()
    inputs: tuple[Input, ...] = Field(
        (FaceInput(face=0),), min_length=1, description="What to morph: each input gives one clip per face."
    )
    morph: MorphSpec = MorphSpec()
    # A factory, not an instance: output.dir resolves against the scene's folder at load, never
    # against the folder the module happened to be imported from.
    output: OutputSpec = Field(default_factory=OutputSpec)
    overlay: OverlaySpec = OverlaySpec()
    photos: PhotosSpec = PhotosSpec()
    serve: ServeSpec = ServeSpec()
    layout: Layout = Field(
        "clips",
        description="'clips': one clip per face; 'grid' (or {grid: {rows, cols, gap}}): all the faces in "
        "one frame; 'playlist' (or {playlist: {crossfade}}): every face one after another, in one loop.",
    )
    compare: Optional[CompareSpec] = Field(
        None,
        description="Each input's film shows the same person projected onto the scene's basis and onto each of "
        "`bases` (the scene's dataset, filter and basis with the keys an entry gives in their place), side by "
        "side, each panel labelled: happy against sad, Olivetti's happy against a folder's.",
    )

    @field_validator("description")
    @classmethod
    def _description_bytes(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > 5000:
            raise ValueError(f"the description is {size} bytes in UTF-8; uploads take at most 5000")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        problem = tags_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("layout", mode="before")
    @classmethod
    def _named_layout(cls, value: Any) -> Any:
        return layout_default(value)

    @model_validator(mode="after")
    def _rules_across_sections(self) -> Scene:
        """Rules between sections, checked once the scene is whole; every broken one is reported."""
        problems = [problem for problem in (self._layout_problem(), self._duration_problem(),
                                            self._overlay_problem(), self._compare_problem()) if problem]
        if problems:
            raise scene_limits(problems)
        return self

    def _layout_problem(self) -> tuple[str, str] | None:
        if self.layout != "clips" and ({"html", "readout"} & set(self.output.formats) or self.overlay.readout != "none"):
            return ("layout", "a grid or a playlist is one film of many faces: the html viewer, the readout and "
                    "its overlay are made per face; leave them out, or use layout: clips")
        return None

    def _compare_problem(self) -> tuple[str, str] | None:
        if self.compare is None:
            return None
        if self.layout != "clips":
            return ("compare", "a comparison is one film per input, its bases side by side; a grid or a playlist is "
                    "one film of every face: use layout: clips, or leave compare out")
        if {"html", "readout"} & set(self.output.formats) or self.overlay.readout != "none":
            return ("compare", "the html viewer, the readout and its overlay play one basis; leave them out of a "
                    "comparison's output.formats and overlay")
        looks = {(isinstance(p.dataset, FolderDataset) and p.dataset.color,
                  p.dataset.size if isinstance(p.dataset, FolderDataset) else 64) for p in self.panels}
        if len(looks) > 1:
            return ("compare", "the panels' datasets differ in colour or size, and a person is drawn alike in every "
                    "panel; give every folder dataset the scene's own color and size")
        if self.output.frame is not None:
            width, height = self.output.frame
            box = safe_zone(self.output.preset, self.output.frame) or (0, 0, width, height)
            if panel_side(len(self.panels), self.compare.gap, box) < MIN_PANEL:
                return ("compare", f"{len(self.panels)} panels with a gap of {self.compare.gap} px and their labels "
                        f"leave less than {MIN_PANEL} px a panel in a {width}x{height} frame; compare fewer bases, "
                        "use a smaller gap or a larger output.frame")
        same = identical(self.panels)
        if same is not None:
            first, second = same
            other = "the scene's own basis" if first == 0 else f"compare.bases[{first - 1}]"
            return (f"compare.bases.{second - 1}", f"draws the same basis as {other}; give it another dataset, "
                    "filter or basis")
        return None

    @property
    def colour(self) -> bool:
        """Whether the faces, the basis and the films are in colour (a folder dataset asked so)."""
        return isinstance(self.dataset, FolderDataset) and self.dataset.color

    @property
    def panels(self) -> list[Panel]:
        """A comparison's panels, the scene's own basis first (none without ``compare``)."""
        if self.compare is None:
            return []
        return panels(self.dataset, self.filter, self.basis, self.compare)

    def _overlay_problem(self) -> tuple[str, str] | None:
        style, output = self.overlay.readout, self.output
        if style == "none":
            return None
        drawn = set(formats_with(paced=True)) & set(output.formats)
        if not drawn:
            return ("overlay.readout", "the reading is drawn on the videos, the GIF, the WebP and the viewer, and none "
                    "is written; add mp4, gif or html to output.formats, or leave overlay out")
        least = OVERLAY_MIN_SIDE[style]
        sides = {"output.size": output.size} if drawn & set(formats_with(role="timeline")) else {}
        if "gif" in drawn:
            sides["output.gif.size"] = output.gif_size
        small = [(key, side) for key, side in sides.items() if side < least]
        if small:
            key, side = small[0]
            return ("overlay.readout", f"{style!r} cannot be read on a face of {side} px ({key}); it needs at least "
                    f"{least} px: raise {key}" + (", or use 'bar' or 'label'" if style == "all" else ""))
        return None

    def _duration_problem(self) -> tuple[str, str] | None:
        preset = self.output.preset
        if preset is None:
            return None
        from dataclasses import replace

        from render.ground.timeline import timeline

        limits, output, levels = LIMITS[preset], self.output, self.morph.levels
        seconds = len(timeline(levels, output.fps, replace(output.pacing, min_duration=0.0))) / output.fps
        if seconds > limits.max_duration:
            return ("morph.levels", f"{levels} levels at {output.fps:g} fps, looped {output.loop} with the holds, last "
                    f"{seconds:.1f} s, longer than {preset} accepts ({limits.max_duration:g} s); use fewer levels, "
                    "shorter holds, loop once, or a higher output.fps")
        if output.min_duration > limits.max_duration:
            return ("output.min_duration", f"min_duration {output.min_duration:g} s is longer than {preset} accepts "
                    f"({limits.max_duration:g} s); use at most {limits.max_duration:g}")
        made = len(timeline(levels, output.fps, output.pacing)) / output.fps
        if made > limits.max_duration:
            return ("output.extend", f"extend {output.extend!r} reaches min_duration in whole cycles: the video lasts "
                    f"{made:.1f} s, longer than {preset} accepts ({limits.max_duration:g} s); use extend 'hold' or a "
                    f"shorter min_duration")
        if made < limits.min_duration:
            return ("output.min_duration", f"the video lasts {made:.2f} s, shorter than {preset} accepts "
                    f"({limits.min_duration:g} s); set min_duration to at least {limits.min_duration:g}")
        return None

    _source: Path | None = PrivateAttr(default=None)
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> Path | None:
        """The scene file this scene was loaded from, if any."""
        return self._source

    @property
    def reads_frames(self) -> bool:
        """Whether an output uses the model's reading of every frame (the readout files, the overlay):
        only then is the model loaded for a clip."""
        return "readout" in self.output.formats or self.overlay.readout != "none"

    @property
    def scene_dir(self) -> Path:
        """Folder of this scene's outputs: ``output.dir / name``."""
        return self.output.dir / self.name

    def where(self, *loc: str | int) -> str:
        """``file:line: key`` for a key of this scene, for error messages."""
        return _where(self._source, self._lines, loc)


def _where(source: Path | None, lines: dict[tuple[str | int, ...], int], loc: tuple) -> str:
    key = _dotted(loc)
    prefix = loc
    while prefix and prefix not in lines:
        prefix = prefix[:-1]
    place = shown(source) if source else "<scene>"
    if prefix in lines and source is not None:
        place = f"{place}:{lines[prefix]}"
    return f"{place}: {key}" if key else place


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
