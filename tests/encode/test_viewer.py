"""The interactive viewer in a real headless Chromium, driven by Playwright: wheel, keys, drag,
component axes, idle play, full screen, and not one request leaving the page."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil

import numpy as np
import pytest

from conftest import canvas_red, chromium, invoke, tinted_folder, write_scene
from mediafiles import png
from render.film.compose import Canvas

pytestmark = [pytest.mark.browser, pytest.mark.slow]

@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extras)")
    with playwright.sync_playwright() as p:
        launched = chromium(p)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def viewers(tmp_path_factory, olivetti_home, faces):
    folder = tmp_path_factory.mktemp("viewer")
    scene = write_scene(folder, "name: view\nmorph: {levels: 50}\n"
                                "output: {dir: out, formats: [frames, html], size: 512, viewer: {idle_seconds: 0}}\n")
    idle = write_scene(folder, "name: idle\nmorph: {levels: 12}\n"
                               "output: {dir: out, formats: [html], size: 128, viewer: {idle_seconds: 1}}\n", "idle.yaml")
    once = write_scene(folder, "name: once\nmorph: {levels: 12}\noutput: {dir: out, formats: [html], size: 128, "
                               "loop: once, hold_start: 0.6, hold_end: 1.2, viewer: {idle_seconds: 0.2}}\n", "once.yaml")
    read = write_scene(folder, "name: read\nmorph: {levels: 8}\noverlay: {readout: label}\n"
                               "output: {dir: out, formats: [html], size: 128}\n", "read.yaml")
    lanczos = write_scene(folder, "name: sharp\nmorph: {levels: 6}\n"
                                  "output: {dir: out, formats: [frames, html], size: 300, interpolation: lanczos}\n",
                          "sharp.yaml")
    shaped = write_scene(folder, "name: shape\nbasis: {model: appearance}\nmorph: {levels: 6, amount: 1.4}\n"
                                 "output: {dir: out, formats: [frames, html], size: 256, viewer: {idle_seconds: 0}}\n",
                         "shape.yaml")
    tinted_folder(folder / "people", faces)
    colour = write_scene(folder, "name: tinted\ndataset: {folder: people, color: true, size: 64}\nmorph: {levels: 5}\n"
                                 "output: {dir: out, formats: [frames, html], size: 136, viewer: {idle_seconds: 0}}\n",
                         "tinted.yaml")
    for path in (scene, idle, once, read, lanczos, shaped, colour):
        result = invoke(str(path))
        assert result.exit_code == 0, result.stderr
    return folder / "out"


@pytest.fixture
def page(browser, viewers):
    # Playwright's waiting helpers evaluate strings, which the page's own CSP forbids: bypass it
    # for the test harness only. Requests are watched below, whatever the CSP says.
    context = browser.new_context(bypass_csp=True, viewport={"width": 720, "height": 720})
    opened = context.new_page()
    opened.requests = []
    opened.errors = []
    opened.on("request", lambda request: opened.requests.append(request.url))
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    assert not opened.errors, opened.errors
    context.close()


def open_viewer(page, path):
    page.goto(path.as_uri())
    page.wait_for_function("document.body.dataset.settled === 'yes'")


def settle(page, level):
    page.wait_for_function(f"document.body.dataset.level === '{level}' && document.body.dataset.settled === 'yes'")


def assert_frame(page, viewers, level, scene="view"):
    drawn = canvas_red(page)
    rendered = png(viewers / scene / "frames" / "face-0" / f"{level:04d}.png")
    difference = np.abs(drawn.astype(int) - rendered)
    assert difference.max() <= 1 and (difference > 0).mean() < 0.001, (difference.max(), (difference > 0).sum())


def test_the_file_is_self_contained_and_small(viewers):
    html = (viewers / "view" / "face-0.html").read_text()
    assert not re.search(r"https?://", html), "no address of any other place"
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html), "nothing loaded from elsewhere"
    assert "default-src 'none'" in html
    assert (viewers / "view" / "face-0.html").stat().st_size < 200_000


def test_no_request_leaves_the_page(page, viewers):
    open_viewer(page, viewers / "view" / "face-0.html")
    page.keyboard.press("End")
    settle(page, 49)
    assert page.requests == [(viewers / "view" / "face-0.html").as_uri()]


def test_keys_move_the_level_and_the_canvas_is_the_rendered_frame(page, viewers):
    open_viewer(page, viewers / "view" / "face-0.html")
    assert_frame(page, viewers, 0)
    for _ in range(7):
        page.keyboard.press("ArrowUp")
    settle(page, 7)
    assert_frame(page, viewers, 7)
    page.keyboard.press("ArrowDown")
    settle(page, 6)
    assert_frame(page, viewers, 6)
    page.keyboard.press("End")
    settle(page, 49)
    assert_frame(page, viewers, 49)
    assert "happy" in page.inner_text("#label") and "49 / 49" in page.inner_text("#label")


def test_the_appearance_basis_is_warped_in_the_page_as_in_the_frames(page, viewers):
    """The page warps both ends to each level's shape (render.ground.warp in JavaScript) and draws
    the rendered frames, the levels past the projection (amount 1.4) included; its axes are the
    shape modes, then the texture modes."""
    open_viewer(page, viewers / "shape" / "face-0.html")
    assert_frame(page, viewers, 0, "shape")
    for level in range(1, 6):
        page.keyboard.press("ArrowUp")
        settle(page, level)
        assert_frame(page, viewers, level, "shape")
    assert page.evaluate("window.viewer.state().offsets.length") == 4
    page.keyboard.press("1")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    settle(page, 5)
    assert "axis 1, how happy faces differ in shape most: +1.00× typical" in page.inner_text("#label")
    assert np.abs(canvas_red(page).astype(int) - png(viewers / "shape" / "frames" / "face-0" / "0005.png")).mean() > 1
    page.keyboard.press("0")
    page.wait_for_function("document.body.dataset.settled === 'yes'")
    assert_frame(page, viewers, 5, "shape")


def test_the_wheel_moves_the_level(page, viewers):
    open_viewer(page, viewers / "view" / "face-0.html")
    page.mouse.move(360, 360)
    page.mouse.wheel(0, 300)  # six notches of 50
    settle(page, 6)
    assert_frame(page, viewers, 6)
    page.mouse.wheel(0, -100)
    settle(page, 4)
    assert_frame(page, viewers, 4)


def test_dragging_up_moves_toward_the_projection(page, viewers):
    open_viewer(page, viewers / "view" / "face-0.html")
    box = page.locator("#face").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.8
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - box["height"] / 2, steps=8)  # half the height: half the levels
    page.mouse.up()
    page.wait_for_function("document.body.dataset.settled === 'yes'")
    level = page.evaluate("window.viewer.state().level")
    assert 22 <= level <= 27
    assert_frame(page, viewers, level)


def test_component_keys_move_the_target_along_the_eigenface_axes(page, viewers):
    html = (viewers / "view" / "face-0.html").read_text()
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', html).group(1))
    floats = lambda b64: np.frombuffer(base64.b64decode(b64), "<f4").reshape(64, 64)  # noqa: E731
    open_viewer(page, viewers / "view" / "face-0.html")
    page.keyboard.press("End")
    page.keyboard.press("2")
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # +1 standard deviation along component 2
    settle(page, 49)
    state = page.evaluate("window.viewer.state()")
    assert state["chosen"] == 1 and state["offsets"] == [0, 1]
    coefficients = np.array(data["coefficients"]) + np.array([0, 1]) * np.array(data["spread"])
    target = floats(data["mean"]).astype(np.float64)
    for c, component in zip(coefficients, data["components"]):
        target = target + c * floats(component)
    expected = Canvas(2, 0.0, 512, "cubic")(target.astype(np.float32))
    drawn = canvas_red(page)
    assert np.abs(drawn.astype(int) - expected).max() <= 1
    assert np.abs(drawn.astype(int) - png(viewers / "view" / "frames" / "face-0" / "0049.png")).mean() > 1
    assert "axis 2, how happy faces differ second most: +1.00× typical" in page.inner_text("#label")
    page.keyboard.press("0")
    page.wait_for_function("document.body.dataset.settled === 'yes'")
    assert_frame(page, viewers, 49)


def test_idle_play_starts_when_untouched_and_stops_on_a_touch(page, viewers):
    open_viewer(page, viewers / "idle" / "face-0.html")
    page.wait_for_function("document.body.dataset.idle === 'playing'", timeout=5000)
    seen = {page.evaluate("window.viewer.state().level") for _ in range(40) if not page.wait_for_timeout(50)}
    assert len(seen) > 3, "the morph plays by itself"
    page.keyboard.press("Home")
    page.wait_for_function("document.body.dataset.idle === 'still'")
    settle(page, 0)
    page.wait_for_timeout(400)
    assert page.evaluate("window.viewer.state().level") == 0, "a touch stops the play"


def test_fullscreen_toggles(page, viewers):
    open_viewer(page, viewers / "view" / "face-0.html")
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement !== null")
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null")


def test_screenshot(page, viewers, tmp_path):
    """The README's picture of the viewer; set VIEWER_SCREENSHOT to keep it."""
    open_viewer(page, viewers / "view" / "face-0.html")
    page.keyboard.press("PageUp")
    page.keyboard.press("PageUp")
    settle(page, 20)
    shot = tmp_path / "viewer.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("VIEWER_SCREENSHOT"):
        shutil.copy(shot, os.environ["VIEWER_SCREENSHOT"])


def overlaps(a, b) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


@pytest.mark.parametrize("viewport", [(720, 720), (1280, 720), (400, 800), (360, 360)])
def test_the_help_and_the_label_never_cover_the_face(browser, viewers, viewport):
    context = browser.new_context(bypass_csp=True, viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    open_viewer(page, viewers / "view" / "face-0.html")
    face = page.locator("#face").bounding_box()
    assert face["width"] == face["height"] and face["width"] >= min(viewport) * 0.6, face
    for words in ("#help", "#label"):
        assert not overlaps(face, page.locator(words).bounding_box()), (words, viewport)
    assert page.locator("#help .mouse").is_visible() and not page.locator("#help .touch").is_visible()
    context.close()


def test_a_touch_screen_is_told_about_touch(browser, viewers):
    context = browser.new_context(bypass_csp=True, viewport={"width": 400, "height": 800}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    open_viewer(page, viewers / "view" / "face-0.html")
    help_text = page.inner_text("#help")
    assert "double-tap" in help_text and "wheel" not in help_text, help_text
    context.close()


def test_the_cursor_hides_in_idle_play(page, viewers):
    open_viewer(page, viewers / "idle" / "face-0.html")
    cursor = "getComputedStyle(document.getElementById('face')).cursor"
    assert page.evaluate(cursor) == "ns-resize"
    page.wait_for_function("document.body.dataset.idle === 'playing'", timeout=5000)
    assert page.evaluate(cursor) == "none"


def test_idle_play_loops_as_the_films_do_with_their_holds(page, viewers):
    """loop: once, hold_start 0.6 s, hold_end 1.2 s: up to the projection, held, then cut to the person, held."""
    open_viewer(page, viewers / "once" / "face-0.html")
    page.wait_for_function("document.body.dataset.idle === 'playing'", timeout=5000)
    samples = []
    started = page.evaluate("performance.now()")
    while page.evaluate("performance.now()") - started < 7000:
        samples.append((page.evaluate("performance.now()"), page.evaluate("window.viewer.state().level")))
        page.wait_for_timeout(30)
    levels = [round(level, 3) for _, level in samples]
    drops = [i for i in range(1, len(levels)) if levels[i] < levels[i - 1] - 5]
    assert drops, "the once loop cuts from the projection back to the person"
    for i in drops:
        assert levels[i] == 0 and levels[i - 1] == 11
    assert not any(levels[i] < levels[i - 1] - 0.01 for i in range(1, len(levels)) if i not in drops), "never backwards"

    def held(level):  # the longest run at a level, in ms
        best, since = 0.0, None
        for t, value in samples:
            if value == level:
                since = t if since is None else since
                best = max(best, t - since)
            else:
                since = None
        return best

    assert 1000 <= held(11) <= 1700, held(11)
    assert 450 <= held(0) <= 1100, held(0)


def test_the_viewer_shows_the_reading_when_the_scene_overlays_it(page, viewers):
    html = (viewers / "read" / "face-0.html").read_text()
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', html).group(1))
    open_viewer(page, viewers / "read" / "face-0.html")
    page.keyboard.press("End")
    settle(page, 7)
    first, last = data["readout"][0], data["readout"][-1]
    assert f"happy {first:.2f} \u2192 {last:.2f}" in page.inner_text("#label")
    assert "readout" not in (viewers / "view" / "face-0.html").read_text().split('id="data"')[1][:20000]


def test_lanczos_is_drawn_as_the_frames_are_clamped_at_the_padding(page, viewers):
    open_viewer(page, viewers / "sharp" / "face-0.html")
    page.keyboard.press("End")
    settle(page, 5)
    drawn = canvas_red(page)
    rendered = png(viewers / "sharp" / "frames" / "face-0" / "0005.png")
    difference = np.abs(drawn.astype(int) - rendered)
    assert difference.max() <= 1 and (difference > 0).mean() < 0.001, (difference.max(), (difference > 0).sum())


def canvas_rgb(page, selector: str = "#face"):
    """A page's canvas as RGB (read as a PNG, as :func:`canvas_red` reads it)."""
    import io

    from PIL import Image

    url = page.evaluate(f"document.querySelector({selector!r}).toDataURL('image/png')")
    return np.array(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


def test_a_colour_basis_is_drawn_in_colour_as_the_frames_are(page, viewers):
    """A colour folder dataset: the page mixes, pads, scales and rounds each of red, green and blue as
    the film does, at every level, and along an axis of the colour eigenface."""
    from PIL import Image

    open_viewer(page, viewers / "tinted" / "face-0.html")
    for level in range(5):
        if level:
            page.keyboard.press("ArrowUp")
            settle(page, level)
        with Image.open(viewers / "tinted" / "frames" / "face-0" / f"{level:04d}.png") as frame:
            rendered = np.asarray(frame.convert("RGB")).astype(int)
        difference = np.abs(canvas_rgb(page).astype(int) - rendered)
        assert difference.max() <= 1 and (difference > 0).mean() < 0.001, (level, difference.max())
    drawn = canvas_rgb(page).astype(float)
    assert np.abs(drawn[..., 0] - drawn[..., 2]).mean() > 5  # colour, not gray
    page.keyboard.press("1")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.settled === 'yes'")
    assert np.abs(canvas_rgb(page).astype(int) - drawn).mean() > 0.5  # the target moved along axis 1
