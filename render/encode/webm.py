"""WebM: VP9 (libvpx; every browser plays it, and it carries an alpha channel) or AV1 (SVT-AV1;
smaller at a given quality, no alpha), with an Opus soundtrack when the scene has one.

Like the MP4, a scene that gives no ``crf`` gets a faithful film: VP9 and AV1 both code it
losslessly (the Y plane exact; ``bench/formats.py`` measures the sizes), so a slow dissolve never
pulses at keyframes. With a ``crf`` the film is sized by quality (``-b:v 0``: constant quality).
Keyframes every 2 seconds let a page seek in it. Encoding is pinned (threads, bit-exact muxing, no
metadata) so the same frames give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from render.encode.audio import audio_output
from render.encode.ffmpeg import FfmpegSink, concat
from render.scene import OutputSpec

__all__ = ["WebmSink", "Webm", "webm_output", "open_sink", "join", "KEYFRAME_SECONDS"]

KEYFRAME_SECONDS = 2.0  #: seconds between keyframes


@dataclass(frozen=True)
class Webm:
    """The encoder settings a scene controls."""

    codec: str = "vp9"  #: vp9 or av1
    crf: int | None = None  #: constant quality; None: lossless


def webm_output(webm: Webm, fps: float, alpha: bool = False, sound: bool = False) -> list[str]:
    """ffmpeg's output arguments for a WebM with these settings (alpha: VP9 only)."""
    gop = str(max(1, round(fps * KEYFRAME_SECONDS)))
    if webm.codec == "vp9":
        quality = ["-lossless", "1"] if webm.crf is None else ["-crf", str(webm.crf), "-b:v", "0"]
        video = ["-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p" if alpha else "yuv420p", *quality,
                 "-deadline", "good", "-cpu-used", "4", "-row-mt", "1", "-threads", "2", "-g", gop]
    else:
        # lp: SVT-AV1's parallelism, pinned like the other encoders' threads (the same bytes on any machine)
        quality = ["-svtav1-params", "lossless=1:lp=2"] if webm.crf is None else ["-crf", str(webm.crf),
                                                                                 "-svtav1-params", "lp=2"]
        video = ["-c:v", "libsvtav1", "-pix_fmt", "yuv420p", *quality, "-preset", "8", "-g", gop]
    return [*video, *(audio_output("webm") if sound else ["-an"]),
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-f", "webm"]


class WebmSink(FfmpegSink):
    """Streams gray frames of ``size`` (w, h), and their alpha when given, into a WebM."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, webm: Webm | None = None,
                 alpha: np.ndarray | None = None, track: Path | None = None, colour: bool = False) -> None:
        webm = webm or Webm()
        self.facts = {"codec": webm.codec, "pixel_format": "yuva420p" if alpha is not None else "yuv420p",
                      "lossless": webm.crf is None, "alpha": alpha is not None}
        super().__init__(path, size, fps, webm_output(webm, fps, alpha is not None, track is not None), alpha, track,
                         colour)


def open_sink(path: Path, size: tuple[int, int], fps: float, output: OutputSpec, alpha: np.ndarray | None,
              track: Path | None, colour: bool = False) -> WebmSink:
    """The WebM of a film of ``size`` at ``fps``, as the scene's ``output`` section asks (the
    format registry's entry point: :mod:`render.ground.formats`)."""
    return WebmSink(path, size, fps, Webm(output.webm.codec, output.webm.crf), alpha, track, colour)


def join(parts: list[Path], path: Path, output: OutputSpec, track: Path | None) -> None:
    """The WebM of a long film coded in parts (each from a keyframe, without sound): the parts' video as
    it is, one after another (a VP9 alpha channel with it: the concat demuxer keeps the first part's
    ``alpha_mode``), and the film's soundtrack (the format registry's joiner)."""
    concat(parts, path, ["-c:v", "copy", *(audio_output("webm") if track is not None else ["-an"]),
                         "-map_metadata", "-1", "-fflags", "+bitexact", "-f", "webm"], track)
