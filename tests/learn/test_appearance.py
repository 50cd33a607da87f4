"""The appearance basis (``basis.model: appearance``): the warp, the shape and texture PCA checked
against a PCA computed here, faces without landmarks, and the projection's sharpness on real renders."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import invoke, write_scene
from mediafiles import png
from render.faces.mesh import FaceMesh
from render.ground.morph import Morph
from render.ground.warp import frame_points, warp
from render.learn.appearance import AppearanceBasis


@pytest.fixture(scope="module")
def fitted(faces):
    sample = faces.images[::10]  # 40 faces, one a person
    return sample, AppearanceBasis(2).fit(sample)


def test_a_warp_between_the_same_points_gives_the_image_back_and_an_affine_move_is_cv2s(faces):
    import cv2
    from scipy.spatial import Delaunay

    face = faces.images[7]
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.uniform(8, 56, (30, 2)), frame_points(64, 64)])
    triangles = Delaunay(points).simplices
    np.testing.assert_array_equal(warp(face, points, points, triangles), face)
    # Every point moved by one affine map: the warp is that map, as OpenCV draws it (cubic).
    matrix = np.array([[0.95, 0.08, 2.5], [-0.06, 1.03, -1.75]])
    moved = points @ matrix[:, :2].T + matrix[:, 2]
    ours = warp(face, points, moved, triangles)
    theirs = cv2.warpAffine(face, matrix, (64, 64), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    inner = np.s_[6:-6, 6:-6]
    assert np.abs(ours[inner] - theirs[inner]).max() < 0.02  # OpenCV reads at 1/32 pixel, we in doubles
    assert np.abs(ours[inner] - face[inner]).mean() > 0.02  # and it did move


def test_a_projection_is_the_texture_and_shape_pca_computed_here(fitted):
    """Shape PCA and texture PCA by numpy's SVD over the same landmarks and the same warps: the basis's
    projection of a face is its projected texture drawn in its projected shape."""
    faces, basis = fitted
    shapes = np.clip(basis.shapes_, basis.frame_.min(axis=0) + 1, basis.frame_.max(axis=0) - 1)
    flat = shapes.reshape(len(shapes), -1)
    mean_shape = flat.mean(axis=0)
    shape_modes = np.linalg.svd(flat - mean_shape, full_matrices=False)[2][:2]
    with_frame = lambda shape: np.concatenate([shape.reshape(-1, 2), basis.frame_])  # noqa: E731
    np.testing.assert_allclose(basis.mean_shape_.ravel(), mean_shape, atol=1e-4)
    textures = np.stack([warp(face, with_frame(s), with_frame(mean_shape), basis.triangles_).ravel()
                         for face, s in zip(faces, shapes)]).astype(np.float64)
    mean_texture = textures.mean(axis=0)
    texture_modes = np.linalg.svd(textures - mean_texture, full_matrices=False)[2][:2]
    for i in (0, 17, 33):
        shape = mean_shape + (flat[i] - mean_shape) @ shape_modes.T @ shape_modes
        texture = mean_texture + (textures[i] - mean_texture) @ texture_modes.T @ texture_modes
        expected = warp(texture.reshape(64, 64), with_frame(mean_shape), with_frame(shape), basis.triangles_)
        ours = basis.projection(faces[i], basis.shapes_[i])
        assert np.abs(ours - expected).max() < 2e-3, i
        assert np.abs(ours - faces[i]).mean() > 0.02  # a projection, not the face


def test_the_morph_moves_shape_and_texture_from_the_face_to_its_projection(fitted):
    faces, basis = fitted
    spec = type("Spec", (), {"target": "projection", "easing": "linear", "levels": 5, "amount": 1.0})
    morph = Morph.of(faces[5], basis, spec)
    np.testing.assert_array_equal(morph.frame(0), faces[5])
    np.testing.assert_allclose(morph.frame(4), basis.projection(faces[5], basis.shape(faces[5])), atol=1e-6)
    middle = morph.frame(2)
    assert 0.02 < np.abs(middle - faces[5]).mean() < np.abs(morph.frame(4) - faces[5]).mean()


def test_a_face_without_landmarks_is_named_and_left_out(faces, tmp_path):
    gray = np.full((1, 64, 64), 0.5, np.float32)
    with_blank = np.concatenate([faces.images[:6], gray, faces.images[6:12]])
    basis = AppearanceBasis(2).fit(with_blank)
    assert basis.left_out_.tolist() == [6] and len(basis.shapes_) == 12
    assert FaceMesh().shape(gray[0])[1] < 0.01
    with pytest.raises(Exception, match="the face mesh finds no landmarks in this face"):
        basis.ends(gray[0], "projection")


def test_face_all_passes_over_the_faces_the_basis_left_out_and_a_named_one_still_fails_alone(faces, tmp_path):
    from render.faces.subjects import resolve_subjects
    from render.scene import load_scene

    gray = np.full((1, 64, 64), 0.5, np.float32)
    kept = np.concatenate([faces.images[:3], gray, faces.images[3:5]])
    left_out = frozenset(int(i) for i in AppearanceBasis(2).fit(kept).state()["left_out"])
    assert left_out == {3}
    scene = load_scene(write_scene(tmp_path, "name: all\nbasis: {model: appearance}\n"
                                             "inputs: [{face: all}, {face: 3}]\noutput: {dir: out}\n"))
    subjects, failures = resolve_subjects(scene, kept, left_out)
    assert [s.name for s in subjects] == ["face-0", "face-1", "face-2", "face-4", "face-5", "face-3"]
    assert failures == []  # the named face is a clip: its morph fails alone, as the next test shows


def test_an_input_without_landmarks_fails_alone_and_is_named(tmp_path, olivetti_home):
    from render.cache import Cache, default_cache_dir
    from render.faces.subjects import Subject
    from render.ground.console import Console
    from render.learn.learnt import learn
    from render.run.plan import morphs_of
    from render.scene import load_scene

    scene = load_scene(write_scene(tmp_path, "name: walls\nbasis: {model: appearance}\nmorph: {levels: 3}\n"
                                             "inputs: [{face: 2}]\noutput: {dir: out, formats: [frames]}\n"))
    learnt = learn(scene, Cache(default_cache_dir()), Console(quiet=True))
    wall = Subject("wall", np.full((64, 64), 0.5, np.float32), source="a gray wall")
    failures: list[str] = []
    morphs = morphs_of([Subject("face-2", learnt.kept[2]), wall], learnt, scene, failures)
    assert list(morphs) == ["face-2"] and len(morphs["face-2"]) == 3
    assert len(failures) == 1 and "wall (a gray wall): the face mesh finds no landmarks" in failures[0]
    assert "scene.yaml" in failures[0]


def test_the_stills_show_each_shape_mode_and_texture_mode(tmp_path, olivetti_home):
    stills = write_scene(tmp_path, "name: stills\nbasis: {model: appearance}\nmorph: {levels: 2}\n"
                                   "inputs: [{face: 0}]\noutput: {dir: out, formats: [stills], size: 96}\n", "stills.yaml")
    assert invoke(str(stills)).exit_code == 0
    names = {p.name for p in (tmp_path / "out" / "stills" / "stills").iterdir()}
    assert {"mean.png", "component-1-shape.png", "component-1-texture.png", "component-2-shape.png",
            "reconstructions.png"} <= names
    assert png(tmp_path / "out" / "stills" / "stills" / "component-1-shape.png").shape == (96, 3 * 96)


def _sharpness(frames, inset: float = 0.15) -> float:
    """Laplacian variance of the last frame over the first's (the person's), in the middle of the face."""
    import cv2

    first, last = (png(frames / f"{k:04d}.png").astype(np.float64) / 255 for k in (0, 1))
    cut = int(first.shape[0] * inset)
    inner = np.s_[cut:-cut, cut:-cut]
    return cv2.Laplacian(last[inner], cv2.CV_64F).var() / cv2.Laplacian(first[inner], cv2.CV_64F).var()


def test_the_appearance_projection_is_twice_as_sharp_as_the_pixel_one(tmp_path, olivetti_home):
    """Rendered at the faces' own size (64 px and the padding), the projection of each of 24 kept faces
    keeps at least twice the detail of the pixel basis's projection of the same face (median ratio)."""
    inputs = "[" + ", ".join(f"{{face: {i}}}" for i in range(0, 168, 7)) + "]"
    for model in ("pixels", "appearance"):
        scene = write_scene(tmp_path, f"name: {model}\nbasis: {{model: {model}}}\nmorph: {{levels: 2}}\n"
                                      f"inputs: {inputs}\noutput: {{dir: out, formats: [frames], size: 68}}\n", f"{model}.yaml")
        result = invoke(str(scene))
        assert result.exit_code == 0, result.stderr
    out = tmp_path / "out"
    ratios = [_sharpness(out / "appearance" / "frames" / face.name) / _sharpness(out / "pixels" / "frames" / face.name)
              for face in sorted((out / "pixels" / "frames").iterdir())]
    assert len(ratios) == 24
    assert np.median(ratios) >= 2.0, sorted(ratios)
