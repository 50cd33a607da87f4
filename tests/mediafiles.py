"""Reading back what the encoders wrote, with the ffmpeg that imageio-ffmpeg ships and with Pillow."""

from __future__ import annotations

import re
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


def _boxes(data: bytes, start: int, end: int):
    """(name, payload start, box end) of each box between start and end."""
    offset = start
    while offset + 8 <= end:
        size, name = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], 16
        elif size == 0:
            size = end - offset
        yield name.decode("latin-1"), offset + header, offset + size
        offset += size


def _find(data: bytes, path: list[str], start: int = 0, end: int | None = None) -> tuple[int, int]:
    end = len(data) if end is None else end
    for name, body, stop in _boxes(data, start, end):
        if name == path[0]:
            return (body, stop) if len(path) == 1 else _find(data, path[1:], body, stop)
    raise KeyError("/".join(path))


def mp4_facts(path: Path) -> dict:
    """What an upload platform checks, read from the MP4's own boxes (ISO/IEC 14496-12 and -15):
    codec, profile, size, frame count and rate, duration, keyframes, box order."""
    data = path.read_bytes()
    trak = ["moov", "trak", "mdia"]
    body, _ = _find(data, [*trak, "mdhd"])
    version = data[body]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[body + 20 : body + 32])
    else:
        timescale, duration = struct.unpack(">II", data[body + 12 : body + 20])
    stbl = [*trak, "minf", "stbl"]
    body, _ = _find(data, [*stbl, "stsd"])
    entry = body + 8  # version/flags, entry count
    codec = data[entry + 4 : entry + 8].decode("latin-1")
    width, height = struct.unpack(">HH", data[entry + 32 : entry + 36])
    avcc_body, _ = _find(data, ["avcC"], entry + 86, entry + struct.unpack(">I", data[entry : entry + 4])[0])
    profile = data[avcc_body + 1]
    body, _ = _find(data, [*stbl, "stsz"])
    samples = struct.unpack(">I", data[body + 8 : body + 12])[0]
    body, _ = _find(data, [*stbl, "stts"])
    count = struct.unpack(">I", data[body + 4 : body + 8])[0]
    deltas = [struct.unpack(">II", data[body + 8 + 8 * i : body + 16 + 8 * i]) for i in range(count)]
    try:
        body, _ = _find(data, [*stbl, "stss"])
        n = struct.unpack(">I", data[body + 4 : body + 8])[0]
        keyframes = [struct.unpack(">I", data[body + 8 + 4 * i : body + 12 + 4 * i])[0] for i in range(n)]
    except KeyError:
        keyframes = list(range(1, samples + 1))  # no stss: every sample is a sync sample
    top = [name for name, _, _ in _boxes(data, 0, len(data))]
    return {
        "codec": codec,
        "profile": {66: "Baseline", 77: "Main", 100: "High"}.get(profile, str(profile)),
        "width": width,
        "height": height,
        "frames": samples,
        "fps": timescale / deltas[0][1] if len(deltas) == 1 else None,
        "duration": duration / timescale,
        "keyframes": keyframes,
        "top_boxes": top,
        "x264_settings": data[data.find(b"x264 - core") : data.find(b"x264 - core") + 2000].split(b"\0")[0].decode("latin-1"),
    }


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two 8-bit images, in dB (inf when equal)."""
    error = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10 * np.log10(255**2 / error))


def blurred_psnr(a: np.ndarray, b: np.ndarray, sigma: float = 2.0) -> float:
    """PSNR after a Gaussian blur of both: how the eye, which averages a fine dither, sees the difference."""
    import cv2

    return psnr(cv2.GaussianBlur(a.astype(np.float64), (0, 0), sigma), cv2.GaussianBlur(b.astype(np.float64), (0, 0), sigma))


def step_ratios(decoded: np.ndarray, expected: np.ndarray, floor: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """(ratios, still): for each step between frames where the expected film moves (its mean absolute
    change per pixel above ``floor``), the decoded step over the expected one (1: the same pace; a
    keyframe's pulse is well above 1, a stall well below); and the decoded steps where it holds still."""
    moved = np.abs(np.diff(decoded.astype(np.float64), axis=0)).mean(axis=(1, 2))
    meant = np.abs(np.diff(expected.astype(np.float64), axis=0)).mean(axis=(1, 2))
    return moved[meant > floor] / meant[meant > floor], moved[meant == 0]


def ring_fall(frame: np.ndarray, start: int, count: int) -> float:
    """The largest fall of the 1-pixel rings' mean going inward, over ``count`` rings from ``start``
    pixels in: a light line inside a border is a bright ring with darker ones inside it."""
    side, means = frame.shape[0], []
    for k in range(start, start + count):
        inner = frame[k : side - k, k : side - k].astype(float)
        means.append(np.concatenate([inner[0], inner[-1], inner[1:-1, 0], inner[1:-1, -1]]).mean())
    return float(-np.diff(means).min())


def paced(levels: int, fps: float = 25.0, loop: str = "pingpong", hold_start: float = 0.5, hold_end: float = 1.0,
          passages: int = 1, fade: int = 0) -> np.ndarray:
    """The film frames a video (or GIF) of ``levels`` levels shows, paced as scenes are by default
    (pingpong, the person held 0.5 s, the projection 1 s)."""
    from render.ground.timeline import Pacing, timeline

    return timeline(levels, fps, Pacing(loop, hold_start, hold_end), passages, fade)


def decoded(path: Path, alpha: bool = False) -> np.ndarray:
    """Every frame of a video or animated picture as the bundled ffmpeg decodes it: gray (n, h, w), or
    gray and alpha (n, h, w, 2) (VP9's alpha is read by libvpx, which decodes WebM's alpha side data)."""
    import subprocess

    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    codec = ["-c:v", "libvpx-vp9"] if alpha and path.suffix == ".webm" and _codec(path) == "vp9" else []
    said = subprocess.run([ffmpeg, "-hide_banner", *codec, "-i", str(path)], capture_output=True, text=True).stderr
    width, height = map(int, re.search(r"Video: .*?, (\d+)x(\d+)", said).groups())
    out = subprocess.run([ffmpeg, "-v", "error", *codec, "-i", str(path), "-map", "0:v:0", "-f", "rawvideo",
                          "-pix_fmt", "ya8" if alpha else "gray", "-"], capture_output=True, check=True).stdout
    shape = (-1, height, width, 2) if alpha else (-1, height, width)
    return np.frombuffer(out, np.uint8).reshape(shape)


def _codec(path: Path) -> str:
    return streams(path)["video"].split()[0].rstrip(",")


def streams(path: Path) -> dict[str, str]:
    """What ffmpeg says of a file's first video and audio streams (kind -> its description)."""
    import subprocess

    import imageio_ffmpeg

    said = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True,
                          text=True).stderr
    found = {}
    for kind in ("Video", "Audio"):
        line = re.search(rf"Stream #\S+.*?: {kind}: (.*)", said)
        if line:
            found[kind.lower()] = line[1]
    return found


def sound(path: Path, rate: int = 48_000, mono: bool = True) -> np.ndarray:
    """The first audio stream of a file, decoded to float samples at ``rate``: mono (ffmpeg's downmix,
    which sums the channels), or each channel as it is, interleaved."""
    import subprocess

    import imageio_ffmpeg

    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0",
                          *(["-ac", "1"] if mono else []), "-ar", str(rate), "-f", "f32le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, "<f4")


def loudness(path: Path) -> float:
    """Integrated loudness (EBU R128, LUFS) of a file's first audio stream, as ffmpeg's ebur128 measures it."""
    import subprocess

    import imageio_ffmpeg

    said = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0",
                           "-af", "ebur128", "-f", "null", "-"], capture_output=True, text=True).stderr
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", said)[-1])
