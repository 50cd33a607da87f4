"""GIF size and faithfulness, on the same frames (scenes/happy.yaml's 50 frames at 512 px): the
tool's GIF against imageio's default GIF, ffmpeg's palettegen/paletteuse, ffmpeg's plain GIF encoder,
and (if installed) gifsicle -O3 with and without --lossy. Prints each file's bytes, its size as a
ratio to the tool's, and the mean PSNR of its decoded frames against the source frames.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/gif_size.py

Target (issue 7): the tool's GIF is the smallest at a mean PSNR of at least 38 dB.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RENDER, run, scene_variant  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from render.encode.gif import GifSink  # noqa: E402


def decoded(path: Path) -> list[np.ndarray]:
    with Image.open(path) as image:
        return [np.asarray(frame.convert("L"), dtype=np.float64) for frame in ImageSequence.Iterator(image)]


def mean_psnr(path: Path, sources: list[np.ndarray]) -> float:
    frames = decoded(path)
    assert len(frames) == len(sources), f"{path.name}: {len(frames)} frames for {len(sources)}"
    values = []
    for frame, source in zip(frames, sources):
        error = np.mean((frame - source) ** 2)
        values.append(float("inf") if error == 0 else 10 * np.log10(255**2 / error))
    return float(np.mean(values))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        scene = scene_variant(work, formats=["frames"], dir=str(work / "out"))
        run([*RENDER, str(scene), "--quiet"], {"HAPPY_FACES_CACHE": str(work / "cache")})
        pngs = sorted((work / "out" / "happy" / "frames" / "face-0").glob("*.png"))
        sources = [np.asarray(Image.open(p)) for p in pngs]
        height, width = sources[0].shape
        raw = work / "frames.raw"
        raw.write_bytes(b"".join(s.tobytes() for s in sources))
        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        feed = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "gray",
                "-s", f"{width}x{height}", "-r", "25", "-i", str(raw)]

        gifs: dict[str, Path] = {}
        ours = GifSink(work / "ours.gif", (width, height), 25)
        for frame in sources:
            ours.write(frame)
        ours.close()
        gifs["happy-faces (32 gray levels)"] = work / "ours.gif"
        iio.imwrite(work / "imageio.gif", np.stack(sources), extension=".gif", duration=40, loop=0)
        gifs["imageio default"] = work / "imageio.gif"
        subprocess.run([*feed, "-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", "-loop", "0",
                        str(work / "palette.gif")], check=True)
        gifs["ffmpeg palettegen/paletteuse"] = work / "palette.gif"
        subprocess.run([*feed, "-loop", "0", str(work / "ffmpeg.gif")], check=True)
        gifs["ffmpeg gif encoder"] = work / "ffmpeg.gif"
        gifsicle = shutil.which("gifsicle")
        if gifsicle:
            for label, options in (("gifsicle -O3", []), ("gifsicle -O3 --lossy", ["--lossy"]),
                                   ("gifsicle -O3 --lossy=80", ["--lossy=80"])):
                out = work / f"gifsicle{len(gifs)}.gif"
                subprocess.run([gifsicle, "-O3", *options, str(work / "imageio.gif"), "-o", str(out)], check=True)
                gifs[label] = out
        else:
            print("gifsicle is not installed: its rows are left out (apt-get install gifsicle)")

        reference = gifs["happy-faces (32 gray levels)"].stat().st_size
        print(f"{len(sources)} frames at {width}x{height}")
        print(f"{'GIF':34} {'bytes':>10} {'x ours':>7} {'mean PSNR':>10}")
        rows = []
        for label, path in gifs.items():
            size, psnr = path.stat().st_size, mean_psnr(path, sources)
            rows.append((label, size, psnr))
            print(f"{label:34} {size:>10,} {size / reference:>7.2f} {psnr:>7.1f} dB")
    ours_psnr = rows[0][2]
    smallest = all(size > reference for _, size, _ in rows[1:])
    met = smallest and ours_psnr >= 38
    print(f"target (smallest GIF at >= 38 dB): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
