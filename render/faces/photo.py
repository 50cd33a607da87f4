"""Photographs: any JPEG or PNG read safely into one gray image.

EXIF orientation is honoured, transparency is laid over white, colour is weighed to gray (ITU-R 601
luma, as Pillow does), and files that are empty, truncated, not images, or larger than
:data:`MAX_PIXELS` are refused with one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from render.errors import InputError, RenderWarning, shown

__all__ = ["MAX_PIXELS", "PHOTO_SUFFIXES", "read_photo", "read_photo_bytes", "photos_in"]

#: Largest photo accepted (width x height): 50 megapixels, beyond any camera a visitor carries and
#: far below what would exhaust memory (a decompression bomb is refused before it is decoded).
MAX_PIXELS = 50_000_000
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
_FORMATS = {"JPEG", "PNG", "MPO"}  # MPO: the JPEG flavour many phones write


def photos_in(folder: Path) -> list[Path]:
    """The JPEG and PNG files of a folder (not its sub-folders), in name order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file())


def read_photo(path: Path) -> np.ndarray:
    """A photo file as a (height, width) float32 gray image in [0, 1]."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{shown(path)}: cannot be read ({exc.strerror}); check the path") from None
    if size == 0:
        raise InputError(f"{shown(path)}: the file is empty (0 bytes); use a JPEG or PNG photo")
    return _decode(path, shown(path))


def read_photo_bytes(data: bytes, name: str = "the photo", max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """A photo's bytes (as uploaded) as a gray image; ``name`` stands for it in messages. The bytes
    are sniffed: only a JPEG or PNG is decoded, whatever it is called or said to be."""
    import io

    if not data:
        raise InputError(f"{name}: empty (0 bytes); send a JPEG or PNG photo")
    if not data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        raise InputError(f"{name}: not a JPEG or PNG photo (its first bytes say otherwise); send a JPEG or PNG")
    return _decode(io.BytesIO(data), name, max_pixels)


def _decode(source, name: str, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(source) as image:
            if image.format not in _FORMATS:
                raise InputError(f"{name}: a {image.format} image; use a JPEG or PNG photo")
            width, height = image.size
            if width * height > max_pixels:
                raise InputError(
                    f"{name}: {width}x{height} is {width * height / 1e6:.0f} megapixels, over the "
                    f"{max_pixels / 1e6:.0f}-megapixel limit; scale the photo down"
                )
            image.load()
            gray = _to_gray(_upright(image, name))
    except UnidentifiedImageError:
        raise InputError(f"{name}: not an image Pillow can read; use a JPEG or PNG photo") from None
    except Image.DecompressionBombError:
        raise InputError(f"{name}: refused as a decompression bomb; use a real photo") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{name}: damaged or truncated image ({exc}); export the photo again") from None
    return gray


def _upright(image, name: str):
    """The image turned as its EXIF orientation says; as stored, with a warning, when its EXIF block
    is too damaged to read (wrong tag types, truncated or looping IFDs break Pillow in many ways)."""
    import struct
    import warnings

    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(image)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, ZeroDivisionError,
            RecursionError, struct.error, OSError, SyntaxError, UnicodeError) as exc:
        warnings.warn(f"{name}: its EXIF block is damaged ({str(exc)[:80] or type(exc).__name__}); read as stored, not turned "
                      "upright by its orientation tag", RenderWarning, stacklevel=2)
        return image


def _to_gray(image) -> np.ndarray:
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        pixels = np.asarray(image, dtype=np.float32)
        return pixels / (65535.0 if pixels.max() > 255 else 255.0)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
