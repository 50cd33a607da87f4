"""Portraits: a face found in a photo, levelled, and framed like the dataset's faces.

The face is found by the scene's detector (``photos.detector``, from the registry
:data:`render.ground.plugins.DETECTORS`): the landmarks detector (:mod:`render.faces.landmarks`,
BlazeFace, the default) or the original's Haar cascades (:mod:`render.faces.haar`). This module owns
what they share: the framing, measured by running the detectors on the Olivetti set (upscaled to
256 px; medians; ``tests/faces/test_portrait.py`` measures them again), the choice of the person,
the completion of a face cut by the photo's edge and the match of its tone to the dataset's.

- From a Haar box (:meth:`Portraits.crop`): the face box is 1.13 frames wide, centred at 0.40 of the
  frame's height (399 of 400 faces), so the frame is the box shrunk to :data:`FRAME_PER_BOX` and moved
  down by :data:`FRAME_DROP` box widths; the eyes' midpoint sits at (0.49, 0.26) of the frame
  (:data:`EYES_AT`; 370 faces with both eyes found), which places the frame more precisely than the
  box when the eyes are found, and along the face's own axes when the head is tilted.
- From landmarks (:meth:`Portraits.align`): the similarity transform (rotation, scale, shift; least
  squares) that takes the eyes and the nose tip to where they sit in the Olivetti faces
  (:data:`TEMPLATE`, medians over the 396 faces BlazeFace finds). A face more than half outside the
  photo is refused.

Forehead to chin, the face filling the square.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

from render.errors import InputError, shown
from render.ground.plugins import DETECTORS, FaceDetector
from render.faces.photo import read_photo

__all__ = ["NoFaceError", "Portrait", "Detail", "Portraits", "toned", "kept_detail", "chosen", "similarity", "can_hold_a_face", "FRAME_PER_BOX", "FRAME_DROP", "EYES_AT", "TEMPLATE", "portrait_version", "match_tone", "completed"]

FRAME_PER_BOX = 1 / 1.1328  #: frame side / detected box side, measured on Olivetti
FRAME_DROP = (0.5 - 0.3965) / 1.1328  #: frame centre below box centre, in box widths
EYES_AT = (0.491, 0.264)  #: the eyes' midpoint in the frame, as fractions of its side
#: The thinnest photo looked at for a face: its shorter side, and how many times longer the longer is.
MIN_SIDE, MAX_ASPECT = 48, 6.0
MAX_TILT = 30.0  #: degrees; eyes found at a steeper angle are taken as a misdetection
#: Where BlazeFace's right eye, left eye and nose tip sit in an Olivetti frame, as
#: fractions of its side (medians over the Olivetti faces, upscaled to 256 px on a black margin).
#: The mouth (0.502, 0.774) is left out of the fit: it moves with the expression (a laugh drops it),
#: and the eyes and the nose do not.
TEMPLATE = np.array([(0.268, 0.260), (0.735, 0.265), (0.502, 0.570)])
MIN_INSIDE = 0.5  #: the least share of the framed face that must lie inside the photo


def portrait_version(detector: str) -> str:
    """What the framing of ``detector`` is, for cache keys."""
    return DETECTORS[detector].load().version


class NoFaceError(InputError):
    """A photo in which the face asked for is not found."""


class Portrait(NamedTuple):
    """A face framed from a photo: at the basis's size, and (when asked for) at the film's."""

    face: np.ndarray  #: (size, size) float32 in [0, 1]
    detail: np.ndarray | None = None  #: (side, side) float32: the same framing at :class:`Detail`'s side


@dataclass(frozen=True)
class Detail:
    """A face's framing cut again from its photo at the film's resolution (``morph.detail: photo``):
    ``side`` pixels square, ``margin`` face widths beyond the face on each side (the film's padding over
    the face's size), so that its pixels fall on the film's own: pixel X of the square is where the film's
    scaling puts the padded face's ``(X + 0.5) * (size + 2 * padding) / side - 0.5``."""

    side: int
    margin: float


class Portraits:
    """Finds faces in gray photos and crops them, levelled and framed, at ``size`` pixels square.

    The smallest face looked for is the photo's shorter side divided by ``min_face_divisor``: a twelfth
    for photos of any kind; a kiosk, whose visitor stands before the camera, looks only for faces of at
    least a fifth, several times faster (the faces it finds are found and framed alike).
    """

    def __init__(self, size: int = 64, min_face_divisor: int = 12, detector: str = "haar",
                 fill: np.ndarray | None = None, detail: Detail | None = None, colour: bool = False) -> None:
        import cv2

        self.size = size
        self.colour = colour  #: photo files are read in colour, and their faces cut in colour
        self.fill = fill  #: (size, size) in [0, 1]: what a face cut by the photo's edge is completed with
        self.detail = detail  #: the film-sized framing also cut, when the scene asks for it
        self.min_face_divisor = min_face_divisor
        self._cv2 = cv2
        #: the face detector (the registry's ``photos.detector``), which frames with this object's help
        self.detector: FaceDetector = DETECTORS[detector].load()(self)

    def framed(self, photo: Path, person: int | str = "largest") -> np.ndarray:
        """A photo file's face, read, found, levelled and framed: see :meth:`frame`."""
        return self.portrait_of(photo, person).face

    def portrait_of(self, photo: Path, person: int | str = "largest") -> Portrait:
        """A photo file's face (in colour when this object was made for colour), and its detail when it
        was made with one: see :meth:`portrait`."""
        return self.portrait(read_photo(photo, colour=self.colour), shown(photo), person)

    def frame(self, pixels: np.ndarray, name: str, person: int | str = "largest") -> np.ndarray:
        """A gray photo's face, found, levelled and framed, (size, size) float32: see :meth:`portrait`."""
        return self.portrait(pixels, name, person).face

    def portrait(self, pixels: np.ndarray, name: str, person: int | str = "largest") -> Portrait:
        """A photo's face, found, levelled and framed, (size, size) float32 (gray; (size, size, 3) from
        an RGB photo, found in its luma): the ``largest``, or the ``person``-th from the left. ``name``
        stands for the photo in messages. With a :class:`Detail`, the same framing is cut again at its side.

        Raises
        ------
        NoFaceError
            When the photo has no face, or not that many.
        """
        if not can_hold_a_face(pixels.shape[:2]):
            height, width = pixels.shape[:2]
            raise InputError(f"{name}: {width}x{height} is too small or too thin to hold a face (at least "
                             f"{MIN_SIDE} pixels a side, at most {MAX_ASPECT:g} times as long as wide); "
                             f"use a photo of a face")
        framed = self.detector.frame(pixels, name, person)
        return framed if isinstance(framed, Portrait) else Portrait(framed)  # a detector that returns the face alone

    def align(self, photo: np.ndarray, points: np.ndarray, name: str = "the photo") -> Portrait:
        """The face whose right eye, left eye and nose tip are ``points`` (photo pixels), taken by
        the least-squares similarity transform onto :data:`TEMPLATE`, (size, size) float32."""
        cv2 = self._cv2
        scale, angle, shift = similarity(points, TEMPLATE)  # photo pixels -> frame fractions
        side = max(self.size, int(round(1 / scale)))  # the frame at the photo's own resolution, at least
        rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]) * scale * side
        matrix = np.hstack([rotation, (shift * side)[:, None]]).astype(np.float64)
        inside = cv2.warpAffine(np.ones(photo.shape[:2], np.float32), matrix, (side, side), flags=cv2.INTER_NEAREST,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        if inside.mean() < MIN_INSIDE:
            raise NoFaceError(f"{name}: the face is more than half outside the photo; use a photo with the whole "
                              "face in it")
        square = cv2.warpAffine(photo.astype(np.float32), matrix, (side, side), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
        face = cv2.resize(square, (self.size, self.size), interpolation=cv2.INTER_AREA)
        cut = inside.min() < 1 and self.fill is not None
        if cut:
            face = completed(face, cv2.resize(inside, (self.size, self.size), interpolation=cv2.INTER_AREA), self.fill)
        return Portrait(face, self._detailed(photo, matrix, side, cut))

    def crop(self, photo: np.ndarray, box: Any, eyes: Any) -> Portrait:
        """The face framed like the dataset's from a detected :class:`~render.faces.haar.Box`, levelled
        when its :class:`~render.faces.haar.Eyes` are known (the original's framing), (size, size) float32."""
        cv2 = self._cv2
        frame = box.side * FRAME_PER_BOX
        if eyes is None:
            tilt = 0.0
            cx, cy = box.centre
            cy += FRAME_DROP * box.side
        else:
            # From the eyes' midpoint to the frame's centre, along the face's own axes.
            tilt = eyes.tilt
            cos, sin = math.cos(math.radians(tilt)), math.sin(math.radians(tilt))
            dx, dy = (0.5 - EYES_AT[0]) * frame, (0.5 - EYES_AT[1]) * frame
            mx, my = eyes.midpoint
            cx, cy = mx + dx * cos - dy * sin, my + dx * sin + dy * cos
        # One affine map from the photo to a frame-sized square (rotation about the frame's centre),
        # then an area-averaging resize to the basis resolution (no aliasing from large photos).
        side = max(self.size, int(round(frame)))
        rotation = cv2.getRotationMatrix2D((cx, cy), tilt, side / frame)
        rotation[0, 2] += side / 2 - cx
        rotation[1, 2] += side / 2 - cy
        square = cv2.warpAffine(photo.astype(np.float32), rotation, (side, side), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
        face = cv2.resize(square, (self.size, self.size), interpolation=cv2.INTER_AREA)
        return Portrait(face, self._detailed(photo, rotation, side, False))

    def _detailed(self, photo: np.ndarray, matrix: np.ndarray, side: int, cut: bool) -> np.ndarray | None:
        """The framing ``matrix`` (photo pixels to a ``side``-pixel square of the face) cut again as
        :attr:`detail` asks, (detail side, detail side) float32; completed like the face where ``cut``.

        Square pixel q and detail pixel X meet where ``q = k X + c``; the photo is read at a whole
        multiple of the detail's side at least as fine as the photo, then box-averaged down (no
        aliasing from a large photo)."""
        if self.detail is None:
            return None
        cv2 = self._cv2
        out, margin = self.detail.side, self.detail.margin
        k = (1 + 2 * margin) * side / out
        c = 0.5 * k - margin * side - 0.5
        fine = int(min(max(1, math.ceil(k)), max(1, 4096 // out)))
        # Y = fine * (q - c) / k + (fine - 1) / 2: the centre of detail pixel X's block of fine pixels.
        to_fine = matrix * (fine / k)
        to_fine[:, 2] += -c * fine / k + (fine - 1) / 2
        grid = (out * fine, out * fine)
        square = cv2.warpAffine(photo.astype(np.float32), to_fine, grid, flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
        detail = cv2.resize(square, (out, out), interpolation=cv2.INTER_AREA) if fine > 1 else square
        if not cut:
            return detail
        inside = cv2.warpAffine(np.ones(photo.shape[:2], np.float32), to_fine, grid, flags=cv2.INTER_NEAREST,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        inside = cv2.resize(inside, (out, out), interpolation=cv2.INTER_AREA) if fine > 1 else inside
        pad = int(round(margin * self.size))
        fill = cv2.resize(cv2.copyMakeBorder(self.fill.astype(np.float32), pad, pad, pad, pad, cv2.BORDER_REPLICATE),
                          (out, out), interpolation=cv2.INTER_CUBIC)
        return completed(detail, inside, fill, sigma=3.0 * out / (self.size + 2 * pad))


def chosen(faces: list, person: int | str, name: str, width: Callable[[Any], float]) -> Any:
    """The ``largest`` of faces found left to right (by ``width``), or the ``person``-th from the left."""
    if person == "largest":
        return max(faces, key=width)
    if int(person) < len(faces):
        return faces[int(person)]
    raise NoFaceError(f"{name}: person {person} asked for, but {len(faces)} face(s) found, numbered from the "
                      f"left 0 to {len(faces) - 1}")


def completed(face: np.ndarray, inside: np.ndarray, fill: np.ndarray, sigma: float = 3.0) -> np.ndarray:
    """A face cut by the photo's edge, completed: where ``inside`` (the share of each pixel that lay in
    the photo) falls, ``fill`` (the kept faces' mean) takes over, its brightness and contrast matched
    to the face's own pixels inside, blended over a few pixels at the seam (not the photo's border
    pixels repeated, which draw streaks)."""
    import cv2

    weight = np.minimum(cv2.GaussianBlur(inside.astype(np.float32), (0, 0), sigma), inside)
    if face.ndim == 3:  # colour: one weight for the three channels
        weight = weight[..., None]
    seen = inside > 0.99
    own, model = face[seen], fill[seen]
    spread = float(model.std())
    toned = (fill - model.mean()) * (float(own.std()) / spread if spread > 1e-6 else 1.0) + float(own.mean())
    return np.clip(weight * face + (1 - weight) * toned, 0.0, 1.0).astype(np.float32)


def similarity(source: np.ndarray, target: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(scale, angle in radians, shift) of the similarity that takes ``source`` points nearest, in least
    squares, to ``target`` (Umeyama's closed form, without reflection)."""
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    s, t = source - mu_s, target - mu_t
    a = float((s * t).sum())  # sum of dot products
    b = float((s[:, 0] * t[:, 1] - s[:, 1] * t[:, 0]).sum())  # sum of cross products
    angle = math.atan2(b, a)
    scale = math.hypot(a, b) / float((s**2).sum())
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return scale, angle, mu_t - scale * rotation @ mu_s


def can_hold_a_face(shape: tuple[int, ...]) -> bool:
    """A strip (1x40000, say) would make the detection border and pyramid tens of gigabytes."""
    return min(shape) >= MIN_SIDE and max(shape) <= MAX_ASPECT * min(shape)


def match_tone(face: np.ndarray, mean: float, std: float) -> np.ndarray:
    """The face with its brightness (mean) and contrast (standard deviation) set to the dataset's."""
    return toned(Portrait(face), mean, std).face


def kept_detail(detail: np.ndarray | None) -> np.ndarray | None:
    """A detail as a batch holds it until its clip is drawn: 8-bit, as the film will show it (a quarter of
    the memory of floats: a batch holds every photo's, and sends each with its job)."""
    return None if detail is None else np.rint(np.clip(detail, 0.0, 1.0) * 255.0).astype(np.uint8)


def toned(portrait: Portrait, mean: float, std: float) -> Portrait:
    """:func:`match_tone` of a portrait: its detail moved by the same brightness and contrast as its face
    (the face's own), so the film does not flash where the detail gives way to it."""
    face = portrait.face
    own = float(face.std())
    gain, centre = (std / own if own > 1e-6 else 1.0), face.mean()

    def matched(image: np.ndarray) -> np.ndarray:
        return np.clip((image - centre) * gain + mean, 0.0, 1.0).astype(np.float32)

    return Portrait(matched(face), None if portrait.detail is None else matched(portrait.detail))
