"""The ``output`` section's own sections: the GIF, the WebM, the WebP, the soundtrack and the viewer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import Field, ValidationInfo, field_validator, model_validator

from render.scene.base import StrictFloat, StrictInt, _existing, _Spec

__all__ = ["GifSpec", "WebmSpec", "WebpSpec", "AudioSpec", "ViewerSpec"]


class GifSpec(_Spec):
    """The GIF: its own size, rate and gray levels, kept small and faithful."""

    size: Optional[StrictInt] = Field(
        None, ge=16, le=1280, description="Side of the GIF's square frame in pixels; default: output.size, at most 512."
    )
    fps: Optional[StrictFloat] = Field(
        None, ge=0.1, le=50.0, description="GIF frames per second, 0.1 to 50; default: output.fps."
    )
    colors: StrictInt = Field(
        32, ge=2, le=255, description="Gray levels in the GIF's palette (2 to 255); fewer make smaller files."
    )
    dither: Literal["ordered", "none"] = Field(
        "ordered",
        description="'ordered': values between two gray levels drawn as a fixed fine pattern of both (no "
        "contour bands, nothing crawls); 'none': flat levels (posterized).",
    )
    tolerance: StrictInt = Field(
        0, ge=0, le=64,
        description="Gray levels a pixel may drift from what is shown before the GIF redraws it (0: exact).",
    )


class WebmSpec(_Spec):
    """The WebM: VP9 (plays in every browser; carries alpha) or AV1 (smaller at a given quality)."""

    codec: Literal["vp9", "av1"] = Field(
        "vp9", description="'vp9' (libvpx; every browser, alpha) or 'av1' (SVT-AV1; smaller files, no alpha)."
    )
    crf: Optional[StrictInt] = Field(
        None, ge=1, le=63,
        description="Constant quality, 1 to 63 (lower is better: 20 looks clean, 32 is small). Default: none, "
        "lossless, so slow dissolves never pulse at keyframes.",
    )


class WebpSpec(_Spec):
    """The animated WebP: a looping picture for web pages, like the GIF but in full gray and with alpha."""

    lossless: Annotated[bool, Field(strict=True)] = Field(
        False, description="true: every frame exact (about 6 times the lossy file); false: lossy, at `quality`."
    )
    quality: Optional[StrictInt] = Field(
        None, ge=0, le=100,
        description="Lossy quality, 0 to 100 (default 90: every frame within about 49 dB of the PNG frames).",
    )

    @model_validator(mode="after")
    def _lossy_only(self) -> WebpSpec:
        if self.lossless and self.quality is not None:
            raise ValueError("quality sets the lossy coder and does nothing with lossless: true; leave one out")
        return self


class AudioSpec(_Spec):
    """A soundtrack: trimmed or looped to the film, faded out, loudness-normalised, muxed into the videos."""

    path: Path = Field(description="The sound file (WAV, FLAC, MP3, Ogg), relative to the scene file's folder.")
    loudness: Optional[StrictFloat] = Field(
        -14.0, ge=-40.0, le=-5.0,
        description="Integrated loudness to bring the sound to with one gain, in LUFS (EBU R128; -14 is what "
        "YouTube, Instagram and Spotify play at), as near as a -2 dBTP true peak allows; null keeps the file's "
        "own level.",
    )
    fade: StrictFloat = Field(1.0, ge=0.0, le=30.0, description="Seconds the sound fades out over at the film's end.")

    @model_validator(mode="before")
    @classmethod
    def _a_path_alone(cls, data: Any) -> Any:
        return {"path": data} if isinstance(data, str) else data

    @field_validator("path")
    @classmethod
    def _sound(cls, path: Path, info: ValidationInfo) -> Path:
        # Only that it is there: what is in it is probed when a film is planned (run.plan), so that
        # reading a scene never starts ffprobe.
        return _existing(path, info, "file")


class ViewerSpec(_Spec):
    """The interactive HTML viewer (format ``html``)."""

    idle_seconds: StrictFloat = Field(
        30.0, ge=0.0, le=3600.0,
        description="After this many seconds untouched, the viewer plays the morph back and forth (0: never).",
    )
