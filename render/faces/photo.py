"""Photographs: any JPEG or PNG read safely into one gray image.

EXIF orientation is honoured, transparency is laid over white, colour is weighed to gray (ITU-R 601
luma, as Pillow does), and files that are empty, truncated, not images, or larger than
:data:`MAX_PIXELS` are refused with one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from render.errors import InputError, RenderWarning, shown

__all__ = ["luma", "without_location", "MAX_PIXELS", "PHOTO_SUFFIXES", "read_photo", "read_photo_bytes", "photos_in"]

#: Largest photo accepted (width x height): 50 megapixels, beyond any camera a visitor carries and
#: far below what would exhaust memory (a decompression bomb is refused before it is decoded).
MAX_PIXELS = 50_000_000
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
_FORMATS = {"JPEG", "PNG", "MPO"}  # MPO: the JPEG flavour many phones write


def photos_in(folder: Path) -> list[Path]:
    """The JPEG and PNG files of a folder (not its sub-folders), in name order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file())


def read_photo(path: Path, colour: bool = False) -> np.ndarray:
    """A photo file as a (height, width) float32 gray image in [0, 1]; (height, width, 3) RGB with ``colour``."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{shown(path)}: cannot be read ({exc.strerror}); check the path") from None
    if size == 0:
        raise InputError(f"{shown(path)}: the file is empty (0 bytes); use a JPEG or PNG photo")
    return _decode(path, shown(path), colour=colour)


def read_photo_bytes(data: bytes, name: str = "the photo", max_pixels: int = MAX_PIXELS,
                     colour: bool = False) -> np.ndarray:
    """A photo's bytes (as uploaded) as a gray image (RGB with ``colour``); ``name`` stands for it in
    messages. The bytes are sniffed: only a JPEG or PNG is decoded, whatever it is called or said to be."""
    import io

    if not data:
        raise InputError(f"{name}: empty (0 bytes); send a JPEG or PNG photo")
    if not data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        raise InputError(f"{name}: not a JPEG or PNG photo (its first bytes say otherwise); send a JPEG or PNG")
    return _decode(io.BytesIO(data), name, max_pixels, colour)


def _decode(source, name: str, max_pixels: int = MAX_PIXELS, colour: bool = False) -> np.ndarray:
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
            gray = (_to_rgb if colour else _to_gray)(_upright(image, name))
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


def _to_rgb(image) -> np.ndarray:
    """RGB in [0, 1], transparency laid over white; a gray photo's one channel three times."""
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        gray = _to_gray(image)
        return np.repeat(gray[..., None], 3, axis=2)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def luma(image: np.ndarray) -> np.ndarray:
    """A colour image's gray (ITU-R 601 luma, Pillow's weights), float32; a gray image as it is."""
    if image.ndim == 2:
        return image
    return (image[..., 0] * np.float32(0.299) + image[..., 1] * np.float32(0.587)
            + image[..., 2] * np.float32(0.114)).astype(np.float32)


def without_location(data: bytes) -> bytes:
    """A JPEG's or PNG's bytes with where it was taken removed, and nothing else changed: the GPS block
    of its EXIF (the orientation and the rest kept), its XMP and IPTC blocks (which may name the place)
    dropped; the image data untouched. Bytes it cannot walk are returned re-encoded without any of it."""
    try:
        if data.startswith(b"\xff\xd8"):
            return _jpeg_without_location(data)
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return _png_without_location(data)
    except (ValueError, IndexError, SyntaxError, OSError):
        pass
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.save(out, "PNG" if data.startswith(b"\x89PNG") else "JPEG", quality=95)
        return out.getvalue()


def _no_gps(exif_bytes: bytes) -> bytes:
    """EXIF (``Exif\\0\\0`` and its TIFF block) without its GPS block."""
    from PIL import Image

    exif = Image.Exif()
    exif.load(exif_bytes)
    if 0x8825 not in exif:
        return exif_bytes
    del exif[0x8825]
    return exif.tobytes()


def _jpeg_without_location(data: bytes) -> bytes:
    out, i = bytearray(data[:2]), 2
    while True:
        if data[i] != 0xFF:
            raise ValueError("not a marker")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xDA, 0xD9):  # the image data begins (or ends): the rest as it is
            return bytes(out + data[i:])
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += data[i:i + 2]
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2 or i + 2 + length > len(data):
            raise ValueError("a segment longer than the file")
        payload = data[i + 4:i + 2 + length]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            exif = _no_gps(payload)
            out += b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
        elif not (marker == 0xE1 or marker == 0xED):  # APP1 XMP (and extended XMP), APP13 IPTC: dropped
            out += data[i:i + 2 + length]
        i += 2 + length


def _png_without_location(data: bytes) -> bytes:
    import zlib

    out, i = bytearray(data[:8]), 8
    while i < len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        kind, body = data[i + 4:i + 8], data[i + 8:i + 8 + length]
        if len(body) != length:
            raise ValueError("a chunk longer than the file")
        if kind == b"eXIf":
            body = _no_gps(b"Exif\x00\x00" + body)[6:]
            out += len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        elif not (kind in (b"iTXt", b"tEXt", b"zTXt") and body.startswith(b"XML:com.adobe.xmp")):
            out += data[i:i + 12 + length]
        i += 12 + length
        if kind == b"IEND":
            break
    return bytes(out)
