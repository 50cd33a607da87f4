"""What travels over the network per film on a cluster whose workers share no disk (``--executor
dask://``): the job as Dask pickles it (out-of-band buffers included) and the files it sends back,
for the default scene, the same scene with a soundtrack, and one part of a playlist of 40 faces (256 px).

    python bench/away.py
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO, scene_variant

sys.path.insert(0, str(REPO))


def pickled(obj: object) -> int:
    """Bytes of ``obj`` pickled as Dask sends it (protocol 5, large buffers out of band, counted)."""
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    return len(head) + sum(b.raw().nbytes for b in buffers)


def main() -> None:
    import imageio_ffmpeg

    from render.cache import Cache
    from render.ground.console import Console
    from render.run.plan import plan_scene
    from render.scene.load import load_scene

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        tone = folder / "tone.wav"
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                        "sine=frequency=330:duration=30", "-ac", "2", str(tone)], check=True)
        scenes = {"default scene (512 px, 6 formats)": lambda: scene_variant(folder, dir=str(folder / "out")),
                  "the same with a 30 s stereo WAV": lambda: scene_variant(folder, dir=str(folder / "out"),
                                                                           audio=str(tone)),
                  "a part of a playlist of 40 faces": lambda: _playlist(folder)}
        cache, console = Cache(folder / "cache"), Console(quiet=True)  # never the checkout's cache
        print(f"{'scene':38} {'job sent':>12} {'files back':>12}")
        for label, write in scenes.items():
            plan = plan_scene(load_scene(write()), cache, console, force=True)
            job = plan.jobs[0].away()
            finished = job()
            back = sum(len(data) for data in finished.files.values())
            print(f"{label:38} {pickled(job) / 1e3:>9.0f} kB {back / 1e3:>9.0f} kB"
                  + (f"  (1 of {len(plan.jobs)} parts)" if len(plan.jobs) > 1 else ""))


def _playlist(folder: Path) -> Path:
    import yaml

    path = folder / "playlist.yaml"
    path.write_text(yaml.safe_dump({"name": "playlist", "inputs": [{"face": k} for k in range(40)],
                                    "layout": "playlist", "morph": {"levels": 25},
                                    "output": {"dir": str(folder / "out"), "size": 256, "formats": ["mp4"]}}))
    return path


if __name__ == "__main__":
    os.environ.setdefault("SCIKIT_LEARN_DATA", str(REPO.parent / "shared" / "data"))
    main()
