"""Colour and size for folder datasets: ``dataset: {folder, color: true, size: N}``. A folder of tinted
faces (Olivetti's, each person's photo tinted one of four colours) and a colour photo, rendered for real:
the basis, the films and the stills in colour at the dataset's size; the emotion model reads gray."""

from __future__ import annotations

import csv
import shutil
import subprocess

import cv2
import numpy as np
import pytest
from PIL import Image

from conftest import TINTS, invoke, tinted_folder, write_scene
from render.errors import ExitCode

SIDE = 96  #: the dataset's size in the scene
SCENE = ("name: tinted\ndataset: {{folder: people, color: true, size: 96}}\n{basis}"
         "inputs: [{{face: 0}}, {{image: obama.jpg}}]\nmorph: {{levels: 6, padding: 2}}\n"
         "output: {{dir: {out}, size: 200, formats: [mp4, gif, webp, frames, stills]}}\n")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, faces, photos, olivetti_home):
    """The tinted folder and the scene's outputs (rendered once for the module)."""
    root = tmp_path_factory.mktemp("colour")
    tinted_folder(root / "people", faces)
    shutil.copy(photos / "obama.jpg", root / "obama.jpg")
    result = invoke(str(write_scene(root, SCENE.format(basis="", out="out"), "tinted.yaml")))
    assert result.exit_code == 0, result.stderr
    return root, root / "out" / "tinted"


def rgb(path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.mode == "RGB", f"{path} is {image.mode}"
        return np.asarray(image).astype(np.float64)


def decoded_rgb(path) -> np.ndarray:
    """A video's frames as RGB, converted back with the matrix it is tagged with, rounded accurately."""
    import imageio_ffmpeg

    probe = imageio_ffmpeg.read_frames(str(path))
    width, height = next(probe)["size"]
    probe.close()
    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-vf",
                          "scale=in_color_matrix=bt709:in_range=tv:flags=accurate_rnd+full_chroma_int+bitexact",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, height, width, 3).astype(np.float64)


def cast(image: np.ndarray) -> np.ndarray:
    """An image's colour, as its channels' means over the middle, divided by their largest."""
    side = image.shape[0]
    middle = image[side // 4 : -side // 4, side // 4 : -side // 4].reshape(-1, 3).mean(axis=0)
    return middle / middle.max()


def test_the_basis_and_its_stills_are_in_colour_at_the_dataset_s_size(rendered):
    _, out = rendered
    rows = list(csv.DictReader((out / "emotions.csv").open()))
    kept = [r["source"] for r in rows if r["kept"] == "1"]
    assert len(kept) >= 3
    # The mean face's colour is the kept faces' tints averaged.
    expected = np.mean([TINTS[int(source[4])] for source in kept], axis=0)
    np.testing.assert_allclose(cast(rgb(out / "stills" / "mean.png")), expected / expected.max(), atol=0.04)
    # The kept faces' sheet tiles the faces at the dataset's size and the padding (96 + 2 x 2).
    sheet = rgb(out / "stills" / "kept-faces.png")
    columns = int(np.ceil(np.sqrt(len(kept))))
    assert sheet.shape[1] == columns * (SIDE + 4)
    assert (out / "stills" / "component-1.png").exists()


def test_films_are_in_colour_and_faithful_in_every_format(rendered):
    _, out = rendered
    rows = list(csv.DictReader((out / "emotions.csv").open()))
    first = next(r["source"] for r in rows if r["kept"] == "1")  # kept face 0
    frames = [rgb(p) for p in sorted((out / "frames" / "face-0").glob("*.png"))]
    assert len(frames) == 6 and frames[0].shape == (200, 200, 3)
    tint = np.array(TINTS[int(first[4])])
    np.testing.assert_allclose(cast(frames[0]), tint / tint.max(), atol=0.05)  # the person, in their colour
    # The MP4 as tagged (BT.709, limited range): within a fraction of a level of the PNG frames in
    # every channel (a wrong matrix shifts a tinted face's channels apart by several levels).
    video = decoded_rgb(out / "face-0.mp4")
    error = video[0] - frames[0]
    assert np.abs(error.reshape(-1, 3).mean(axis=0)).max() < 0.5, error.reshape(-1, 3).mean(axis=0)
    assert 10 * np.log10(255**2 / (error**2).mean()) > 42
    # The lossy WebP, coded with the BT.601 matrix its decoders use (libwebp, through Pillow here).
    with Image.open(out / "face-0.webp") as webp:
        webp.seek(0)
        error = np.asarray(webp.convert("RGB")).astype(np.float64) - frames[0]
    assert np.abs(error.reshape(-1, 3).mean(axis=0)).max() < 1.0, error.reshape(-1, 3).mean(axis=0)
    # The GIF: the colour cube, dithered; seen through a blur (as the eye averages a dither), the frame.
    with Image.open(out / "face-0.gif") as gif:
        gif.seek(0)
        shown = np.asarray(gif.convert("RGB")).astype(np.float64)
    small = cv2.resize(frames[0], shown.shape[1::-1], interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(shown, (0, 0), 2) - cv2.GaussianBlur(small, (0, 0), 2)
    assert 10 * np.log10(255**2 / (blur**2).mean()) > 38
    face = shown[50:150, 50:150]
    assert (face[..., 0] != face[..., 2]).mean() > 0.5  # colours, not a gray ramp


def test_a_photo_input_is_cut_in_colour_on_a_colour_basis(rendered):
    _, out = rendered
    crop = rgb(out / "crops" / "obama.png")
    assert crop.shape == (SIDE, SIDE, 3)
    # The crop keeps the photo's warm skin: red over green over blue, well apart.
    red, green, blue = cast(crop)
    assert red > green + 0.05 > blue + 0.1, cast(crop)
    # Matched to the kept faces' contrast as each face's is measured: over its pixels, every channel of
    # them (the kept faces read back from their sheet, inside each tile's padding).
    sheet = rgb(out / "stills" / "kept-faces.png")
    kept = sum(r["kept"] == "1" for r in csv.DictReader((out / "emotions.csv").open()))
    columns, tile = int(np.ceil(np.sqrt(kept))), SIDE + 4
    faces = [sheet[r * tile + 2 : r * tile + 2 + SIDE, c * tile + 2 : c * tile + 2 + SIDE]
             for r, c in (divmod(i, columns) for i in range(kept))]
    assert crop.std() == pytest.approx(np.mean([f.std() for f in faces]), rel=0.03)
    first = rgb(out / "frames" / "obama" / "0000.png")
    assert cast(first)[2] < 0.9  # not gray


def test_the_emotion_model_reads_a_colour_face_as_its_gray(emotion_model, faces):
    from render.faces.photo import luma

    tinted = np.clip(faces.images[:6, ..., None] * np.array(TINTS[0], np.float32), 0, 1).astype(np.float32)
    np.testing.assert_array_equal(emotion_model.preprocess(tinted), emotion_model.preprocess(luma(tinted)))
    assert luma(tinted).shape == (6, 64, 64)


def test_the_appearance_basis_in_colour(rendered):
    root, _ = rendered
    result = invoke(str(write_scene(root, SCENE.format(basis="basis: {model: appearance}\n", out="shaped"),
                                    "shaped.yaml")))
    assert result.exit_code == 0, result.stderr
    frames = [rgb(p) for p in sorted((root / "shaped" / "tinted" / "frames" / "face-0").glob("*.png"))]
    assert len(frames) == 6
    plain = [rgb(p) for p in sorted((root / "out" / "tinted" / "frames" / "face-0").glob("*.png"))]
    np.testing.assert_array_equal(frames[0], plain[0])  # the same person at level 0
    assert np.abs(frames[-1] - plain[-1]).mean() > 1.0  # another projection: shape apart from texture
    np.testing.assert_allclose(cast(frames[-1]), cast(plain[-1]), atol=0.05)  # in the same colours


@pytest.mark.parametrize("text, says", [
    ("dataset: {folder: people, size: 300}\n", "dataset.size"),
    ("dataset: {folder: people, size: 65}\n", "multiple of 2"),
    ("dataset: {folder: people, color: 'yes'}\n", "dataset.color"),
    ("dataset: {folder: people, color: true}\ncompare: {bases: [{dataset: olivetti}]}\n",
     "the panels' datasets differ in colour or size"),
])
def test_a_colour_scene_that_cannot_be_drawn_is_the_scene_s_error(tmp_path, text, says):
    (tmp_path / "people").mkdir()
    result = invoke(str(write_scene(tmp_path, "name: bad\ninputs: [{face: 0}]\n" + text)))
    assert result.exit_code == ExitCode.SCENE, result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_detail_layouts_and_comparisons_work_in_colour(rendered):
    """``morph.detail: photo`` (the first frame the photo's own colour crop, sharper), a grid, a
    transparent playlist and a comparison, each from the colour folder."""
    root, out = rendered
    scenes = {
        "detail": "inputs: [{image: obama.jpg}]\nmorph: {levels: 4, detail: photo}\n"
                  "output: {dir: detail, size: 200, formats: [frames]}\n",
        "shaped-detail": "basis: {model: appearance}\ninputs: [{image: obama.jpg}]\nmorph: {levels: 4, detail: photo}\n"
                         "output: {dir: shaped-detail, size: 200, formats: [frames]}\n",
        "grid": "inputs: [{face: all}]\nlayout: grid\nmorph: {levels: 3}\noutput: {dir: grid, size: 200, formats: [frames, gif]}\n",
        "playlist": "inputs: [{face: 0}, {face: 1}]\nlayout: playlist\nmorph: {levels: 3}\n"
                    "output: {dir: playlist, size: 200, formats: [webm, frames], background: transparent}\n",
        "compare": "inputs: [{face: 0}]\ncompare: {bases: [{filter: {emotion: neutral}}]}\nmorph: {levels: 3}\n"
                   "output: {dir: compare, size: 200, formats: [mp4, frames]}\n",
    }
    for label, text in scenes.items():
        scene = write_scene(root, "name: tinted\ndataset: {folder: people, color: true, size: 96}\n" + text, f"{label}.yaml")
        result = invoke(str(scene))
        assert result.exit_code == 0, (label, result.stderr)
    sharp = rgb(root / "detail" / "tinted" / "frames" / "obama" / "0000.png")
    soft = rgb(out / "frames" / "obama" / "0000.png")
    assert cv2.Laplacian(sharp, cv2.CV_64F).var() > 2 * cv2.Laplacian(soft, cv2.CV_64F).var()
    np.testing.assert_allclose(cast(sharp), cast(soft), atol=0.03)  # the same colours, finer
    shaped = [rgb(p) for p in sorted((root / "shaped-detail" / "tinted" / "frames" / "obama").glob("*.png"))]
    np.testing.assert_array_equal(shaped[0], sharp)  # the same first frame on either basis
    assert rgb(root / "grid" / "tinted" / "frames" / "grid" / "0000.png").shape[2] == 3
    with Image.open(root / "playlist" / "tinted" / "frames" / "playlist" / "0000.png") as frame:
        assert frame.mode == "RGBA" and np.asarray(frame)[0, 0, 3] == 0  # see-through padding, in colour
    assert rgb(root / "compare" / "tinted" / "frames" / "face-0" / "0000.png").shape[1] == 2 * 200 + 8
