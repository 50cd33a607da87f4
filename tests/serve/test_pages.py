"""The kiosk's pages on a real server, over HTTP: the words from the scene, where the QR codes lead
(serve.public_url, the machine's address on its network, or this machine only, said so), the
visitor's film page on their phone with the film served as phones' players need it (byte ranges,
ETag, Last-Modified), deleting from it, and the wall's list, which never holds a visitor who chose
nothing, was deleted, or an id."""

from __future__ import annotations

import io
import re
import socket
import time
from urllib.parse import urlsplit

import pytest
import segno

from conftest import invoke, write_scene
from render.errors import ExitCode

from servers import kiosk, wait_done

httpx = pytest.importorskip("httpx", reason="pip install httpx (the dev extras)")
pytestmark = pytest.mark.slow

SCENE = ("name: booth\ntitle: Les visages heureux & nous\ndescription: Un visage, dessiné vers le visage heureux.\n"
         "morph: {levels: 12}\noutput: {dir: out, size: 64, formats: [mp4, gif]}\n"
         "serve: {retention: 30d, texts: {begin: Touchez l'écran pour commencer, delete: Supprimer mon film}}\n")


def post(base: str, photo: bytes, consent: str = "film", headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{base}/api/visitors", files={"photo": ("p.jpg", photo, "image/jpeg")},
                      data={"consent": consent}, headers=headers or {}, timeout=60)


@pytest.fixture(scope="module")
def booth(tmp_path_factory, olivetti_home, isolated_cache):
    folder = tmp_path_factory.mktemp("pages")
    scene = write_scene(folder, SCENE)
    with kiosk(scene, isolated_cache) as (base, _):
        yield base, scene


def test_the_pages_words_come_from_the_scene(booth):
    base, scene = booth
    config = httpx.get(f"{base}/api/kiosk").json()
    assert config["title"] == "Les visages heureux & nous"
    assert config["description"] == "Un visage, dessiné vers le visage heureux."
    assert config["texts"]["begin"] == "Touchez l'écran pour commencer"
    assert config["texts"]["keep_film"] == "Keep my film"  # the rest in English
    assert "kept for 30 days" in config["notice"] and "never stored" in config["notice"]
    assert config["local_only"] is True  # served on loopback: said by the page and the start line
    assert {"face", "target", "mean", "components", "weights"} <= set(config["attract"])
    page = httpx.get(f"{base}/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert httpx.get(f"{base}/kiosk.css").headers["content-type"].startswith("text/css")
    assert "the QR codes work only on this machine" in scene.with_suffix(".log").read_text()


def test_a_visitors_film_page_plays_their_film_as_phones_need_it(booth, photos):
    base, _ = booth
    reply = post(base, (photos / "obama.jpg").read_bytes()).json()
    state = wait_done(base, reply["id"])
    links = state["links"]
    assert links["page"] == f"{base}/f/{reply['id']}"
    # The QR code leads to the film page, not to the bare file.
    qr = httpx.get(links["qr"]).text
    expected = io.BytesIO()
    segno.make(links["page"], error="m").save(expected, kind="svg", scale=8, border=2, xmldecl=False)
    assert qr == expected.getvalue().decode()

    page = httpx.get(links["page"])
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert "<h1>Les visages heureux &amp; nous</h1>" in page.text  # the scene's words, escaped
    assert f'<video src="{links["film"]}"' in page.text and "Supprimer mon film" in page.text
    assert links["film"].endswith(".mp4")

    whole = httpx.get(links["film"])
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    etag, modified = whole.headers["etag"], whole.headers["last-modified"]
    part = httpx.get(links["film"], headers={"Range": "bytes=100-299"})
    assert part.status_code == 206 and part.content == whole.content[100:300]
    assert part.headers["content-range"] == f"bytes 100-299/{len(whole.content)}"
    tail = httpx.get(links["film"], headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == whole.content[-50:]
    assert httpx.get(links["film"], headers={"If-None-Match": etag}).status_code == 304
    past = httpx.get(links["film"], headers={"Range": f"bytes={len(whole.content) + 10}-"})
    assert past.status_code == 416 and "asks for nothing within the file's" in past.json()["error"]
    assert httpx.get(links["film"], headers={"Range": "bytes=-0"}).status_code == 416
    assert whole.headers["x-content-type-options"] == "nosniff" and page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for odd in ("bytes=abc", "items=0-5", "bytes=10-5", "bytes=", "bytes=1-2,,"):  # not byte ranges: the whole film
        answer = httpx.get(links["film"], headers={"Range": odd})
        assert answer.status_code == 200 and answer.content == whole.content, odd
    assert httpx.get(links["film"], headers={"If-None-Match": "*"}).status_code == 304
    assert httpx.get(links["film"], headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert modified.endswith("GMT")

    assert httpx.delete(links["page"]).status_code == 204  # "delete my film", from the phone
    gone = httpx.get(links["page"])
    assert gone.status_code == 404 and "not here" in gone.text and "<video" not in gone.text
    assert httpx.get(links["film"]).status_code == 404
    assert httpx.delete(links["page"], headers={"Origin": "https://elsewhere.example"}).status_code == 403


def test_the_wall_lists_only_kept_films_and_never_an_id(booth, photos):
    base, _ = booth
    first = post(base, (photos / "biden.jpg").read_bytes()).json()["id"]
    second = post(base, (photos / "obama.jpg").read_bytes()).json()["id"]
    third = post(base, (photos / "speaker_rgba.png").read_bytes()).json()["id"]
    nothing = post(base, (photos / "obama.jpg").read_bytes(), consent="none")
    assert nothing.status_code == 200 and nothing.json()["id"] is None
    for visitor in (first, second, third):
        wait_done(base, visitor)
    assert httpx.delete(f"{base}/api/visitors/{second}").status_code == 204
    answer = httpx.get(f"{base}/api/wall")
    films = answer.json()["films"]
    assert len(films) == 2 and all(f["type"] == "video/mp4" for f in films)
    assert not any(visitor in answer.text for visitor in (first, second, third))
    shown = httpx.get(f"{base}{films[0]['film']}")
    assert shown.headers["content-disposition"] == 'inline; filename="film.mp4"'  # no id in its name either
    newest, older = (httpx.get(f"{base}{f['film']}").content for f in films)
    assert newest == httpx.get(f"{base}/api/visitors/{third}/visitor-{third}.mp4").content  # newest first
    assert older == httpx.get(f"{base}/api/visitors/{first}/visitor-{first}.mp4").content
    assert httpx.delete(f"{base}/api/visitors/{third}").status_code == 204
    gone = httpx.get(f"{base}{films[0]['film']}")
    assert gone.status_code == 404 and third not in gone.text  # deleted: gone from the wall at once
    assert httpx.get(f"{base}/wall").headers["content-security-policy"].startswith("default-src 'none'")


def test_the_qr_codes_lead_to_the_public_url(tmp_path, olivetti_home, isolated_cache, photos):
    scene = write_scene(tmp_path, SCENE.replace("serve: {", "serve: {public_url: 'http://kiosk.example:8000/', "))
    with kiosk(scene, isolated_cache, "--token", "t0ken") as (base, _):
        auth = {"Authorization": "Bearer t0ken"}
        reply = post(base, (photos / "obama.jpg").read_bytes(), headers=auth).json()
        assert reply["links"]["page"] == f"http://kiosk.example:8000/f/{reply['id']}"
        assert httpx.get(f"{base}/api/kiosk").json()["local_only"] is False
        assert httpx.get(f"{base}/api/wall").status_code == 401  # the wall's list needs the token
        wait_done(base, reply["id"], auth)
        assert httpx.get(f"{base}/f/{reply['id']}").status_code == 200  # the phone needs none: the id is the key
        assert httpx.get(f"{base}/api/wall?token=t0ken").json()["films"]
    assert "the QR codes point at http://kiosk.example:8000/" in scene.with_suffix(".log").read_text()


def test_on_every_address_the_qr_codes_hold_the_machines_own(tmp_path, olivetti_home, isolated_cache, photos):
    scene = write_scene(tmp_path, SCENE)
    with kiosk(scene, isolated_cache, "--host", "0.0.0.0", "--token", "t") as (base, _):
        # A page of another site whose name was made to point here (DNS rebinding) is not answered.
        port = urlsplit(base).port
        rebound = httpx.get(f"{base}/api/kiosk", headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 400
        assert httpx.get(f"{base}/api/kiosk", headers={"Host": f"{socket.gethostname()}:{port}"}).status_code == 200
        reply = post(base, (photos / "obama.jpg").read_bytes(), headers={"Authorization": "Bearer t"}).json()
        host = urlsplit(reply["links"]["page"]).hostname
        log = scene.with_suffix(".log").read_text()
        if host == "127.0.0.1":  # a machine with no network at all: said, and the page says it too
            assert "no network address found" in log
            assert httpx.get(f"{base}/api/kiosk").json()["local_only"] is True
            return
        assert re.search(rf"the QR codes point at http://{re.escape(host)}:\d+ \(this machine on its network", log)
        socket.inet_aton(host)  # an IPv4 address of this machine's, which phones on its network reach
        page = httpx.get(reply["links"]["page"], timeout=30)  # reached at that address, not loopback's
        assert page.status_code in (200, 404) and "<h1>" in page.text


@pytest.mark.parametrize(("serve", "said"), [
    ("{texts: {bgin: Hi}}", "serve.texts: 'bgin' is not one of the kiosk's texts; use begin, look"),
    ("{texts: {begin: ''}}", "texts.begin must be words, 1 to 300 characters"),
    ("{public_url: 'http://k.example/" + "a" * 300 + "'}", "serve.public_url: string should have at most 200 characters"),
    ("{notice: " + "x" * 401 + "}", "serve.notice: string should have at most 400 characters"),
    ('{notice: "a\\x1b[31mred"}', "notice must be words on one line, with no control characters"),
    ("{public_url: 'http://[::1'}", "is not an address (Invalid IPv6 URL)"),
    ("{public_url: 'http://:8000'}", "is not an address a phone can open"),
    ("{public_url: 'http://k.example:99999'}", "is not an address (Port out of range 0-65535)"),
    ("{public_url: 'http://a\"b.example/'}", "is not an address a phone can open"),
    ("{public_url: 'http://k.example/x?q=1'}", "holds no query, fragment or user:password"),
    ("{public_url: 'http://user:pw@k.example/'}", "holds no query, fragment or user:password"),
    ('{notice: "backwards \\u202e text"}', "notice must be words on one line, with no control characters"),
])
def test_bad_page_settings_are_one_line(tmp_path, serve, said):
    scene = write_scene(tmp_path, f"name: bad\nserve: {serve}\n")
    result = invoke(str(scene))
    assert result.exit_code == ExitCode.SCENE, result.output
    assert said in result.output and len(result.output.strip().splitlines()) == 1, result.output


def test_a_record_damaged_by_hand_breaks_no_page_and_no_purge(booth, photos):
    import sqlite3

    base, scene = booth
    visitor = post(base, (photos / "obama.jpg").read_bytes()).json()["id"]
    wait_done(base, visitor)
    with sqlite3.connect(scene.parent / "out" / "booth" / "visitors.db") as db:
        db.execute("UPDATE visitors SET files = 'not json' WHERE id = ?", (visitor,))
    assert httpx.get(f"{base}/api/wall").status_code == 200
    assert httpx.get(f"{base}/api/visitors/{visitor}").json()["files"] == {}
    assert httpx.get(f"{base}/f/{visitor}").status_code == 404  # its film is not listed: not shown
    purged = invoke("visitors", "purge", str(scene), "--all")
    assert purged.exit_code == 0, purged.output
    assert httpx.get(f"{base}/api/visitors/{visitor}").status_code == 404
    assert not list((scene.parent / "out" / "booth").glob(f"visitor-{visitor}*"))  # its files went by their names


def test_a_pending_folder_swapped_for_a_link_while_serving_is_never_written_through(booth, photos, tmp_path):
    import threading

    base, scene = booth
    folder = scene.parent / "out" / "booth"
    outside = tmp_path / "outside"
    outside.mkdir()
    stop = threading.Event()

    def swap() -> None:  # the folder and a link out of it, back and forth, every few milliseconds
        while not stop.is_set():
            (folder / "pending").rename(folder / "pending.real")
            (folder / "pending").symlink_to(outside, target_is_directory=True)
            time.sleep(0.005)
            (folder / "pending").unlink()
            (folder / "pending.real").rename(folder / "pending")
            time.sleep(0.005)

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        answers = [post(base, (photos / "biden.jpg").read_bytes()).status_code for _ in range(15)]
    finally:
        stop.set()
        swapper.join()
    assert set(answers) <= {201, 503} and 201 in answers, answers
    time.sleep(2.0)
    assert list(outside.iterdir()) == []  # nothing written, or left, outside the scene's folder


def test_the_technicians_status_says_why_a_film_failed_without_the_machines_paths(booth, photos):
    base, scene = booth
    crops = scene.parent / "out" / "booth" / "crops"
    if crops.is_dir():
        crops.rename(crops.with_name("crops.aside"))
    crops.write_text("a file where the crops go")  # every film now fails to be written
    try:
        visitor = post(base, (photos / "obama.jpg").read_bytes()).json()["id"]
        assert wait_done(base, visitor)["reason"] == "the film could not be made"
        said = httpx.get(f"{base}/api/status").json()["last_error"]
        assert "the scene's folder" in said and str(scene.parent) not in said, said
    finally:
        crops.unlink()
        if crops.with_name("crops.aside").is_dir():
            crops.with_name("crops.aside").rename(crops)
