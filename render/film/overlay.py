"""The overlay: a discreet readout of the chosen emotion's probability, drawn in a band below the face.

The band is reserved by the canvas (:attr:`render.film.compose.Canvas.band`), so the face is never
covered: the overlay only ever draws inside it. Text is Pillow's scalable default font (an open
TrueType font bundled with Pillow), anti-aliased.

- ``bar``: one bar, filled to the probability;
- ``label``: ``happy 0.31 -> 0.87``, from the first frame's probability to this frame's;
- ``all``: seven small bars, one per class, the chosen one brighter.
"""

from __future__ import annotations

import numpy as np

from render.scene import EMOTIONS

__all__ = ["Overlay", "band_height"]


def band_height(side: int) -> int:
    """Rows of the band under a face square of ``side`` pixels: an eighth of it, even, at least 24."""
    return max(24, (side // 8 + 1) // 2 * 2)


class Overlay:
    """Draws the readout ``style`` for ``emotion`` into the bottom ``band`` rows of frames."""

    def __init__(self, style: str, emotion: str, band: int, first: np.ndarray) -> None:
        from PIL import ImageFont

        self.style = style
        self.emotion = emotion
        self.band = band
        self.first = first  #: the first frame's 7 probabilities
        self.font = ImageFont.load_default(size=max(10, int(band * 0.42)))

    def __call__(self, frame: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        from PIL import Image, ImageDraw

        height, width = frame.shape
        strip = Image.fromarray(frame[height - self.band :], mode="L")
        draw = ImageDraw.Draw(strip)
        chosen = EMOTIONS.index(self.emotion)
        p = float(probabilities[chosen])
        margin, middle = self.band // 4, self.band // 2
        if self.style in ("label", "all"):
            text = f"{self.emotion} {self.first[chosen]:.2f} -> {p:.2f}"
            draw.text((margin, middle), text, fill=215, font=self.font, anchor="lm")
        if self.style == "bar":
            draw.text((margin, middle), self.emotion, fill=215, font=self.font, anchor="lm")
            start = margin * 2 + int(self.font.getlength(self.emotion))
            self._bar(draw, start, width - margin, middle, p)
        if self.style == "all":
            start = width // 2
            slot = (width - margin - start) / len(EMOTIONS)
            for i, value in enumerate(probabilities):
                x0 = start + i * slot
                top = middle - self.band * 0.3 + (1 - float(value)) * self.band * 0.6
                draw.rectangle([x0 + 1, top, x0 + slot - 2, middle + self.band * 0.3], fill=235 if i == chosen else 110)
        out = frame.copy()
        out[height - self.band :] = np.asarray(strip)
        return out

    def _bar(self, draw, left: int, right: int, middle: int, value: float) -> None:
        half = max(3, self.band // 5)
        draw.rectangle([left, middle - half, right, middle + half], outline=140)
        filled = left + (right - left) * value
        if filled > left + 1:
            draw.rectangle([left + 1, middle - half + 1, filled - 1, middle + half - 1], fill=225)
