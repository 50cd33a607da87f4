"""The kiosk's HTTP interface on a real server (uvicorn on 127.0.0.1): visitors' photos in, their
projection and readout at once, their films in the background; bad uploads answered with a 4xx and
one sentence, the server serving on."""

from __future__ import annotations

import base64
import contextlib
import io
import json

import numpy as np
import pytest

from conftest import tinted_folder, write_scene
from mediafiles import mp4_frames, paced, png
from render.film.compose import Canvas

from servers import kiosk, wait_done

httpx = pytest.importorskip("httpx", reason="pip install httpx (the dev extras)")
pytestmark = pytest.mark.slow

LEVELS = 20
SCENE = (f"name: booth\nmorph: {{levels: {LEVELS}}}\n"
         "output: {dir: out, size: 128, formats: [mp4, frames, readout]}\n"
         "serve: {max_upload_mb: 2}\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory, olivetti_home, isolated_cache):
    folder = tmp_path_factory.mktemp("kiosk")
    with kiosk(write_scene(folder, SCENE), isolated_cache) as (base, process):
        yield base, folder / "out" / "booth", folder


def floats(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), "<f4")


def post(base: str, data: bytes, name: str = "photo.jpg", field: str = "photo", headers: dict | None = None):
    return httpx.post(f"{base}/api/visitors", files={field: (name, data, "image/jpeg")}, headers=headers or {},
                      timeout=60)


@pytest.mark.parametrize("photo", ["obama.jpg", "biden.jpg", "two_people.jpg", "speaker_rgba.png",
                                   "obama_partial_face.jpg"])
def test_a_face_gives_its_projection_and_readout_then_a_film_that_decodes(server, photos, photo):
    base, folder, _ = server
    answer = post(base, (photos / photo).read_bytes(), photo)
    assert answer.status_code == 201, answer.text
    reply = answer.json()
    face, projection = floats(reply["face"]), floats(reply["projection"])
    assert reply["size"] == [64, 64] and face.size == projection.size == 64 * 64
    assert len(reply["weights"]) == LEVELS and reply["weights"][0] == 0 and reply["weights"][-1] == 1
    levels = np.array(reply["readout"]["levels"])
    assert levels.shape == (LEVELS, 7) and np.allclose(levels.sum(axis=1), 1, atol=1e-4)
    # The projection is the face's reconstruction on the basis the page is given: mean + sum c_i * component_i.
    viewer = reply["viewer"]
    mean, components = floats(viewer["mean"]), [floats(c) for c in viewer["components"]]
    rebuilt = mean + sum(c * comp for c, comp in zip(reply["coefficients"], components))
    np.testing.assert_allclose(projection, rebuilt, atol=1e-5)
    assert viewer["readout"] == pytest.approx(levels[:, 3].tolist(), abs=1e-6)  # happy's column, per level

    state = wait_done(base, reply["id"])
    assert state["state"] == "done", state
    name = f"visitor-{reply['id']}"
    film = httpx.get(base + state["files"][f"{name}.mp4"])
    assert film.status_code == 200
    (folder.parent / f"{name}.mp4").write_bytes(film.content)
    _, frames = mp4_frames(folder.parent / f"{name}.mp4")
    assert len(frames) == len(paced(LEVELS))
    # The film's first PNG frame is the face the page was given, composed as every film is.
    expected = Canvas(2, 0.0, 128)(face.reshape(64, 64))
    np.testing.assert_array_equal(png(folder / "frames" / name / "0000.png"), expected)
    # Recorded in the visitors' registry (SQLite), not in the batch's manifest.json
    import sqlite3

    with contextlib.closing(sqlite3.connect(folder / "visitors.db")) as db:
        state_, files = db.execute("SELECT state, files FROM visitors WHERE id = ?", (reply["id"],)).fetchone()
    assert state_ == "done" and f"{name}.mp4" in json.loads(files)
    assert not (folder / "manifest.json").exists() or name not in json.loads((folder / "manifest.json").read_text())["clips"]
    assert (folder / "crops" / f"{name}.png").is_file()  # keep: crops (the default)


def _jpeg_of(pixels: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG")
    return out.getvalue()


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _bad_uploads(photos):
    from PIL import Image

    noise = _jpeg_of((np.random.default_rng(1).random((300, 400)) * 255).astype(np.uint8))
    big = io.BytesIO()
    Image.new("L", (8000, 7000), 128).save(big, format="PNG")  # 56 megapixels, a small file
    whole = (photos / "obama.jpg").read_bytes()
    return {
        "no face": (noise, 422, "no face found in the photo: step closer and face the camera"),
        "truncated JPEG": (whole[: len(whole) // 3], 422, "damaged or truncated"),
        "a text file": (b"hello, this is not a photo\n", 415, "not a JPEG or PNG photo"),
        "over the pixel limit": (big.getvalue(), 422, "over the 16-megapixel limit"),
        "a thin strip": (_png(Image.new("L", (1, 40000), 128)), 422, "too small or too thin to hold a face"),
        "a huge body": (b"\xff\xd8\xff" + bytes(3_000_000), 413, "over the 2 MB limit"),
    }


@pytest.mark.parametrize("case", ["no face", "truncated JPEG", "a text file", "over the pixel limit", "a huge body",
                                  "a thin strip"])
def test_a_bad_upload_gets_its_4xx_and_one_sentence(server, photos, case):
    base, _, _ = server
    data, status, words = _bad_uploads(photos)[case]
    answer = post(base, data)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert words in error and "\n" not in error and "Traceback" not in error
    assert httpx.get(f"{base}/healthz").status_code == 200


def test_requests_without_a_photo_are_told_what_to_send(server):
    base, _, _ = server
    empty = httpx.post(f"{base}/api/visitors", headers={"Content-Type": "multipart/form-data; boundary=x"}, content=b"")
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    other = post(base, b"\xff\xd8\xff", field="picture")
    assert other.status_code == 400 and "no field named 'photo'" in other.json()["error"]
    plain = httpx.post(f"{base}/api/visitors", json={"photo": "x"})
    assert plain.status_code == 400 and "multipart/form-data" in plain.json()["error"]


def test_the_server_serves_on_after_bad_uploads(server, photos):
    base, _, _ = server
    for data, _, _ in _bad_uploads(photos).values():
        post(base, data)
    assert post(base, (photos / "obama.jpg").read_bytes()).status_code == 201


def test_files_are_only_those_a_visitor_has(server, photos):
    base, folder, _ = server
    reply = post(base, (photos / "obama.jpg").read_bytes()).json()
    wait_done(base, reply["id"])
    for path in ("manifest.json", "../manifest.json", "..%2F..%2Fmanifest.json", "frames", "visitor-x.mp4"):
        assert httpx.get(f"{base}/api/visitors/{reply['id']}/{path}").status_code == 404, path
    assert httpx.get(f"{base}/api/visitors/0123456789abcdef").status_code == 404
    assert httpx.get(f"{base}/api/visitors/{reply['id']}/qr.svg").text.lstrip().startswith("<svg")


def test_delete_removes_everything_kept_of_a_visitor(server, photos):
    base, folder, _ = server
    reply = post(base, (photos / "biden.jpg").read_bytes()).json()
    state = wait_done(base, reply["id"])
    name = f"visitor-{reply['id']}"
    assert (folder / f"{name}.mp4").is_file() and (folder / "crops" / f"{name}.png").is_file()
    assert httpx.delete(f"{base}/api/visitors/{reply['id']}").status_code == 204
    assert not [p for p in folder.rglob(f"*{name}*")], "files of the deleted visitor remain"
    with contextlib.closing(__import__("sqlite3").connect(folder / "visitors.db")) as db:
        assert db.execute("SELECT COUNT(*) FROM visitors WHERE id = ?", (reply["id"],)).fetchone() == (0,)
    assert not list((folder / "pending").iterdir())  # nor the face kept for the film
    assert httpx.get(f"{base}/api/visitors/{reply['id']}").status_code == 404
    assert all(httpx.get(base + url).status_code == 404 for url in state["files"].values())


def test_the_photo_itself_is_never_written(server, photos):
    base, folder, _ = server
    data = (photos / "two_people.jpg").read_bytes()
    wait_done(base, post(base, data).json()["id"])
    assert not any(p.read_bytes() == data for p in folder.parent.rglob("*") if p.is_file())


def test_a_token_guards_the_api_and_keep_photos_keeps_them(tmp_path, olivetti_home, isolated_cache, photos):
    scene = write_scene(tmp_path, SCENE.replace("serve: {max_upload_mb: 2}", "serve: {keep: photos}"))
    with kiosk(scene, isolated_cache, "--token", "s3cret") as (base, _):
        data = (photos / "obama.jpg").read_bytes()
        refused = post(base, data)
        assert refused.status_code == 401 and "token" in refused.json()["error"]
        assert post(base, data, headers={"Authorization": "Bearer wrong"}).status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        assert post(base, data, headers={"Authorization": "s3cret"}).status_code == 401  # no scheme
        reply = post(base, data, headers={"Authorization": "bearer s3cret"}).json()  # the scheme in any case
        state = wait_done(base, reply["id"], auth)
        assert httpx.get(f"{base}/api/visitors/{reply['id']}").status_code == 401
        # The film and its QR code need no token: the phone that scans the code fetches the film.
        assert httpx.get(state["links"]["film"]).status_code == 200
        assert httpx.get(f"{base}/api/visitors/{reply['id']}/qr.svg").status_code == 200
        kept = tmp_path / "out" / "booth" / "photos" / f"visitor-{reply['id']}.jpg"
        from PIL import Image

        with Image.open(io.BytesIO(data)) as sent, Image.open(kept) as stored:
            assert np.array_equal(np.asarray(sent), np.asarray(stored))  # the photo itself, untouched
            assert "xmp" in sent.info and "photoshop" in sent.info and not {"xmp", "photoshop"} & set(stored.info)
            assert dict(stored.getexif()) == dict(sent.getexif())  # its EXIF kept (it has no GPS block)
        # A phone's photo with where it was taken: kept without the GPS block, its orientation kept.
        exif = Image.open(io.BytesIO(data)).getexif()
        exif[0x0112] = 1
        exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.5), 3: "E", 4: (2.0, 17.0, 40.0)})
        located = io.BytesIO()
        Image.open(io.BytesIO(data)).save(located, "JPEG", exif=exif, quality=90)
        second = post(base, located.getvalue(), headers=auth).json()
        with Image.open(tmp_path / "out" / "booth" / "photos" / f"visitor-{second['id']}.jpg") as stored:
            assert stored.getexif().get_ifd(0x8825) == {} and stored.getexif()[0x0112] == 1
            assert np.array_equal(np.asarray(stored), np.asarray(Image.open(located)))
        assert httpx.get(f"{base}/healthz").status_code == 200  # the health check needs no token
    log = scene.with_suffix(".log").read_text()
    assert "http://127.0.0.1:" in log and "reachable from other machines" not in log
    assert "stopping: the films in progress are finished first" in log and "interrupted" not in log, log


def test_visitors_arriving_at_once_are_each_answered(server, photos):
    """Eight uploads at a time, good and bad mixed: each gets its answer (the face detector is not
    thread-safe: unguarded, this crashed the server), and every film is made."""
    from concurrent.futures import ThreadPoolExecutor

    base, _, _ = server
    uploads = [(photos / n).read_bytes() for n in ("obama.jpg", "biden.jpg", "two_people.jpg")] + [b"nope"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda data: post(base, data), uploads * 4))
    assert [a.status_code for a in answers] == [201, 201, 201, 415] * 4
    for answer in answers[:3]:
        assert wait_done(base, answer.json()["id"])["state"] == "done"
    assert httpx.get(f"{base}/healthz").status_code == 200


def test_requests_the_kiosk_does_not_expect_get_a_json_4xx(server):
    base, _, _ = server
    long = httpx.post(f"{base}/api/visitors", content=b"x",
                      headers={"Content-Type": "multipart/form-data; boundary=" + "B" * 257})
    assert long.status_code == 400 and "multipart/form-data" in long.json()["error"]
    for method, path, status in (("GET", "/api/visitors", 405), ("PUT", "/api/visitors/0123456789abcdef", 405),
                                 ("GET", "/api/nothing", 404)):
        answer = httpx.request(method, base + path)
        assert answer.status_code == status and "error" in answer.json(), (method, path, answer.text)
    foreign = httpx.get(f"{base}/healthz", headers={"Host": "evil.example:666"})
    assert foreign.status_code == 400 and "Invalid host header" in foreign.text  # Starlette's TrustedHostMiddleware
    elsewhere = post(base, b"\xff\xd8\xff", headers={"Origin": "http://evil.example"})
    assert elsewhere.status_code == 403 and "other sites" in elsewhere.json()["error"]


def one_visitor(scene, cache, photo) -> dict:
    """A real kiosk of ``scene``: one visitor's photo posted, its answer (201), once their film is done."""
    with kiosk(scene, cache) as (base, _):
        answer = post(base, photo.read_bytes())
        assert answer.status_code == 201, answer.text
        reply = answer.json()
        state = wait_done(base, reply["id"])
        assert state["state"] == "done", state
    return reply


def test_the_kiosk_plays_the_appearance_basis(tmp_path, olivetti_home, isolated_cache, photos):
    """A visitor on the appearance basis: the page is given the morph's shapes, the projection is the
    texture drawn in its shape, and the film ends on it."""
    scene = write_scene(tmp_path, "name: shaped\nbasis: {model: appearance}\nmorph: {levels: 6}\n"
                                  "output: {dir: out, size: 68, formats: [mp4, frames]}\n")
    reply = one_visitor(scene, isolated_cache, photos / "obama.jpg")
    shapes = reply["viewer"]["shapes"]
    assert len(shapes["start"]) == len(shapes["end"]) == 2 * (468 + 16) and len(shapes["triangles"]) % 3 == 0
    assert len(reply["coefficients"]) == 4 and len(reply["viewer"]["spread"]) == 4
    frames = tmp_path / "out" / "shaped" / "frames" / f"visitor-{reply['id']}"
    face, projection = floats(reply["face"]).reshape(64, 64), floats(reply["projection"]).reshape(64, 64)
    np.testing.assert_array_equal(png(frames / "0000.png"), Canvas(2, 0.0, 68)(face))
    assert np.abs(png(frames / "0005.png").astype(int) - Canvas(2, 0.0, 68)(projection)).max() <= 1
    assert np.abs(projection - face).mean() > 0.02


def test_the_kiosk_plays_a_colour_basis(tmp_path, olivetti_home, isolated_cache, photos, faces):
    """A colour folder dataset at the kiosk: the visitor's photo is read and framed in colour, the page
    is given RGB arrays, and the film is in colour, starting on the face it was given."""
    from PIL import Image

    tinted_folder(tmp_path / "people", faces)
    scene = write_scene(tmp_path, "name: tinted\ndataset: {folder: people, color: true, size: 64}\n"
                                  "morph: {levels: 4}\noutput: {dir: out, size: 68, formats: [mp4, frames]}\n")
    reply = one_visitor(scene, isolated_cache, photos / "obama.jpg")
    assert reply["size"] == [64, 64, 3] and reply["viewer"]["channels"] == 3
    face = floats(reply["face"]).reshape(64, 64, 3)
    red, green, blue = face[16:48, 16:48].reshape(-1, 3).mean(axis=0)
    assert red > green > blue  # the visitor's own skin, not gray
    with Image.open(tmp_path / "out" / "tinted" / "frames" / f"visitor-{reply['id']}" / "0000.png") as first:
        assert first.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(first), Canvas(2, 0.0, 68)(face))
