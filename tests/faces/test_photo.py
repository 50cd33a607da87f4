"""Reading photos: orientation, transparency, and every kind of bad file named in one line."""

from __future__ import annotations

import io
import zlib
import struct

import numpy as np
import pytest
from PIL import Image

from render.errors import InputError
from render.faces.photo import MAX_PIXELS, photos_in, read_photo


def test_the_shared_portraits_read_as_gray(photos):
    for path in photos_in(photos):
        gray = read_photo(path)
        assert gray.ndim == 2 and gray.dtype == np.float32
        assert 0.0 <= gray.min() and gray.max() <= 1.0


def test_transparency_is_laid_over_white(tmp_path):
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[:, :5] = (0, 0, 0, 255)  # opaque black on the left, fully transparent on the right
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    gray = read_photo(tmp_path / "a.png")
    assert np.all(gray[:, :5] == 0.0) and np.all(gray[:, 5:] == 1.0)


def test_the_rgba_portrait_reads_as_its_colour_in_gray(photos):
    """speaker_rgba.png has four channels (all opaque): the alpha channel changes nothing."""
    with Image.open(photos / "speaker_rgba.png") as image:
        assert image.mode == "RGBA"
        expected = np.asarray(image.convert("RGB").convert("L"), dtype=np.float32) / 255.0
    np.testing.assert_array_equal(read_photo(photos / "speaker_rgba.png"), expected)


def test_exif_orientation_is_honoured(tmp_path):
    pixels = np.zeros((20, 40), np.uint8)
    pixels[:, :10] = 255  # a white band on the left of a landscape image
    image = Image.fromarray(pixels, "L")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    image.save(tmp_path / "rotated.jpg", exif=exif, quality=100)
    upright = read_photo(tmp_path / "rotated.jpg")
    assert upright.shape == (40, 20)  # portrait once turned
    assert upright[:10].mean() > 0.9 and upright[15:].mean() < 0.1  # the band is now on top


def test_sixteen_bit_png(tmp_path):
    pixels = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    Image.fromarray(pixels).save(tmp_path / "deep.png")
    with Image.open(tmp_path / "deep.png") as check:
        assert check.mode.startswith("I")
    gray = read_photo(tmp_path / "deep.png")
    assert gray.min() == 0.0 and gray.max() == pytest.approx(1.0)


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG header claiming width x height pixels, with a tiny compressed body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = zlib.compress(b"\0" * (width // 8 + 1) * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jpg", b"", "the file is empty (0 bytes)"),
        ("letter.jpg", b"Dear curator,\n" * 20, "not an image Pillow can read"),
        ("big.png", bomb_png(9_000, 9_000), "9000x9000 is 81 megapixels, over the 50-megapixel limit"),
        ("bomb.png", bomb_png(20_000, 20_000), "refused as a decompression bomb"),
    ],
)
def test_bad_files_are_one_line_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_photo(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_truncated_jpeg_is_reported(tmp_path, photos):
    data = (photos / "obama.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError, match="damaged or truncated image"):
        read_photo(path)


def test_other_image_formats_are_refused(tmp_path):
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, format="GIF")
    (tmp_path / "anim.png").write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="a GIF image; use a JPEG or PNG photo"):
        read_photo(tmp_path / "anim.png")


def test_the_limit_is_below_what_pillow_itself_would_allow():
    assert MAX_PIXELS < Image.MAX_IMAGE_PIXELS


def test_photos_in_lists_jpeg_and_png_in_name_order(tmp_path):
    for name in ("b.PNG", "a.jpg", "c.jpeg", "notes.txt", "d.gif"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.jpg").mkdir()
    assert [p.name for p in photos_in(tmp_path)] == ["a.jpg", "b.PNG", "c.jpeg"]
