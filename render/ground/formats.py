"""The output formats' registry: one record per format, the one place its facts are written.

The scene's schema takes its list of formats from here (and says what keys each uses), the film
stage opens each video's sink through its record, publishing sorts files by their kind, the kiosk
and stores label them with their media type. Adding a format is its module in ``render/encode/``
with an ``open_sink`` (see :mod:`render.encode.mp4`) and one record below.

The order is the order films are written and listed in a sidecar: the videos first (the MP4 is the
one the sidecar sits beside), then the animated WebP and the GIF.
"""

from __future__ import annotations

import mimetypes
import posixpath
from dataclasses import dataclass
from typing import Any, Literal, Optional

from render.ground.registry import Plugin

__all__ = ["OutputFormat", "FORMATS", "film_formats", "formats_with", "link_order", "media_type", "MEDIA_TYPES"]

#: How a format is fed: ``timeline`` sinks take every video frame at the film's size and rate; the
#: ``gif`` at its own size and rate; ``frames`` each frame once; ``extra`` is written apart (stills,
#: the viewer page, the readout).
Role = Literal["timeline", "gif", "frames", "extra"]


@dataclass(frozen=True)
class OutputFormat:
    """What the tool knows of one output format."""

    name: str  #: as a scene lists it in ``output.formats``
    says: str  #: what it writes, for the schema's description
    role: Role
    suffix: Optional[str] = None  #: the clip's one file, ``<clip><suffix>`` (None: several files)
    media_type: Optional[str] = None
    played: bool = False  #: a film played in time: follows the loop, the holds and the minimum duration
    paced: bool = False  #: follows the loop and the holds (every played format; the viewer's idle play too)
    opens: Optional[int] = None  #: the rank a link to a clip's film opens it at, lowest first (None: never)
    video: bool = False  #: a video: a sidecar beside it, and the soundtrack when the scene has one
    alpha: bool = False  #: carries ``background: transparent``
    audio: Optional[tuple[str, Optional[int]]] = None  #: ffmpeg's audio codec and kbit/s (None: PCM)
    publish_kind: Optional[str] = None  #: what ``publish.files`` calls its files
    keys: tuple[str, ...] = ()  #: ``output`` keys that only this format uses
    even_sides: bool = False  #: its pixel format (yuv420p) needs even frame sides
    sink: Optional[Plugin] = None  #: ``open_sink(path, size, fps, output, alpha, track, colour=False)`` of a timeline format
    #: ``join(parts, path, output, track)``: a long film's parts joined without coding them again (a
    #: film is cut into parts only when each of its formats joins; the GIF's and the frames' are built in)
    joins: Optional[Plugin] = None

    def __post_init__(self) -> None:
        if self.played:
            object.__setattr__(self, "paced", True)

    @property
    def joinable(self) -> bool:
        """Whether a long film's parts in this format are joined without coding them again."""
        return self.joins is not None or self.role in ("gif", "frames")

    def open_sink(self, *args: Any, **kwargs: Any) -> Any:
        """The format's sink, its encoder's module imported now."""
        assert self.sink is not None, f"{self.name} is not written by a sink of its own"
        return self.sink.load()(*args, **kwargs)


FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("mp4", "H.264 video", "timeline", ".mp4", "video/mp4", played=True, video=True, opens=0,
                 audio=("aac", 192), publish_kind="video", keys=("crf", "max_kbps", "gop_seconds"), even_sides=True,
                 sink=Plugin("render.encode.mp4:open_sink"), joins=Plugin("render.encode.mp4:join")),
    OutputFormat("webm", "VP9 or AV1 video, with alpha (VP9)", "timeline", ".webm", "video/webm", played=True,
                 video=True, opens=1, alpha=True, audio=("libopus", 128), publish_kind="video", keys=("webm",),
                 sink=Plugin("render.encode.webm:open_sink"), joins=Plugin("render.encode.webm:join")),
    OutputFormat("mov", "ProRes 4444 video, with alpha, for editing", "timeline", ".mov", "video/quicktime",
                 played=True, video=True, opens=5, alpha=True, audio=("pcm_s24le", None), publish_kind="mov",
                 sink=Plugin("render.encode.mov:open_sink")),
    OutputFormat("webp", "animated WebP, with alpha", "timeline", ".webp", "image/webp", played=True, alpha=True, opens=2,
                 publish_kind="webp", keys=("webp",), sink=Plugin("render.encode.webp:open_sink")),
    OutputFormat("gif", "animated GIF", "gif", ".gif", "image/gif", played=True, opens=3, publish_kind="gif", keys=("gif",)),
    OutputFormat("frames", "PNG frames, each level once", "frames", alpha=True, publish_kind="frames",
                 keys=("frames_at",)),
    OutputFormat("stills", "PNG stills: the mean face, the components, each clip's ends", "extra",
                 publish_kind="stills"),
    OutputFormat("html", "the interactive viewer", "extra", ".html", "text/html", paced=True, opens=4,
                 publish_kind="viewer"),
    OutputFormat("readout", "what the emotion model reads in every frame: CSV, JSON and a chart", "extra",
                 publish_kind="readout"),
)}  # fmt: skip

#: Media types of every file a render writes, by suffix: the formats' own and the files beside them.
MEDIA_TYPES: dict[str, str] = {
    **{f.suffix: f.media_type for f in FORMATS.values() if f.suffix and f.media_type},
    ".png": "image/png", ".json": "application/json", ".csv": "text/csv", ".svg": "image/svg+xml",
}  # fmt: skip


def formats_with(**facts: Any) -> tuple[str, ...]:
    """The names of the formats whose records have these facts, in the registry's order:
    ``formats_with(alpha=True)``, ``formats_with(role="timeline")``."""
    return tuple(f.name for f in FORMATS.values() if all(getattr(f, k) == v for k, v in facts.items()))


def film_formats(chosen: tuple[str, ...] | list[str]) -> list[OutputFormat]:
    """The records of ``chosen``, in the registry's order (the order films are written in)."""
    return [f for f in FORMATS.values() if f.name in chosen]


def link_order(chosen: tuple[str, ...] | list[str]) -> list[OutputFormat]:
    """Of ``chosen``, the formats a link to a clip's film may open, the one to open first first: the
    videos every browser plays, the animations, the viewer, the MOV last."""
    return sorted((f for f in film_formats(chosen) if f.opens is not None), key=lambda f: f.opens)


def media_type(name: str) -> str:
    """The media type of a file called ``name`` (a path or a store's key). Python's ``mimetypes`` reads
    the system's tables, which may lack the newer kinds (``.webp`` is not in Python 3.11's own list):
    a browser given ``application/octet-stream`` downloads a film instead of playing it."""
    suffix = posixpath.splitext(name)[1].lower()
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
