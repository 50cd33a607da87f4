"""Output presets for the platforms the films are uploaded to.

A preset fills the ``output`` keys a scene leaves out; any key the scene gives wins. Each preset's
numbers, and the published limits it is held to (``LIMITS``, checked by the tests on real files),
come from the platforms' own upload guidance:

- YouTube, "Recommended upload encoding settings" (support.google.com/youtube/answer/1722171):
  MP4 with the moov atom at the front, H.264 High profile, progressive, 2 consecutive B-frames,
  closed GOP of half the frame rate, CABAC, 4:2:0; 1080p at 24-30 fps: 8 Mbps; 16:9, 1920x1080.
- Instagram, Graph API content publishing, video and reels specifications
  (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media):
  MP4, moov atom at the front, H.264, progressive, closed GOP, 4:2:0, 23-60 fps, at most 1920
  columns, at most 25 Mbps; feed videos 3 to 60 s; reels 3 s to 15 min, 9:16 recommended.
- X, "Media best practices" (developer.x.com/en/docs/x-api/v1/media/upload-media/uploading-media/
  media-best-practices): 0.5 to 140 s, at most 512 MB, 32x32 to 1280x1024, aspect 1:3 to 3:1, at
  most 40 fps, no open GOP, progressive, 1:1 pixels, YUV 4:2:0 only; GIFs at most 1280x1080,
  350 frames and 15 MB.
- web: no platform; a small file that every browser plays as it loads.

Sound (``AUDIO_KBPS``, and the limits' ``audio_*``): YouTube recommends AAC-LC, stereo, 48 or 96 kHz,
384 kbit/s for stereo; Instagram's Graph API takes AAC, at most 48 kHz, mono or stereo, at most
128 kbit/s; X takes AAC-LC, mono or stereo. Every MP4 soundtrack is AAC-LC, 48 kHz, stereo.

Safe zones (``SAFE_ZONES``: where text may go without the platform's own interface covering it):

- Instagram Reels, Meta's Ads Guide, "Instagram Reels ads" (facebook.com/business/ads-guide/video/
  instagram-reels): keep the top 14%, the bottom 35% and 6% at each side free of text and logos
  (the profile, caption, audio and buttons are drawn there). The preset's face (978 px) fits the
  979 rows between them, so no caption or button covers the chin, and the readout's band is placed
  inside too.
- The others show their interface outside the video or only on demand (YouTube's controls, X's
  player), so the whole frame is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PRESETS", "LIMITS", "Limits", "SAFE_ZONES", "AUDIO_KBPS", "film_problem", "gif_problem", "safe_zone"]

PRESETS: dict[str, dict[str, Any]] = {
    "youtube": {"frame": [1920, 1080], "size": 1080, "fps": 25.0, "crf": 18, "max_kbps": 8000,
                "gop_seconds": 0.5},
    "instagram": {"frame": [1080, 1080], "size": 1080, "fps": 30.0, "crf": 20, "max_kbps": 8000,
                  "gop_seconds": 1.0, "min_duration": 3.0},
    "instagram-reels": {"frame": [1080, 1920], "size": 978, "fps": 30.0, "crf": 20, "max_kbps": 8000,
                        "gop_seconds": 1.0, "min_duration": 3.0},
    "x": {"frame": [720, 720], "size": 720, "fps": 30.0, "crf": 20, "max_kbps": 5000, "gop_seconds": 1.0,
          "min_duration": 0.5, "gif": {"size": 480}},
    "web": {"crf": 23, "max_kbps": 4000, "gop_seconds": 2.0},
}  # fmt: skip


#: the MP4 soundtrack's AAC bit rate, kbit/s, for each preset (192 without one)
AUDIO_KBPS: dict[str, int] = {"youtube": 384, "instagram": 128, "instagram-reels": 128, "x": 128, "web": 128}


@dataclass(frozen=True)
class Limits:
    """A platform's published limits for an uploaded video."""

    min_duration: float = 0.0
    max_duration: float = float("inf")
    min_fps: float = 0.0
    max_fps: float = float("inf")
    max_width: int = 1 << 16
    max_height: int = 1 << 16
    min_aspect: float = 0.0  #: width / height
    max_aspect: float = float("inf")
    max_kbps: float = float("inf")
    max_bytes: int = 1 << 62
    fps_allowed: tuple[float, ...] = ()
    gif_max_frames: int = 1 << 30
    gif_max_width: int = 1 << 16
    gif_max_height: int = 1 << 16
    gif_max_bytes: int = 1 << 62
    audio_max_kbps: int = 1 << 20
    audio_rates: tuple[int, ...] = (48_000,)
    audio_max_channels: int = 2


LIMITS: dict[str, Limits] = {
    "youtube": Limits(fps_allowed=(24, 25, 30, 48, 50, 60), audio_max_kbps=384, audio_rates=(48_000, 96_000)),
    "instagram": Limits(min_duration=3.0, max_duration=60.0, min_fps=23, max_fps=60, max_width=1920,
                        max_kbps=25_000, max_bytes=100 << 20, audio_max_kbps=128),
    "instagram-reels": Limits(min_duration=3.0, max_duration=900.0, min_fps=23, max_fps=60, max_width=1920,
                              max_kbps=25_000, max_bytes=300 << 20, audio_max_kbps=128),
    "x": Limits(min_duration=0.5, max_duration=140.0, max_fps=40, max_width=1280, max_height=1024,
                min_aspect=1 / 3, max_aspect=3.0, max_bytes=512 << 20,
                gif_max_frames=350, gif_max_width=1280, gif_max_height=1080, gif_max_bytes=15 << 20),
    "web": Limits(),
}  # fmt: skip


#: fractions of the frame kept free of text: (left, top, right, bottom)
SAFE_ZONES: dict[str, tuple[float, float, float, float]] = {
    "instagram-reels": (0.06, 0.14, 0.06, 0.35),
}


def safe_zone(preset: str | None, frame: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The (left, top, right, bottom) pixels of a ``frame`` (width, height) where text is safe on
    ``preset``'s platform; None where the whole frame is."""
    if preset not in SAFE_ZONES:
        return None
    (width, height), (left, top, right, bottom) = frame, SAFE_ZONES[preset]
    return round(left * width), round(top * height), width - round(right * width), height - round(bottom * height)


def film_problem(preset: str | None, frames: int, fps: float, size: tuple[int, int]) -> str | None:
    """What of a video about to be made (frames at fps, width x height) breaks its preset's limits."""
    if preset is None:
        return None
    limits, (width, height) = LIMITS[preset], size
    seconds = frames / fps
    if not limits.min_duration <= seconds <= limits.max_duration:
        return (f"{seconds:.1f} s long; {preset} takes {limits.min_duration:g} to {limits.max_duration:g} s: "
                "use fewer faces or levels, or another preset")
    if width > limits.max_width or height > limits.max_height:
        return f"{width}x{height}; {preset} takes at most {limits.max_width}x{limits.max_height}"
    if not limits.min_aspect <= width / height <= limits.max_aspect:
        return f"{width}x{height}; {preset} takes an aspect of {limits.min_aspect:.3g} to {limits.max_aspect:.3g}"
    return None


def gif_problem(preset: str | None, frames: int, size: tuple[int, int], size_bytes: int = 0) -> str | None:
    """What of a GIF (frames, width x height, and its bytes once written) breaks its preset's limits."""
    if preset is None:
        return None
    limits, (width, height) = LIMITS[preset], size
    if frames > limits.gif_max_frames:
        return f"{frames} frames; {preset} takes GIFs of at most {limits.gif_max_frames}: use fewer levels"
    if width > limits.gif_max_width or height > limits.gif_max_height:
        return f"{width}x{height}; {preset} takes GIFs of at most {limits.gif_max_width}x{limits.gif_max_height}"
    if size_bytes > limits.gif_max_bytes:
        return (f"{size_bytes / 1e6:.1f} MB; {preset} takes GIFs of at most {limits.gif_max_bytes / (1 << 20):g} MB: "
                "use fewer levels, a smaller gif.size or fewer gif.colors")
    return None
