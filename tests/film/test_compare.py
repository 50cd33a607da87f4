"""``compare``: one person projected onto several bases side by side, each panel labelled. Real renders:
the real model's filter, real PCA, real ffmpeg."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from conftest import invoke, write_scene
from mediafiles import mp4_frames, png
from render.errors import ExitCode

SCENE = ("name: versus\ninputs: [{{face: 4}}]\nmorph: {{levels: 5, padding: 2}}\n"
         "compare: {{bases: [{bases}]{extra}}}\n"
         "output: {{dir: {out}, size: {size}, formats: [mp4, frames]{more}}}\n")


def render(tmp_path, bases: str = "{filter: {emotion: sad}}", size: int = 68, out: str = "out", extra: str = "",
           more: str = "") -> list[np.ndarray]:
    scene = write_scene(tmp_path, SCENE.format(bases=bases, size=size, out=out, extra=extra, more=more), f"{out}.yaml")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    return [png(p).astype(np.float64) for p in sorted((tmp_path / out / "versus" / "frames" / "face-4").glob("*.png"))]


def test_each_panel_is_the_person_projected_onto_its_basis(tmp_path, olivetti_home, faces):
    """At size 68 nothing is resampled: panel 0 is the scene's own clip, pixel for pixel; panel 1 ends
    on the face's projection on a PCA of the faces the model reads as sad, computed here."""
    frames = render(tmp_path)
    scene = write_scene(tmp_path, "name: versus\ninputs: [{face: 4}]\nmorph: {levels: 5, padding: 2}\n"
                        "output: {dir: alone, size: 68, formats: [frames]}\n", "alone.yaml")
    assert invoke(str(scene)).exit_code == 0
    alone = [png(p) for p in sorted((tmp_path / "alone" / "versus" / "frames" / "face-4").glob("*.png"))]
    assert len(frames) == len(alone) == 5
    gap = 8
    for film, own in zip(frames, alone):
        np.testing.assert_array_equal(film[:68, :68], own)
    # The other panel: the model's own verdicts, as the render wrote them, pick the faces.
    with (tmp_path / "out" / "versus" / "emotions.csv").open() as f:
        rows = list(csv.DictReader(f))
    happy = [int(r["index"]) for r in rows if r["predicted"] == "happy"]
    sad = [int(r["index"]) for r in rows if r["predicted"] == "sad"]
    images = faces.images.reshape(len(faces.images), -1).astype(np.float64)
    x = images[happy[4]]
    mean = images[sad].mean(axis=0)
    _, _, vt = np.linalg.svd(images[sad] - mean, full_matrices=False)
    projection = mean + (x - mean) @ vt[:2].T @ vt[:2]
    drawn = frames[-1][2:66, 68 + gap + 2 : 68 + gap + 66] / 255.0
    assert np.abs(drawn - np.clip(projection.reshape(64, 64), 0, 1)).max() <= 0.5 / 255 + 1e-6
    start = frames[0][2:66, 68 + gap + 2 : 68 + gap + 66] / 255.0
    assert np.abs(start - x.reshape(64, 64)).max() <= 0.5 / 255 + 1e-6  # the same person in every panel
    # Each panel labelled beneath it: ink in the band under each, the frame's sides even for H.264.
    band = frames[0][68:]
    assert band.shape[0] >= 12 and frames[0].shape[1] == 2 * 68 + gap
    assert band[:, :68].max() > 150 and band[:, 68 + gap :].max() > 150
    assert frames[0].shape[0] % 2 == 0 and frames[0].shape[1] % 2 == 0


def test_labels_say_what_sets_the_bases_apart_or_what_the_scene_says(tmp_path, olivetti_home):
    from render.scene import load_scene

    text = ("name: three\ninputs: [{face: 0}]\ncompare:\n  bases:\n    - {filter: {emotion: sad}}\n"
            "    - {basis: {model: appearance}, label: in focus}\n")
    scene = load_scene(write_scene(tmp_path, text, "three.yaml"))
    assert [p.label for p in scene.panels] == ["happy, pixels", "sad, pixels", "in focus"]
    assert scene.panels[1].filter.model == scene.filter.model  # the keys an entry leaves out are the scene's
    assert scene.panels[2].basis.components == 2


def test_a_video_in_a_preset_frame_holds_every_panel(tmp_path, olivetti_home):
    render(tmp_path, bases="{filter: {emotion: neutral}}, {basis: {components: 6}}", size=360, out="wide",
           more=", frame: [640, 360]")
    meta, frames = mp4_frames(tmp_path / "wide" / "versus" / "face-4.mp4")
    assert frames.shape[1:] == (360, 640)
    # Three panels side by side: three separate faces across the middle row (the gaps are background).
    middle = frames[0][150].astype(int)
    faces_across = np.flatnonzero(np.diff((middle > 20).astype(int)) == 1)
    assert len(faces_across) >= 3, faces_across


def test_a_comparison_is_rendered_again_only_when_it_changes(tmp_path, olivetti_home):
    render(tmp_path)
    manifest = tmp_path / "out" / "versus" / "manifest.json"
    first = json.loads(manifest.read_text())["clips"]["face-4"]
    result = invoke(str(tmp_path / "out.yaml"))
    assert "1 skipped" in result.stderr or "up to date" in result.stderr, result.stderr
    render(tmp_path, bases="{filter: {emotion: surprise}}")
    assert json.loads(manifest.read_text())["clips"]["face-4"]["settings"] != first["settings"]


@pytest.mark.parametrize("text, says", [
    ("compare: {bases: [{filter: {emotion: happy}}]}\n", "compare.bases[0]: draws the same basis as the scene's own basis"),
    ("compare: {bases: [{filter: {emotion: sad}}, {filter: {emotion: sad}}]}\n",
     "compare.bases[1]: draws the same basis as compare.bases[0]"),
    ("compare: {bases: [{filter: {emotion: sad}}]}\nlayout: grid\n", "use layout: clips, or leave compare out"),
    ("compare: {bases: [{filter: {emotion: sad}}]}\noutput: {formats: [mp4, html]}\n", "the html viewer"),
    ("compare: {bases: []}\n", "compare.bases"),
    ("compare: {bases: [{filter: {emotion: sad}}], gap: 3}\n", "multiple of 2"),
    ("compare: {bases: [{filter: {emotion: glee}}]}\n", "compare.bases[0].filter.emotion"),
])
def test_a_comparison_that_cannot_be_drawn_is_the_scene_s_error(tmp_path, text, says):
    result = invoke(str(write_scene(tmp_path, "name: bad\ninputs: [{face: 0}]\n" + text)))
    assert result.exit_code == ExitCode.SCENE, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out").exists()


def test_a_comparison_of_a_photo_keeps_its_crop_and_names_a_basis_that_cannot_be_learnt(tmp_path, olivetti_home,
                                                                                         photos):
    import shutil

    shutil.copy(photos / "obama.jpg", tmp_path / "obama.jpg")
    scene = write_scene(tmp_path, "name: versus\ninputs: [{image: obama.jpg}]\nmorph: {levels: 3}\n"
                        "compare: {bases: [{filter: {emotion: sad}}]}\noutput: {dir: out, size: 68, formats: [frames]}\n")
    assert invoke(str(scene)).exit_code == 0
    crop = png(tmp_path / "out" / "versus" / "crops" / "obama.png")
    frame = png(tmp_path / "out" / "versus" / "frames" / "obama" / "0000.png")
    np.testing.assert_array_equal(frame[2:66, 2:66], crop)  # the crop the film starts from, as a clip keeps it
    # A basis whose filter keeps too few faces is named as the entry, at its line.
    bad = write_scene(tmp_path, "name: versus\ninputs: [{face: 0}]\ncompare:\n  bases:\n"
                      "    - {filter: {emotion: disgust, min_probability: 0.99}}\n", "bad.yaml")
    result = invoke(str(bad))
    assert result.exit_code == ExitCode.INPUT, result.stderr
    assert "bad.yaml:5: compare.bases[0] (disgust" in result.stderr, result.stderr


def test_panels_that_do_not_fit_a_short_frame_are_the_scene_s_error(tmp_path, olivetti_home):
    scene = write_scene(tmp_path, "name: versus\ninputs: [{face: 0}]\nmorph: {levels: 3}\n"
                        "compare: {bases: [{filter: {emotion: sad}}, {filter: {emotion: neutral}}]}\n"
                        "output: {dir: out, formats: [mp4], frame: [400, 24]}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.SCENE, result.stderr
    assert "leave less than 16 px a panel in a 400x24 frame" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_watch_and_the_kiosk_refuse_a_comparison(tmp_path):
    (tmp_path / "booth").mkdir()
    scene = write_scene(tmp_path, "name: versus\ninputs: [{folder: booth}]\n"
                        "compare: {bases: [{filter: {emotion: sad}}]}\n")
    result = invoke("watch", str(scene))
    assert result.exit_code == ExitCode.SCENE and "render watch makes one clip per photo" in result.stderr
    result = invoke("serve", str(scene), "--port", "18779")  # refused before it listens
    assert result.exit_code == ExitCode.SCENE, result.stderr
    assert result.stderr.strip().endswith("compare: the kiosk's page plays one basis; serve a scene without compare")


def test_a_basis_that_cannot_be_learnt_leaves_nothing_written(tmp_path, olivetti_home):
    """The other bases are learnt before any of the scene's files is written: the entry is named at its
    line, with its label, and its own key; the log says which basis each count of kept faces is for."""
    scene = write_scene(tmp_path, "name: versus\ninputs: [{face: 0}]\ncompare:\n  bases:\n"
                        "    - {filter: {emotion: disgust, min_probability: 0.99}}\noutput: {dir: out}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.INPUT
    assert "versus [disgust, p >= 0.99]: the emotion model keeps 0 of 400 faces" in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith(
        "scene.yaml:5: compare.bases[0] (disgust, p >= 0.99): filter: the filter kept 0 face(s) as 'disgust' "
        "(min_probability 0.99); a basis needs at least 2: lower filter.min_probability, choose another emotion")
    assert not (tmp_path / "out").exists()
