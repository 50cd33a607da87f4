"""MP4: H.264 High profile in yuv420p, closed GOPs, the index up front (``+faststart``), so browsers
play it as it loads and upload platforms accept it as it is; tagged BT.709, limited range, so
players convert its grays as they were meant.

By default the film is coded with a constant quantiser of 1: near-lossless, chosen by measurement
(``bench/video_fidelity.py``; the sweep is in the issue's closing note). A morph's frames differ by
a third of a gray level per pixel on average, mostly rounding; a lossy keyframe replaces that
pattern with its own, so at the usual rate factors (CRF 18) every keyframe jumps (2.3 times the
frames' step on a clip, 5 times on a grid, followed by a stall where P-frames skip the slow change).
No GOP length, B-frame, mbtree, deadzone, trellis, psy or AQ setting removes it at CRF sizes;
QP 1 keeps every step within 1.25 times the frames' and every frame above 54 dB, for about 4.5 Mbit/s
at 512 px. A scene that gives a ``crf`` (the presets do, with their platforms' bit-rate caps) trades
that for small files.

Encoding is pinned (thread count, bit-exact flags, no metadata) so the same frames give the same
bytes. The colour tags go in through x264's own parameters: ffmpeg's ``-colorspace``/``-color_range``
options made this build convert the grays (128 read back as 125).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from render.encode.audio import audio_kbps, audio_output
from render.encode.ffmpeg import FfmpegSink, concat
from render.scene import OutputSpec

__all__ = ["Mp4Sink", "H264", "mp4_output", "open_sink", "join", "FAITHFUL_QP"]

FAITHFUL_QP = 1  #: the constant quantiser of a scene that gives no crf
BT709 = "colorprim=bt709:transfer=bt709:colormatrix=bt709:range=tv"  #: the colour tags, written by x264


@dataclass(frozen=True)
class H264:
    """The encoder settings a scene controls."""

    crf: int | None = None  #: a constant rate factor; None: the faithful constant quantiser (QP 1)
    max_kbps: int | None = None  #: a VBV cap on the bit rate (with a crf)
    gop: int = 25  #: frames between keyframes; every GOP is closed


#: The container's arguments, the same for a film coded whole and for one joined from parts.
CONTAINER = ["-movflags", "+faststart", "-map_metadata", "-1", "-fflags", "+bitexact"]


def mp4_output(h264: H264, sound: bool = False, audio_kbps: int | None = None) -> list[str]:
    """ffmpeg's output arguments for an MP4 with these settings, and an AAC soundtrack (ffmpeg's
    second input) when ``sound``."""
    cap = ["-maxrate", f"{h264.max_kbps}k", "-bufsize", f"{2 * h264.max_kbps}k"] if h264.max_kbps else []
    rate = ["-qp", str(FAITHFUL_QP)] if h264.crf is None else ["-crf", str(h264.crf), *cap]
    return [
        "-c:v", "libx264",
        "-profile:v", "high",
        "-pix_fmt", "yuv420p",
        *rate,
        "-preset", "medium",
        "-g", str(h264.gop), "-keyint_min", str(h264.gop), "-sc_threshold", "0", "-bf", "2",
        "-x264-params", f"open-gop=0:{BT709}",
        "-threads", "2",
        *CONTAINER,
        "-flags:v", "+bitexact",
        *(audio_output("mp4", audio_kbps) if sound else ["-an"]),
        "-f", "mp4",
    ]  # fmt: skip


class Mp4Sink(FfmpegSink):
    """Streams gray frames of ``size`` (w, h) to ffmpeg's libx264, into an MP4."""

    facts = {"codec": "h264", "profile": "High", "pixel_format": "yuv420p", "alpha": False}

    def __init__(self, path: Path, size: tuple[int, int], fps: float, h264: H264 = H264(),
                 track: Path | None = None, audio_kbps: int | None = None, colour: bool = False) -> None:
        super().__init__(path, size, fps, mp4_output(h264, track is not None, audio_kbps), track=track, colour=colour,
                         planar=True)


def open_sink(path: Path, size: tuple[int, int], fps: float, output: OutputSpec, alpha: np.ndarray | None,
              track: Path | None, colour: bool = False) -> Mp4Sink:
    """The MP4 of a film of ``size`` at ``fps``, as the scene's ``output`` section asks (the
    format registry's entry point: :mod:`render.ground.formats`)."""
    h264 = H264(output.crf, output.max_kbps, max(1, round(fps * output.gop_seconds)))
    return Mp4Sink(path, size, fps, h264, track, audio_kbps("mp4", output.preset), colour)


def join(parts: list[Path], path: Path, output: OutputSpec, track: Path | None) -> None:
    """The MP4 of a long film coded in parts (each a run of closed GOPs, without sound): the parts'
    video as it is, one after another, and the film's soundtrack (the format registry's joiner)."""
    sound = audio_output("mp4", audio_kbps("mp4", output.preset)) if track is not None else ["-an"]
    concat(parts, path, ["-c:v", "copy", *sound, *CONTAINER, "-f", "mp4"], track)
