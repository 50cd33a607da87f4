"""GIF: an endlessly looping animation with frame timing true to the frame rate.

GIF delays are whole hundredths of a second, so each frame's delay is the step between rounded
cumulative times: at 30 fps the delays run 3, 4, 3, ... and the total stays exact. Gray frames fit
the 256-entry palette exactly. Pillow merges a frame identical to the one before into it, adding
their delays, so timing is kept while the file shrinks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from render.errors import EncodeError

__all__ = ["GifSink", "gif_delays"]


def gif_delays(count: int, fps: float) -> list[int]:
    """Per-frame delays in milliseconds (multiples of 10) for ``count`` frames at ``fps``."""
    ticks = np.rint(np.arange(count + 1) * 100.0 / fps).astype(int)
    return [int(d) * 10 for d in np.diff(ticks)]


class GifSink:
    """Collects a clip's frames, then writes them as one looping GIF."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = fps
        self.frames: list[np.ndarray] = []

    def write(self, frame: np.ndarray) -> None:
        self.frames.append(frame)

    def abort(self) -> None:
        self.frames.clear()

    def close(self) -> None:
        from PIL import Image

        images = [Image.fromarray(f, mode="L") for f in self.frames]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            images[0].save(
                self.path,
                format="GIF",
                save_all=True,
                append_images=images[1:],
                duration=gif_delays(len(images), self.fps),
                loop=0,
            )
        except OSError as exc:
            raise EncodeError(f"{self.path}: could not write GIF ({exc})") from None
