"""The ``serve`` section: the live kiosk's visitors, what is kept of them and for how long."""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal, Mapping, Optional

from pydantic import Field, field_validator

from render.ground.units import parse_age
from render.scene.base import StrictFloat, StrictInt, _Spec

__all__ = ["ServeSpec", "PAGE_TEXTS"]

#: Unicode's bidirectional embeddings and overrides (U+202A-202E): a text that turns itself around is refused
#: like a control character. The marks and isolates right-to-left languages need (U+200E, U+200F, U+2066-2069) are not.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e")

#: Every word the kiosk's pages say, in English; a scene's ``serve.texts`` replaces any of them (a
#: curator's own wording, or a translation). ``{seconds}`` in ``resting`` is filled in by the page.
PAGE_TEXTS: Mapping[str, str] = MappingProxyType({
    "begin": "Touch the screen, or press space, to begin",
    "look": "Look at the camera",
    "moment": "A moment\u2026",
    "question": "Take your film home?",
    "keep_film": "Keep my film",
    "keep_nothing": "Keep nothing",
    "nothing_kept": "Nothing of you was kept.",
    "making": "Your film is being made\u2026",
    "scan": "Scan to take your film home",
    "local_only": "This code works only on this computer: the kiosk has no address phones can reach.",
    "film_failed": "Your film could not be made. Nothing of you was kept.",
    "again": "Touch the screen to start again",
    "no_camera": "No camera found. Looking again\u2026",
    "camera_refused": "The camera is not allowed for this page. Looking again\u2026",
    "no_face": "No face found: step closer and face the camera",
    "resting": "The kiosk is resting. It will be back soon.",
    "unreachable": "The studio did not answer. Please try again.",
    "readout": "press i to show or hide the readout",
    "download": "Download",
    "delete": "Delete my film",
    "confirm_delete": "Delete your film for good?",
    "deleted": "Your film is deleted. Nothing of you is kept.",
    "gone": "This film is not here (deleted, or no longer kept).",
    "wall_empty": "Step up to the kiosk: your face, drawn into the face we call happy.",
})


class ServeSpec(_Spec):
    """The live kiosk (``render serve``): what is kept of each visitor and for how long, the upload's
    limits, and when the kiosk rests."""

    keep: Literal["none", "crops", "photos"] = Field(
        "crops",
        description="What is written of a visitor beyond their film: 'none', 'crops' (the framed 64x64 face, "
        "beside the film) or 'photos' (the crop and the original photo, without where it was taken: its GPS, "
        "XMP and IPTC blocks removed). A visitor's photo is personal data: with 'none' or 'crops' it is never "
        "written to disk.",
    )
    max_upload_mb: StrictFloat = Field(
        15.0, gt=0.0, le=200.0, description="Largest photo upload accepted, in megabytes (above: HTTP 413)."
    )
    public_url: Optional[str] = Field(
        None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$", max_length=200,
        description="The address visitors' phones reach the kiosk at (e.g. http://kiosk.local:8000), for the "
        "QR codes, up to 200 characters; default: this machine's address on its network when the kiosk "
        "listens on every address (--host 0.0.0.0), else a code that works only on this machine.",
    )
    notice: Optional[str] = Field(
        None, max_length=400,
        description="What visitors are told is kept of them and for how long, always on screen in small type "
        "(up to 400 characters). Default: written from keep and retention.",
    )
    texts: dict[str, str] = Field(
        default_factory=dict,
        description="The kiosk's words in the curator's own (or in another language): any of "
        + ", ".join(PAGE_TEXTS) + ". Each up to 300 characters; the rest stay in English.",
    )
    visitor_seconds: StrictFloat = Field(
        120.0, ge=5.0, le=3600.0,
        description="Seconds a visitor's morph stays on the kiosk screen, untouched, before it is ready for "
        "the next visitor.",
    )
    retention: Optional[str] = Field(
        None,
        description="How long a visitor's film (and all kept of them) is kept: a duration such as 90d, 12h or "
        "30m (also s and w); older visitors are removed at start and every hour. Default: kept until purged "
        "(render visitors purge).",
    )
    min_free_mb: StrictFloat = Field(
        500.0, ge=0.0, le=10_000_000.0,
        description="Free disk space, in MB, below which the kiosk rests: new visitors get 503 until space "
        "returns, so that no film is promised that cannot be written.",
    )
    max_pending: StrictInt = Field(
        100, ge=1, le=100_000,
        description="Visitors' films waiting to be rendered, at most; past it the kiosk rests (503) until the "
        "queue drains.",
    )

    @field_validator("retention")
    @classmethod
    def _a_duration(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        try:
            seconds = parse_age(value)
        except ValueError:
            seconds = 0.0
        if not seconds > 0:
            raise ValueError(f"{value!r} is not a duration: write e.g. 90d, 12h or 30m (a positive number and "
                             "s, m, h, d or w)")
        return value

    @field_validator("public_url")
    @classmethod
    def _reachable(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an address ({exc}); write e.g. http://kiosk.local:8000") from None
        if not parts.hostname or any(c in value for c in "\"'<>`{}|\\^") or port == 0:
            raise ValueError(f"{value!r} is not an address a phone can open; write e.g. http://kiosk.local:8000")
        if parts.query or parts.fragment or "?" in value or "#" in value or parts.username or parts.password:
            raise ValueError(f"{value!r}: the films' addresses are built on it, so it holds no query, fragment or "
                             "user:password; write e.g. http://kiosk.local:8000 or https://example.org/kiosk")
        return value

    @field_validator("notice")
    @classmethod
    def _one_paragraph(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and (not value.strip() or any(ord(c) < 32 or ord(c) == 127 or c in _BIDI for c in value)):
            raise ValueError("notice must be words on one line, with no control characters")
        return value

    @field_validator("texts")
    @classmethod
    def _known_texts(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if key not in PAGE_TEXTS:
                raise ValueError(f"{key!r} is not one of the kiosk's texts; use {', '.join(PAGE_TEXTS)}")
            if not isinstance(text, str) or not text.strip() or len(text) > 300:
                raise ValueError(f"texts.{key} must be words, 1 to 300 characters")
            if any(ord(c) < 32 or ord(c) == 127 or c in _BIDI for c in text):
                raise ValueError(f"texts.{key} holds a control character (a line break?); write it on one line")
        return value

    @property
    def words(self) -> dict[str, str]:
        """Every text of the kiosk's pages: the scene's own, else English."""
        return {**PAGE_TEXTS, **self.texts}

    @property
    def told(self) -> str:
        """What visitors are told is kept (``notice``, else written from ``keep`` and ``retention``)."""
        if self.notice:
            return self.notice
        photo = {"none": "Your photo is never stored",
                 "crops": "Your photo is never stored; a small crop of your face is kept with your film",
                 "photos": "Your photo is kept with your film"}[self.keep]
        kept = f"for {_spoken(self.retention)}" if self.retention else "until the end of the exhibition"
        return (f"{photo}. If you choose to keep your film, it is kept {kept}; you can delete it from your "
                "phone at any time. If you keep nothing, nothing of you is written anywhere.")

    @property
    def retention_s(self) -> Optional[float]:
        """The retention in seconds (None: kept until purged)."""
        return parse_age(self.retention) if self.retention is not None else None


def _spoken(duration: str) -> str:
    """``90d`` as ``90 days``."""
    units = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}
    number, unit = duration[:-1].strip(), units.get(duration[-1:].lower(), "")
    if not unit:
        return duration
    return f"{number} {unit}{'' if number in ('1', '1.0') else 's'}"
