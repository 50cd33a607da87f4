"""The ``serve`` section: the live kiosk's visitors, what is kept of them and for how long."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator

from render.ground.units import parse_age
from render.scene.base import StrictFloat, StrictInt, _Spec

__all__ = ["ServeSpec"]


class ServeSpec(_Spec):
    """The live kiosk (``render serve``): what is kept of each visitor and for how long, the upload's
    limits, and when the kiosk rests."""

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

    @property
    def retention_s(self) -> Optional[float]:
        """The retention in seconds (None: kept until purged)."""
        return parse_age(self.retention) if self.retention is not None else None
