"""Shared fixtures: the Olivetti cache from ../shared/data, the CLI runner, scene files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SCENES = Path(__file__).resolve().parent / "scenes"

# Tests and CI never download: point scikit-learn at the shared cache unless the caller chose one.
if "SCIKIT_LEARN_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["SCIKIT_LEARN_DATA"] = str(SHARED_DATA)


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Every test session gets its own cache, so a test never sees a developer's entries."""
    from render.cache import CACHE_ENV

    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(folder))
        yield folder


@pytest.fixture(scope="session")
def olivetti_home() -> Path:
    """The folder holding scikit-learn's Olivetti cache; skips with the reason when it is absent."""
    home = Path(os.environ.get("SCIKIT_LEARN_DATA", SHARED_DATA))
    if not (home / "olivetti_py3.pkz").is_file():
        pytest.skip(f"Olivetti cache {home / 'olivetti_py3.pkz'} is missing: set SCIKIT_LEARN_DATA "
                    f"to a folder holding olivetti_py3.pkz (CI uses ../shared/data)")
    return home


@pytest.fixture(scope="session")
def photos() -> Path:
    """../shared/data/photos: public-domain portraits; skips with the reason when absent."""
    folder = SHARED_DATA / "photos"
    if not (folder / "obama.jpg").is_file():
        pytest.skip(f"test photos {folder} are missing: they come with ../shared/data beside the clone")
    return folder


@pytest.fixture(scope="session")
def faces(olivetti_home, isolated_cache):
    from render.cache import Cache
    from render.ground.console import Console
    from render.faces.dataset import load_dataset

    return load_dataset("olivetti", Cache(isolated_cache), Console())


@pytest.fixture(scope="session")
def emotion_model():
    from render.learn.classifier import EmotionModel, default_model_path

    return EmotionModel(default_model_path())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium(p, *extra: str):
    """Debian's headless Chromium through Playwright's ``p``; skips (fails in CI) without it."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed: apt-get install chromium (.ci/run does)")
    return p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *extra])


def canvas_red(page, selector: str = "#face"):
    """A page's canvas, its red channel (the film's gray) as a numpy array: read as a PNG, a lossless
    copy many times quicker to hand over than getImageData's array of numbers."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    url = page.evaluate(f"document.querySelector({selector!r}).toDataURL('image/png')")
    return np.array(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA"))[..., 0]


def invoke(*args: str):
    """Run the CLI in-process; return typer's result (exit_code, stdout, stderr). Renders run one
    clip at a time in this process (``--jobs 1``) unless the test asks for workers."""
    from typer.testing import CliRunner

    from render.cli import cli

    command = list(args)
    if command and command[0] not in ("schema", "cache", "init", "publish", "visitors") and not command[0].startswith("-") and "--jobs" not in command:
        command += ["--jobs", "1"]
    return CliRunner().invoke(cli, command, catch_exceptions=False)


def wait_for(check, timeout: float, what: str) -> None:
    """Wait until ``check()`` is true, at most ``timeout`` seconds (then fail, saying ``what``)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def write_scene(folder: Path, text: str, name: str = "scene.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class Warnings(list):
    """The warnings a console gave, as a list: ``Cache(folder, console=warnings.console)``."""

    def __init__(self) -> None:
        import io

        from render.ground.console import Console

        super().__init__()
        self._stream = io.StringIO()
        self.console = Console(stream=self._stream)

    def _heard(self) -> list[str]:
        return [line.removeprefix("render: warning: ") for line in self._stream.getvalue().splitlines()
                if line.startswith("render: warning: ")]

    def __len__(self) -> int:
        return len(self._heard())

    def __getitem__(self, index):  # noqa: ANN001
        return self._heard()[index]

    def __iter__(self):
        return iter(self._heard())



#: The four tints of the colour tests' folder of faces (red, green, blue multipliers).
TINTS = [(1.0, 0.78, 0.6), (0.6, 0.8, 1.0), (0.85, 1.0, 0.65), (1.0, 0.7, 0.9)]


def tinted_folder(folder: Path, faces) -> Path:
    """A folder of colour photos for a colour dataset: 40 Olivetti faces (every tenth)
    at 192 px, each tinted one of :data:`TINTS` in turn, named ``tint<k>-<index>.png``."""
    import cv2
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for n, i in enumerate(range(0, 400, 10)):
        big = cv2.resize(faces.images[i], (192, 192), interpolation=cv2.INTER_CUBIC)
        rgb = np.clip(big[..., None] * np.array(TINTS[n % 4]), 0, 1)
        Image.fromarray(np.rint(rgb * 255).astype(np.uint8)).save(folder / f"tint{n % 4}-{i:03d}.png")
    return folder
