"""MOV: Apple ProRes 4444 (FFmpeg's prores_ks), the intermediate that editing software takes, with a
16-bit alpha channel when the background is transparent and 24-bit PCM sound when there is a track.
Every frame is coded whole (no keyframe pulse); the files are large, as intermediates are."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from render.encode.audio import audio_output
from render.encode.ffmpeg import FfmpegSink
from render.scene import OutputSpec

__all__ = ["MovSink", "mov_output", "open_sink"]


def mov_output(alpha: bool = False, sound: bool = False) -> list[str]:
    """ffmpeg's output arguments for a ProRes 4444 MOV."""
    alpha_args = ["-pix_fmt", "yuva444p10le", "-alpha_bits", "16"] if alpha else ["-pix_fmt", "yuv444p10le"]
    return ["-c:v", "prores_ks", "-profile:v", "4444", *alpha_args, "-vendor", "apl0", "-threads", "2",
            *(audio_output("mov") if sound else ["-an"]),
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-f", "mov"]


class MovSink(FfmpegSink):
    """Streams gray frames of ``size`` (w, h), and their alpha when given, into a ProRes 4444 MOV."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, alpha: np.ndarray | None = None,
                 track: Path | None = None, colour: bool = False) -> None:
        self.facts = {"codec": "prores", "profile": "4444", "alpha": alpha is not None,
                      "pixel_format": "yuva444p10le" if alpha is not None else "yuv444p10le"}
        super().__init__(path, size, fps, mov_output(alpha is not None, track is not None), alpha, track, colour)


def open_sink(path: Path, size: tuple[int, int], fps: float, output: OutputSpec, alpha: np.ndarray | None,
              track: Path | None, colour: bool = False) -> MovSink:
    """The ProRes 4444 MOV of a film of ``size`` at ``fps``, as the scene's ``output`` section asks (the
    format registry's entry point: :mod:`render.ground.formats`)."""
    return MovSink(path, size, fps, alpha, track, colour)
