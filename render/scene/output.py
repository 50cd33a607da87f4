"""The ``output`` section: where, what, at what size and rate, for which platform."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field, ValidationInfo, field_validator, model_validator

from render.ground.formats import FORMATS, formats_with
from render.ground.timeline import Pacing
from render.scene.presets import LIMITS, PRESETS
from render.scene.base import Format, Interpolation, Preset, StrictFloat, StrictInt, _resolve, _Spec, scene_limits

from render.scene.media import GifSpec, WebmSpec, WebpSpec, AudioSpec, ViewerSpec

__all__ = ["GifSpec", "ViewerSpec", "WebmSpec", "WebpSpec", "AudioSpec", "OutputSpec", "Pacing", "ALPHA_FORMATS",
           "MAX_AUDIO_SECONDS"]

#: the formats that carry an alpha channel (``background: transparent``); readout, stills and html are not
#: films of the face on its background, and are written as they always are
ALPHA_FORMATS = formats_with(alpha=True)
MAX_AUDIO_SECONDS = 3600.0  #: the longest soundtrack file taken (it is trimmed to the film anyway)


#: output keys that only some formats use, from the format registry (viewer: used by html, and by
#: render serve's kiosk, so never refused)
_USED_BY: dict[str, set[str]] = {
    **{key: {f.name for f in FORMATS.values() if key in f.keys} for f in FORMATS.values() for key in f.keys},
    **{key: set(formats_with(paced=True)) for key in ("loop", "hold_start", "hold_end")},
    "min_duration": set(formats_with(played=True)),
    "audio": set(formats_with(video=True)),
}


class OutputSpec(_Spec):
    """What is written, where, and at what size."""

    dir: Path = Field(
        Path("output"),
        validate_default=True,
        description="Output folder, relative to the scene file's folder; the scene's files go "
        "into <dir>/<name>/.",
    )
    formats: tuple[Format, ...] = Field(
        ("mp4", "gif", "frames", "stills"),
        min_length=1,
        description="Files to write, each once: " + "; ".join(f"{f.name}: {f.says}" for f in FORMATS.values()) + ".",
    )
    frames_at: Optional[tuple[Annotated[int, Field(strict=True, ge=0, le=1_000_000)], ...]] = Field(
        None, min_length=1, max_length=1000,
        description="The PNG frames to write, by number (0 is the first; a playlist's frames count on through "
        "its people and crossfades); default: every frame. What render --frame N sets.",
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
    background: Union[Literal["transparent"], Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        0.0,
        description="Gray level around the face when the frame is larger (0 to 1), or 'transparent': the "
        "padding and the frame around the face are see-through in the formats with alpha (webm with vp9, "
        "mov, webp, frames), for compositing; mp4 and gif, which have no alpha, are laid on `matte`.",
    )
    matte: StrictFloat = Field(
        0.0, ge=0.0, le=1.0,
        description="With background: transparent, the gray (0 to 1) that mp4 and gif, which have no alpha, "
        "show where the others are see-through: one run gives both deliverables. Default 0 (black).",
    )
    fps: StrictFloat = Field(25.0, ge=0.1, le=120.0, description="Frames per second, 0.1 (a frame every 10 s) to 120.")
    crf: Optional[StrictInt] = Field(
        None, ge=1, le=51,
        description="H.264 constant rate factor, 1 to 51 (18 looks clean, 23 is small): the MP4 sized by quality. "
        "Default: none, a near-lossless constant quantiser (QP 1) whose slow dissolves never pulse at keyframes.",
    )
    max_kbps: Optional[StrictInt] = Field(
        None, ge=100, le=100_000, description="Cap on the H.264 bit rate in kbit/s (a VBV limit), with a crf."
    )
    gop_seconds: StrictFloat = Field(
        1.0, gt=0.0, le=10.0, description="Seconds between keyframes; every GOP is closed."
    )
    loop: Literal["once", "pingpong"] = Field(
        "pingpong",
        description="How the films (mp4, webm, mov, webp, gif) and the viewer's idle play loop: 'pingpong' (to "
        "the projection and back, never jumping) or 'once' (to the projection, then from the person again).",
    )
    hold_start: StrictFloat = Field(
        0.5, ge=0.0, le=60.0, description="Seconds the first frame (the person) is held, in the films and the viewer."
    )
    hold_end: StrictFloat = Field(
        1.0, ge=0.0, le=60.0,
        description="Seconds the last frame (the projection: the face called happy) is held, in the films "
        "and the viewer.",
    )
    min_duration: StrictFloat = Field(
        0.0, ge=0.0, le=600.0, description="Shortest video in seconds; shorter clips are extended as `extend` says."
    )
    extend: Literal["hold", "pingpong", "repeat", "slow"] = Field(
        "hold",
        description="How a clip reaches min_duration: 'hold' the first and last frames longer, play it "
        "'pingpong' (forward, back, ...), 'repeat' its loop, or 'slow' (each frame shown longer).",
    )
    interpolation: Interpolation = Field(
        "cubic", description="Upscaling from the padded source face to `size`."
    )
    gif: GifSpec = GifSpec()
    webm: WebmSpec = WebmSpec()
    webp: WebpSpec = WebpSpec()
    audio: Optional[AudioSpec] = Field(
        None,
        description="A soundtrack for the mp4 (AAC), webm (Opus) and mov (PCM): a path, or {path, loudness, "
        "fade}. None by default: the films are silent.",
    )
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

    @field_validator("background", mode="before")
    @classmethod
    def _gray_or_clear(cls, value: Any) -> Any:
        """One message for both kinds of background (the union would say why each alternative failed)."""
        if value == "transparent" or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                      and 0.0 <= value <= 1.0):
            return float(value) if value != "transparent" else value
        raise ValueError(f"a gray from 0 (black) to 1 (white), or 'transparent'; got {value!r}")

    @field_validator("dir")
    @classmethod
    def _dir(cls, path: Path, info: ValidationInfo) -> Path:
        return _resolve(path, info)

    @field_validator("formats", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value  # formats: mp4, as a list of one

    @field_validator("formats")
    @classmethod
    def _once_each(cls, formats: tuple[str, ...]) -> tuple[str, ...]:
        twice = [f for i, f in enumerate(formats) if f in formats[:i]]
        if twice:
            raise ValueError(f"formats lists {twice[0]!r} twice; list each format once")
        return formats

    @model_validator(mode="after")
    def _fits_its_formats_and_preset(self) -> OutputSpec:
        """Rules across keys, checked once the whole section is read (whatever order its keys came in)."""
        problems = [(f"output.{key}", problem) for key, problem in
                    (("frame", self._frame_problem()), ("size", self._size_problem()), ("fps", self._fps_problem()),
                     ("extend", self._extend_problem()), ("max_kbps", self._cap_problem()),
                     ("background", self._alpha_problem()), ("webm.codec", self._webm_problem()),
                     ("matte", self._matte_problem()))
                    if problem]
        problems += self._unused_keys()
        if problems:
            raise scene_limits(problems)
        return self

    def _extend_problem(self) -> str | None:
        """A key that would do nothing is an error, not silently ignored."""
        if "extend" in self.model_fields_set and self.min_duration == 0:
            return (f"{self.extend!r} does nothing without min_duration (a clip is extended only up to it); "
                    "set min_duration, or leave extend out")
        return None

    def _alpha_problem(self) -> str | None:
        if not self.transparent:
            return None
        if not set(self.formats) & set(ALPHA_FORMATS):
            return "transparent does nothing without webm, mov, webp or frames in formats; add one, or leave it out"
        return None

    def _matte_problem(self) -> str | None:
        if "matte" not in self.model_fields_set or self.transparent:
            return None
        return "matte does nothing without background: transparent; leave it out, or set background"

    def _webm_problem(self) -> str | None:
        if "webm" in self.formats and self.webm.codec == "av1" and self.transparent:
            return ("av1 (SVT-AV1) codes no alpha channel, and background is transparent; use codec vp9 for a "
                    "transparent WebM")
        return None

    def _cap_problem(self) -> str | None:
        if self.max_kbps is not None and self.crf is None:
            return ("a bit-rate cap needs a crf: the default constant quantiser codes every frame near-losslessly "
                    "whatever the rate; set crf too (18 looks clean)")
        return None

    def _unused_keys(self) -> list[tuple[str, str]]:
        """Keys the scene gives (not its preset) that none of its formats would use."""
        preset = PRESETS.get(self.preset, {}) if self.preset else {}
        given = self.model_fields_set - set(preset)
        formats = set(self.formats)
        problems = []
        for key in sorted(given):
            users = _USED_BY.get(key)
            if users and not users & formats:
                listed = " or ".join(sorted(users))
                problems.append((f"output.{key}", f"{key} does nothing without {listed} in formats; add "
                                 f"{'it' if len(users) == 1 else 'one'} to formats, or leave {key} out"))
        return problems

    def _frame_problem(self) -> str | None:
        if self.frame is None:
            return None
        width, height = frame = self.frame
        if not all(16 <= side <= 4096 for side in frame):
            return f"frame {list(frame)}: each side must be 16 to 4096 pixels"
        if any(FORMATS[f].even_sides for f in self.formats) and any(side % 2 for side in frame):
            return f"frame {list(frame)} has an odd side and H.264 (yuv420p) needs even sides"
        if self.preset:
            limits = LIMITS[self.preset]
            if width > limits.max_width or height > limits.max_height:
                return (f"frame {list(frame)} is larger than {self.preset} accepts "
                        f"({limits.max_width}x{limits.max_height} at most)")
            if not limits.min_aspect <= width / height <= limits.max_aspect:
                return (f"frame {list(frame)}: {self.preset} accepts aspect ratios "
                        f"{limits.min_aspect:.3g} to {limits.max_aspect:.3g} (width / height)")
        return None

    def _size_problem(self) -> str | None:
        size, frame = self.size, self.frame
        if frame is not None and size > min(frame):
            return f"size {size} does not fit in frame {list(frame)}; use at most {min(frame)}"
        if frame is None and any(FORMATS[f].even_sides for f in self.formats) and size % 2:
            return f"size {size} is odd and H.264 (yuv420p) needs an even frame size; use {size - 1} or {size + 1}"
        return None

    def _fps_problem(self) -> str | None:
        fps = self.fps
        if self.preset:
            limits = LIMITS[self.preset]
            if limits.fps_allowed and fps not in limits.fps_allowed:
                allowed = ", ".join(f"{f:g}" for f in limits.fps_allowed)
                return f"fps {fps:g}: {self.preset} recommends {allowed}; use one of those"
            if not limits.min_fps <= fps <= limits.max_fps:
                return f"fps {fps:g}: {self.preset} accepts {limits.min_fps:g} to {limits.max_fps:g} fps"
        if "gif" in self.formats and fps > 50 and self.gif.fps is None:
            return (f"fps {fps:g} is above 50, and browsers play GIF frame delays under 2/100 s at 1/10 s; "
                    f"set gif.fps to 50 or less, or leave gif out of formats")
        return None

    @property
    def pacing(self) -> Pacing:
        """The films' pacing: loop, holds, and the extension to min_duration."""
        return Pacing(self.loop, self.hold_start, self.hold_end, self.min_duration, self.extend)

    @property
    def transparent(self) -> bool:
        """Whether the padding and the frame are see-through (in the formats with alpha)."""
        return self.background == "transparent"

    @property
    def background_gray(self) -> float:
        """The gray drawn around the face (under an alpha of 0, when transparent)."""
        return 0.0 if self.background == "transparent" else float(self.background)

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
