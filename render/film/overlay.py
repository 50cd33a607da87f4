"""The overlay: a discreet readout of the chosen emotion's probability, drawn in a band right under the face.

The band is reserved by the canvas (:attr:`render.film.compose.Canvas.band_box`: under the face, as
wide as it, inside the platform's safe zone), so the face is never covered: the overlay only ever
draws inside it. Text is Pillow's scalable default font (an open TrueType font bundled with Pillow),
anti-aliased.

- ``bar``: the emotion's name and one bar, filled to the probability;
- ``label``: ``happy 0.31 → 0.87``, from the first frame's probability to this frame's;
- ``all``: the label, and seven small bars, one per class, each named under it, the chosen one brighter.
"""

from __future__ import annotations

import numpy as np

from render.scene import EMOTIONS

__all__ = ["Overlay", "band_height"]


def band_height(side: int) -> int:
    """Rows of the band under a face square of ``side`` pixels: an eighth of it, even, at least 24."""
    return max(24, (side // 8 + 1) // 2 * 2)


class Overlay:
    """Draws the readout ``style`` for ``emotion`` into the ``box`` (left, top, right, bottom) of frames."""

    def __init__(self, style: str, emotion: str, box: tuple[int, int, int, int], first: np.ndarray) -> None:
        from PIL import ImageFont

        self.style = style
        self.emotion = emotion
        self.box = box
        self.band = box[3] - box[1]
        self.first = first  #: the first frame's 7 probabilities
        self.font = ImageFont.load_default(size=max(10, int(self.band * 0.42)))
        self.small = ImageFont.load_default(size=max(8, int(self.band * 0.2)))

    def __call__(self, frame: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        from PIL import Image, ImageDraw

        left, top, right, bottom = self.box
        band = frame[top:bottom, left:right]
        # The band is the background's gray: drawn in gray, laid on every channel of a colour frame.
        strip = Image.fromarray(np.ascontiguousarray(band[..., 0] if band.ndim == 3 else band), mode="L")
        draw = ImageDraw.Draw(strip)
        width = right - left
        chosen = EMOTIONS.index(self.emotion)
        p = float(probabilities[chosen])
        margin, middle = self.band // 4, self.band // 2
        if self.style in ("label", "all"):
            self._label(draw, margin, middle, f"{self.emotion} {self.first[chosen]:.2f}", f"{p:.2f}")
        if self.style == "bar":
            draw.text((margin, middle), self.emotion, fill=215, font=self.font, anchor="lm")
            start = margin * 2 + int(self.font.getlength(self.emotion))
            self._bar(draw, start, width - margin, middle, p)
        if self.style == "all":
            start = margin * 2 + self._label(None, margin, middle, f"{self.emotion} 0.00", "0.00") - margin
            slot = (width - margin - start) / len(EMOTIONS)
            names = int(self.band * 0.26)  # rows under the bars for their names
            low, high = self.band * 0.12, self.band - names - self.band * 0.08
            for i, value in enumerate(probabilities if slot >= 4 else ()):  # the scene checks they fit
                x0 = start + i * slot
                bar_top = high - float(value) * (high - low)
                draw.rectangle([x0 + 1, low, x0 + slot - 2, high], outline=100)
                draw.rectangle([x0 + 1, bar_top, x0 + slot - 2, high], fill=235 if i == chosen else 110)
                draw.text((x0 + slot / 2, self.band - names / 2 - 1), EMOTIONS[i][:3], fill=235 if i == chosen else 150,
                          font=self.small, anchor="mm")
        out = frame.copy()
        drawn = np.asarray(strip)
        out[top:bottom, left:right] = drawn[..., None] if frame.ndim == 3 else drawn
        return out

    def _label(self, draw, x: int, middle: int, before: str, after: str) -> int:
        """``before → after`` from x (the arrow drawn, as the bundled font has none); returns where it ends.
        With ``draw`` None, only measures."""
        space = self.font.getlength(" ")
        arrow = self.font.size * 0.9
        end_before = x + self.font.getlength(before) + space
        end_arrow = end_before + arrow
        if draw is not None:
            draw.text((x, middle), before, fill=215, font=self.font, anchor="lm")
            head, thick = arrow * 0.35, max(1, round(self.font.size / 12))
            draw.line([end_before, middle, end_arrow - 1, middle], fill=215, width=thick)
            draw.polygon([(end_arrow, middle), (end_arrow - head, middle - head * 0.7),
                          (end_arrow - head, middle + head * 0.7)], fill=215)
            draw.text((end_arrow + space, middle), after, fill=215, font=self.font, anchor="lm")
        return int(end_arrow + space + self.font.getlength(after))

    def _bar(self, draw, left: int, right: int, middle: int, value: float) -> None:
        half = max(3, self.band // 5)
        draw.rectangle([left, middle - half, right, middle + half], outline=140)
        filled = left + (right - left) * value
        if filled > left + 1:
            draw.rectangle([left + 1, middle - half + 1, filled - 1, middle + half - 1], fill=225)
