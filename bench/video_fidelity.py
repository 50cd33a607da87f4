"""How faithful the films are to their PNG frames, decoded, on the default scene (scenes/happy.yaml's
clip) and a 512 px grid of every happy face, both paced as by default (pingpong, holds):

- MP4: the pace, the mean change per pixel from frame to frame decoded, over the PNG frames' (the
  largest ratio is a keyframe's pulse, the smallest a stall); the lowest per-frame PSNR; bytes. The
  tool's default (a constant quantiser of 1) against CRF 18 (the previous default) and the web
  preset's CRF 23, on the same frames, encoded here with the tool's own ffmpeg arguments;
- GIF: the mean blurred PSNR (Gaussian sigma 2 px, at 512 px) of its composited frames;
- the rim: the largest fall of the 1-pixel rings' mean inside the padding's edge.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/video_fidelity.py

Targets (issue 16): at the default, every step within 1.3x of the frames' (and none below 1/1.3), the
lowest PSNR at least 45 dB, the GIF at least 55 dB blurred, the rim under 1.5 gray levels.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RENDER, run  # noqa: E402

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
from mediafiles import blurred_psnr, gif_frames, mp4_frames, psnr, ring_fall, step_ratios  # noqa: E402
from render.encode.ffmpeg import ffmpeg_command  # noqa: E402
from render.encode.mp4 import H264, mp4_output  # noqa: E402
from render.ground.timeline import timeline  # noqa: E402
from render.scene.load import load_scene  # noqa: E402

GRID = ("name: sheet\ndataset: olivetti\nfilter: {emotion: happy}\nbasis: {components: 2}\ninputs: [{face: all}]\n"
        "layout: grid\nmorph: {levels: 50, padding: 2}\noutput: {dir: out, formats: [frames], size: 512}\n")
ENCODINGS = {"default (QP 1)": H264(gop=25), "CRF 18 (before)": H264(crf=18, gop=25),
             "CRF 23 (web preset)": H264(crf=23, max_kbps=4000, gop=50)}


def render(work: Path, text: str, name: str) -> tuple[np.ndarray, np.ndarray, Path]:
    """(PNG frames in the video's order, each level once, the output folder) of a scene."""
    scene_path = work / f"{name}.yaml"
    scene_path.write_text(text)
    run([*RENDER, str(scene_path), "--quiet"], {"HAPPY_FACES_CACHE": str(work / "cache")})
    scene = load_scene(scene_path)
    folder = work / "out" / scene.name
    pngs = np.stack([np.asarray(Image.open(p)) for p in sorted(folder.glob("frames/*/*.png"))])
    return pngs[timeline(len(pngs), scene.output.fps, scene.output.pacing)], pngs, folder


def encode(work: Path, frames: np.ndarray, h264: H264, name: str) -> Path:
    raw, out = work / f"{name}.raw", work / f"{name}.mp4"
    raw.write_bytes(frames.tobytes())
    height, width = frames.shape[1:]
    subprocess.run(ffmpeg_command((width, height), 25, str(raw), mp4_output(h264), out), check=True)
    raw.unlink()
    return out


def main() -> None:
    met = True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        single = (REPO / "scenes" / "happy.yaml").read_text().replace(
            "output: {dir: ../output, formats: [mp4, gif, frames, stills, html, readout]",
            "output: {dir: out, formats: [gif, frames]")
        print(f"{'film':7} {'MP4':22} {'bytes':>11} {'max step':>9} {'min step':>9} {'lowest PSNR':>12}")
        for label, text in (("single", single), ("grid", GRID)):
            expected, pngs, folder = render(work, text, label)
            for i, (name, h264) in enumerate(ENCODINGS.items()):
                path = encode(work, expected, h264, f"{label}{i}")
                _, video = mp4_frames(path)
                ratios, _ = step_ratios(video, expected)
                lowest = min(psnr(a, b) for a, b in zip(video, expected))
                print(f"{label:7} {name:22} {path.stat().st_size:>11,} {ratios.max():>8.2f}x {ratios.min():>8.2f}x "
                      f"{lowest:>9.1f} dB")
                if i == 0:
                    met &= ratios.max() <= 1.3 and ratios.min() >= 1 / 1.3 and lowest >= 45
            if label == "single":
                gif, _, _ = gif_frames(folder / "face-0.gif")
                soft = float(np.mean([blurred_psnr(a, b) for a, b in zip(gif, expected)]))
                rim = max(ring_fall(frame, 15, 15) for frame in pngs)
                print(f"single  GIF: {(folder / 'face-0.gif').stat().st_size:,} bytes, blurred PSNR {soft:.1f} dB; "
                      f"rim of the PNG frames: {rim:.2f} gray levels at most")
                met &= soft >= 55 and rim <= 1.5
    print(f"targets (steps within 1.3x both ways, lowest PSNR >= 45 dB, GIF >= 55 dB blurred, rim <= 1.5): "
          f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
