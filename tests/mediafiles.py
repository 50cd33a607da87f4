"""Reading back what the encoders wrote, with the ffmpeg that imageio-ffmpeg ships and with Pillow."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def mp4_frames(path: Path) -> tuple[dict, np.ndarray]:
    """(ffmpeg's metadata, decoded gray frames (n, h, w))."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="gray", bits_per_pixel=8)
    meta = next(reader)
    width, height = meta["size"]
    frames = [np.frombuffer(chunk, np.uint8).reshape(height, width) for chunk in reader]
    return meta, np.stack(frames)


def mp4_top_boxes(path: Path) -> list[str]:
    """Names of the MP4's top-level boxes, in file order."""
    data = path.read_bytes()
    names, offset = [], 0
    while offset + 8 <= len(data):
        size, name = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        names.append(name.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return names


def gif_frames(path: Path) -> tuple[list[np.ndarray], list[int], int | None]:
    """(frames as gray arrays, per-frame delays in ms, loop count: 0 is forever)."""
    from PIL import Image, ImageSequence

    with Image.open(path) as im:
        loop = im.info.get("loop")
        frames, delays = [], []
        for frame in ImageSequence.Iterator(im):
            delays.append(frame.info["duration"])
            frames.append(np.asarray(frame.convert("L")))
    return frames, delays, loop


def png(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        assert im.mode == "L", f"{path} is {im.mode}, expected 8-bit gray"
        return np.asarray(im)
