"""The kiosk page in a real headless Chromium with a fake camera (a still of a shared photo): a key
press takes the picture, the studio answers, and the page plays the visitor's morph with the viewer's
own code: its first frame equals the film's formula, and the film's QR code appears when it is made."""

from __future__ import annotations

import base64
import os
import subprocess

import numpy as np
import pytest

from conftest import chromium, write_scene
from render.film.compose import Canvas

from servers import kiosk

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCENE = ("name: live\nmorph: {levels: 24}\n"
         "output: {dir: out, size: 256, formats: [mp4], viewer: {idle_seconds: 0}}\n")


@pytest.fixture(scope="module")
def camera(tmp_path_factory, photos):
    """A fake camera's video: two seconds of a shared photo, as Chromium's fake capture device reads it."""
    import imageio_ffmpeg

    path = tmp_path_factory.mktemp("camera") / "camera.y4m"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-loop", "1",
                    "-i", str(photos / "obama.jpg"), "-t", "2", "-vf", "scale=-2:480,pad=640:480:(ow-iw)/2:0,setsar=1",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def test_a_visitor_sees_their_morph_and_then_their_film(tmp_path, olivetti_home, isolated_cache, camera):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extras)")
    scene = write_scene(tmp_path, SCENE)
    with kiosk(scene, isolated_cache) as (base, _), playwright.sync_playwright() as p:
        browser = chromium(p, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                           f"--use-file-for-fake-video-capture={camera}")
        # Playwright's waits evaluate strings, which the page's policy forbids: bypassed for the harness.
        context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 720},
                                      permissions=["camera"])
        page = context.new_page()
        errors, requests = [], []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{base}/")
        page.wait_for_function("window.kiosk && kiosk.state() === 'camera'", timeout=30_000)
        page.keyboard.press("Space")
        page.wait_for_function("kiosk.state() === 'morph' || kiosk.state() === 'error'", timeout=60_000)
        assert page.evaluate("kiosk.state()") == "morph", page.inner_text("#say")
        page.wait_for_function("document.body.dataset.settled === 'yes'")

        data = page.evaluate("kiosk.data()")
        face = np.frombuffer(base64.b64decode(data["face"]), "<f4").reshape(64, 64)
        expected = Canvas(2, 0.0, 256)(face)  # level 0: the visitor's own framed face
        size = page.evaluate("document.getElementById('face').width")
        pixels = page.evaluate(f"Array.from(document.getElementById('face').getContext('2d')"
                               f".getImageData(0, 0, {size}, {size}).data)")
        drawn = np.array(pixels, np.uint8).reshape(size, size, 4)[..., 0]
        off = np.abs(drawn.astype(int) - expected.astype(int))
        assert size == 256 and off.max() <= 1 and (off > 0).mean() <= 0.001, (off.max(), (off > 0).mean())
        label = page.inner_text("#label")
        first = data["viewer"]["readout"][0]
        assert label.startswith("happy") and f"happy {first:.2f} \u2192 {first:.2f}" in label, label

        page.wait_for_function("document.body.dataset.film === 'done'", timeout=60_000)
        page.wait_for_function("document.getElementById('qr').naturalWidth > 0")  # the code, loaded
        assert page.get_attribute("#download", "href").endswith(f"visitor-{data['id']}.mp4")
        if os.environ.get("KIOSK_SCREENSHOT"):
            page.keyboard.press("End")
            page.wait_for_function("document.body.dataset.settled === 'yes'")
            page.screenshot(path=os.environ["KIOSK_SCREENSHOT"])
        page.keyboard.press("Escape")
        page.wait_for_function("kiosk.state() === 'camera'")
        assert not errors, errors
        assert all(url.startswith(base) for url in requests), [u for u in requests if not u.startswith(base)]
        context.close()
        browser.close()
