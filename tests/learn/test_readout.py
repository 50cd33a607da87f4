"""The AI reads each frame: the readout, its files, the overlay and the chart."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from conftest import invoke, write_scene
from mediafiles import gif_frames, mp4_frames, png
from render.learn.classifier import default_model_path
from render.film.overlay import Overlay, band_height
from render.scene import EMOTIONS

pytestmark = pytest.mark.slow


def scene_text(name: str, readout: str) -> str:
    return (f"name: {name}\ninputs: [{{face: 3}}]\nmorph: {{levels: 10}}\noverlay: {{readout: {readout}}}\n"
            f"output: {{dir: out, size: 320, formats: [mp4, gif, frames, stills, readout]}}\n")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, olivetti_home):
    folder = tmp_path_factory.mktemp("readout")
    for name, readout in (("plain", "none"), ("label", "label"), ("bars", "all"), ("bar", "bar")):
        result = invoke(str(write_scene(folder, scene_text(name, readout), f"{name}.yaml")))
        assert result.exit_code == 0, result.stderr
    return folder / "out"


def test_first_and_last_readout_are_the_model_on_the_face_and_its_projection(rendered, faces):
    import keras
    from sklearn.decomposition import PCA

    rows = list(csv.DictReader((rendered / "plain" / "emotions.csv").open()))
    kept = faces.images[[int(r["index"]) for r in rows if r["kept"] == "1"]]
    pca = PCA(n_components=2, svd_solver="full").fit(kept.reshape(len(kept), -1).astype(np.float64))
    face = kept[3]
    projection = pca.inverse_transform(pca.transform(face.reshape(1, -1).astype(np.float64))).reshape(64, 64)
    model = keras.models.load_model(default_model_path(), compile=False)
    expected = model.predict(((np.stack([face, projection]) - 0.5) * 2)[..., None].astype(np.float32), verbose=0)
    readout = list(csv.DictReader((rendered / "plain" / "face-3-readout.csv").open()))
    assert len(readout) == 10
    got = np.array([[float(readout[k][e]) for e in EMOTIONS] for k in (0, 9)])
    np.testing.assert_allclose(got, expected, atol=2e-3)
    document = json.loads((rendered / "plain" / "face-3-readout.json").read_text())
    assert document["first"] == pytest.approx(float(readout[0]["happy"]), abs=1e-6)
    assert document["last"] == pytest.approx(float(readout[9]["happy"]), abs=1e-6)
    assert len(document["levels"]) == 10 and set(document["levels"][0]) == set(EMOTIONS)


@pytest.mark.parametrize("style", ["label", "bars", "bar"])
def test_the_overlay_never_touches_the_face(rendered, style):
    plain, _, _ = gif_frames(rendered / "plain" / "face-3.gif")
    marked, _, _ = gif_frames(rendered / style / "face-3.gif")
    band = band_height(320)
    assert plain[0].shape == (320, 320) and marked[0].shape == (320 + band, 320)
    for a, b in zip(plain, marked):
        np.testing.assert_array_equal(a, b[:320])  # the face area, pixel for pixel
    assert any(b[320:].max() > 100 for b in marked), "something is drawn in the band"
    _, video = mp4_frames(rendered / style / "face-3.mp4")
    assert video.shape[1:] == (320 + band, 320)
    assert png(rendered / style / "frames" / "face-3" / "0000.png").shape == (320, 320), "PNG frames stay bare"


def test_the_label_reads_first_to_current():
    band = 40
    frame = np.zeros((100 + band, 100), np.uint8)
    first = np.array([0, 0, 0, 0.31, 0, 0, 0.69])
    now = np.array([0, 0, 0, 0.87, 0, 0, 0.13])
    box = (0, 100, 100, 100 + band)
    drawn = Overlay("label", "happy", box, first)(frame, now)
    assert np.all(drawn[:100] == 0) and drawn[100:].max() > 150
    bar = Overlay("bar", "happy", box, first)
    assert (bar(frame, now)[100:] > 200).sum() > (bar(frame, first)[100:] > 200).sum(), "a fuller bar for 0.87"


def test_the_chart_is_written(rendered):
    chart = png_rgb(rendered / "label" / "stills" / "face-3-readout.png")
    assert chart.shape == (520, 900, 3)
    assert (np.abs(chart.astype(int) - (230, 159, 0)).sum(axis=2) < 30).sum() > 500, "the happy line, in its colour"


def png_rgb(path):
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_all_names_each_bar_and_the_arrow_is_drawn():
    from PIL import ImageFont

    band, width = 64, 512
    frame = np.zeros((band, width), np.uint8)
    now = np.array([0.05, 0.0, 0.1, 0.7, 0.05, 0.05, 0.05])
    drawn = Overlay("all", "happy", (0, 0, width, band), now)(frame, now)
    names = drawn[int(band * 0.72):]  # the rows under the bars
    lit = np.flatnonzero(names.max(axis=0) > 100)
    groups = np.split(lit, np.flatnonzero(np.diff(lit) > 6) + 1)
    assert len([g for g in groups if g[0] > width * 0.4]) == 7, "a name under each of the seven bars"
    # The arrow between the numbers is drawn, not a missing glyph: the bundled font has no U+2192.
    font = ImageFont.load_default(size=10)
    assert font.getmask("\u2192").getbbox() == font.getmask("\uffff").getbbox()
    label = Overlay("label", "happy", (0, 0, width, band), now)(frame, now)
    row = label[band // 2]
    assert (row[:width // 2] > 150).sum() > 20  # the arrow's shaft is a run of lit pixels on the middle row


def test_on_a_reels_frame_the_band_is_right_under_the_face_inside_the_safe_zone(tmp_path, olivetti_home):
    from render.scene.presets import safe_zone

    scene = write_scene(tmp_path, "name: reel\ninputs: [{face: 3}]\nmorph: {levels: 6}\noverlay: {readout: all}\n"
                                  "output: {dir: out, preset: instagram-reels, formats: [mp4, frames]}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    _, video = mp4_frames(tmp_path / "out" / "reel" / "face-3.mp4")
    frame = video[0].astype(int)
    left, top, right, bottom = safe_zone("instagram-reels", (1080, 1920))
    lit = (frame > 40).mean(axis=1)
    face_rows = np.flatnonzero(lit > 0.3)  # the face: most of each row lit
    below = np.flatnonzero((frame > 40).any(axis=1) & (np.arange(1920) > face_rows[-1]))
    assert len(below), "the readout is drawn under the face"
    band_cols = np.flatnonzero((frame[below] > 40).any(axis=0))
    assert top <= face_rows[0] and below[-1] < bottom, "face and reading inside the safe zone"
    assert left <= band_cols[0] and band_cols[-1] < right
    under = below[0] - face_rows[-1]
    assert 0 < under <= 40, under  # right under the face (its padding between), not at the foot of the frame


@pytest.mark.parametrize(("output", "said"), [
    ("{formats: [gif], size: 96}, overlay: {readout: all}", "'all' cannot be read on a face of 96 px (output.gif.size)"),
    ("{formats: [mp4], size: 256}, overlay: {readout: all}", "'all' cannot be read on a face of 256 px (output.size)"),
    ("{formats: [mp4, gif], size: 512, gif: {size: 64}}, overlay: {readout: bar}", "(output.gif.size); it needs at least 96"),
    ("{formats: [frames, stills]}, overlay: {readout: label}", "none is written"),
])
def test_an_overlay_that_cannot_be_read_or_seen_is_refused(tmp_path, output, said):
    from render.errors import SceneError
    from render.scene.load import load_scene

    text = "name: x\noutput: " + output.replace("}, overlay:", "}\noverlay:") + "\n"
    with pytest.raises(SceneError, match="overlay.readout") as caught:
        load_scene(write_scene(tmp_path, text))
    assert said in str(caught.value)
