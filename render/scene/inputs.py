"""The faces a scene names: its inputs (dataset faces, photos, folders of photos) and its dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Discriminator, Field, Tag, ValidationInfo, field_validator

from render.scene.base import StrictBool, StrictInt, _existing, _Spec

__all__ = ["FaceInput", "ImageInput", "FolderInput", "FolderDataset", "Input", "Dataset", "TAGGED"]


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

    color: StrictBool = Field(False, description="Keep the faces' colour: the basis, the films and the stills in "
                              "colour, photo inputs cut in colour (the emotion model still reads them gray). "
                              "Olivetti is gray.")
    size: StrictInt = Field(64, ge=32, le=256, multiple_of=2, description="Side of the faces cut from the photos, "
                            "32 to 256 pixels (even): the basis's resolution (Olivetti's is 64).")


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
TAGGED: dict[str, type[BaseModel]] = {
    "<face>": FaceInput,
    "<image>": ImageInput,
    "<folder>": FolderInput,
}
