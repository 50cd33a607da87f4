"""More ways out: WebM (VP9, AV1), animated WebP, ProRes 4444 MOV, a transparent background and a
soundtrack, each rendered through the CLI and read back with the bundled ffmpeg."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess

import numpy as np
import pytest

from conftest import invoke, write_scene
from mediafiles import decoded, loudness, png, psnr, sound, streams
from render.ground.timeline import timeline
from render.publish.select import kind_of
from render.scene.load import load_scene

pytestmark = pytest.mark.slow

HEAD = "name: {name}\ndataset: olivetti\nfilter: {{emotion: happy}}\nbasis: {{components: 2}}\ninputs: [{{face: 0}}]\n"
ALL = HEAD + "output: {{dir: out, size: 128, formats: [mp4, webm, webp, mov, gif, frames], audio: tone.wav}}\n"
CLEAR = HEAD + ("output: {{dir: out, size: 128, frame: [192, 160], background: transparent,\n"
                "         formats: [webm, webp, mov, frames]}}\n")
SMALL = HEAD + ("output: {{dir: out, size: 128, formats: [webm, webp, frames], webm: {{codec: av1}},\n"
                "         webp: {{lossless: true}}}}\n")
GRID = ("name: sheet\ndataset: olivetti\nfilter: {emotion: happy}\nbasis: {components: 2}\n"
        "inputs: [{face: 0}, {face: 1}, {face: 2}, {face: 3}]\nlayout: {grid: {gap: 8}}\nmorph: {levels: 8}\n"
        "output: {dir: out, size: 136, background: transparent, formats: [webm, frames]}\n")


def ffmpeg(*args: str) -> None:
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, olivetti_home):
    """Four scenes: every format with a soundtrack (a 2.3 s tone, looped to the film), a transparent
    frame, AV1 and lossless WebP without sound, and a transparent grid."""
    folder = tmp_path_factory.mktemp("formats")
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2.3", "-ac", "1", str(folder / "tone.wav"))
    scenes = {name: write_scene(folder, text.format(name=name) if name != "sheet" else text, f"{name}.yaml")
              for name, text in (("all", ALL), ("clear", CLEAR), ("small", SMALL), ("sheet", GRID))}
    for scene in scenes.values():
        result = invoke(str(scene))
        assert result.exit_code == 0, result.stderr
    return folder, {name: load_scene(path) for name, path in scenes.items()}


def frames_of(folder, scene, name="face-0", alpha=False):
    """The PNG frames in the order the scene's films show them."""
    pngs = sorted((folder / "out" / scene.name / "frames" / name).glob("*.png"))
    if alpha:
        from PIL import Image

        stack = np.stack([np.asarray(Image.open(p)) for p in pngs])
    else:
        stack = np.stack([png(p) for p in pngs])
    return stack[timeline(len(pngs), scene.output.fps, scene.output.pacing)]


@pytest.mark.parametrize("scene_name, suffix, lowest", [
    ("all", "webm", 50.0), ("all", "mov", 45.0), ("all", "webp", 38.0), ("all", "mp4", 45.0),
    ("small", "webm", 50.0), ("small", "webp", 50.0),
])  # fmt: skip
def test_each_format_decodes_to_the_films_frames(rendered, scene_name, suffix, lowest):
    folder, scenes = rendered
    scene = scenes[scene_name]
    expected = frames_of(folder, scene)
    video = decoded(folder / "out" / scene.name / f"face-0.{suffix}")
    assert video.shape == expected.shape  # every frame (holds and the way back included), at the film's size
    worst = min(psnr(a, b) for a, b in zip(video, expected))
    assert worst >= lowest, worst


def test_the_codecs_are_the_ones_asked_for(rendered):
    folder, _ = rendered
    out = folder / "out"
    assert streams(out / "all" / "face-0.webm")["video"].startswith("vp9")
    assert streams(out / "small" / "face-0.webm")["video"].startswith("av1")
    assert streams(out / "all" / "face-0.mov")["video"].startswith("prores (4444)")
    assert (out / "all" / "face-0.webp").read_bytes()[8:12] == b"WEBP"
    assert b"ANIM" in (out / "all" / "face-0.webp").read_bytes()[:64]  # animated, looping


def test_transparent_films_are_opaque_on_the_face_and_clear_around_it(rendered):
    folder, scenes = rendered
    scene = scenes["clear"]
    expected = frames_of(folder, scene, alpha=True)
    assert expected.shape[-1] == 2  # the PNG frames carry the alpha channel too
    # The face square: 128 px centred on 192x160; its padding, 2 of 68 source pixels, is 3.8 px wide.
    left, top = (192 - 128) // 2, (160 - 128) // 2
    face = np.zeros((160, 192), bool)
    face[top + 6 : top + 128 - 6, left + 6 : left + 128 - 6] = True
    clear = np.ones((160, 192), bool)
    clear[top + 3 : top + 128 - 3, left + 3 : left + 128 - 3] = False  # the frame and the padding's outer 3 px
    for film in ("webm", "webp", "mov"):
        video = decoded(folder / "out" / "clear" / f"face-0.{film}", alpha=True)
        assert video.shape == expected.shape, film
        assert (video[:, face, 1] == 255).all(), film
        assert (video[:, clear, 1] == 0).all(), film
        assert (video[..., 1] == expected[..., 1]).all(), film  # the edge too, in every frame: nothing piles up
        gray = [psnr(v[face, 0], e[face, 0]) for v, e in zip(video, expected)]
        assert min(gray) >= (38 if film == "webp" else 45), (film, min(gray))
    assert (expected[:, face, 1] == 255).all() and (expected[:, clear, 1] == 0).all()


def test_a_transparent_grid_is_clear_between_its_faces(rendered):
    folder, scenes = rendered
    video = decoded(folder / "out" / "sheet" / "grid.webm", alpha=True)
    alpha = video[0, ..., 1]
    tile = (136 - 8) // 2  # two by two faces, 8 px apart
    assert alpha.shape == (136, 136)
    assert (alpha[:, tile + 1 : tile + 7] == 0).all() and (alpha[tile + 1 : tile + 7, :] == 0).all()  # the gap
    for y in (tile // 2, tile + 8 + tile // 2):
        for x in (tile // 2, tile + 8 + tile // 2):
            assert alpha[y, x] == 255


@pytest.mark.parametrize("suffix, codec", [("mp4", "aac (LC)"), ("webm", "opus"), ("mov", "pcm_s24le")])
def test_the_soundtrack_lasts_as_long_as_the_film(rendered, suffix, codec):
    folder, scenes = rendered
    scene = scenes["all"]
    path = folder / "out" / "all" / f"face-0.{suffix}"
    audio = streams(path)["audio"]
    assert audio.startswith(codec) and "48000 Hz, stereo" in audio, audio
    frames = len(decoded(path))
    seconds = len(sound(path)) / 48_000
    assert abs(seconds - frames / scene.output.fps) <= 1 / scene.output.fps, (seconds, frames)


def test_the_soundtrack_is_looped_normalised_and_faded(rendered):
    folder, _ = rendered
    path = folder / "out" / "all" / "face-0.mov"  # PCM: the track as made, no coder in between
    samples = sound(path)
    second = 48_000
    assert len(samples) > 2.3 * second * 2  # the 2.3 s tone, looped to the film's 5.4 s
    middle = np.sqrt(np.mean(samples[3 * second : 3 * second + second // 2] ** 2))  # inside the second pass of the tone
    assert middle > 0.05
    end = np.sqrt(np.mean(samples[-second // 20 :] ** 2))
    assert end < middle / 10  # faded out over the last second
    assert abs(loudness(folder / "out" / "all" / "face-0.mp4") - (-14.0)) <= 1.5  # EBU R128, the platforms' target


def test_a_soundtrack_loops_without_a_seam_and_ignores_pictures(tmp_path, olivetti_home):
    """A seamless half-second Ogg Opus loop (480 Hz: a whole number of periods) with a video stream:
    the video is left out, and Opus's start-up samples are skipped once, not at every seam (they were
    decoded again after each seam, 6.5 ms each time, when ffmpeg looped the file itself)."""
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=480:duration=0.5:sample_rate=48000", "-f", "lavfi", "-i",
           "color=red:s=32x32:d=1", "-map", "0:a", "-map", "1:v", "-ac", "2", "-c:a", "libopus", "-c:v", "libtheora",
           str(tmp_path / "loop.ogg"))
    scene = write_scene(tmp_path, HEAD.format(name="loop") + "morph: {levels: 6}\noutput: {dir: out, size: 64, "
                        "formats: [mov], audio: {path: loop.ogg, loudness: null, fade: 0}}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    samples = sound(tmp_path / "out" / "loop" / "face-0.mov")
    assert len(samples) > 3 * 24_000  # several seams
    start = 2_000  # past the encoder's own fade-in at the very start
    jumps = np.abs(np.diff(samples[start:]))
    assert jumps.max() < 2 * np.abs(np.diff(samples[start : start + 20_000])).max(), jumps.max()  # no click anywhere
    sidecar = json.loads((tmp_path / "out" / "loop" / "face-0.json").read_text())
    assert sidecar["audio"]["loudness_lufs"] is None  # kept as it was


def test_a_sound_of_a_few_milliseconds_is_looped_over_the_whole_film(tmp_path, olivetti_home):
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:sample_rate=48000:duration=0.008", "-ac", "2", str(tmp_path / "tick.wav"))
    scene = write_scene(tmp_path, HEAD.format(name="tick") + "morph: {levels: 6}\noutput: {dir: out, size: 64, "
                        "formats: [mov], audio: {path: tick.wav, fade: 0}}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "out" / "tick" / "face-0.mov"
    samples = sound(path)
    assert len(samples) == round(len(decoded(path)) / 25.0 * 48_000)  # 384 samples, repeated to the film's end
    assert np.sqrt(np.mean(samples[-4800:] ** 2)) > 0.05  # still sounding at the end: looped, not padded


def test_a_loudness_the_peaks_do_not_allow_is_approached_and_said(tmp_path, olivetti_home):
    """Bursts over a quiet tone cannot reach -6 LUFS under a -2 dBTP ceiling with one gain: the track
    gets the largest gain the peaks allow (never compressed, never clipped) and the sidecar says the
    loudness reached."""
    ffmpeg("-f", "lavfi", "-i", "aevalsrc='if(lt(mod(t,0.5),0.05),0.9*sin(2*PI*1000*t),0.01*sin(2*PI*440*t))':s=48000:d=6",
           "-ac", "2", str(tmp_path / "bursts.wav"))
    scene = write_scene(tmp_path, HEAD.format(name="loud") + "morph: {levels: 6}\noutput: {dir: out, size: 64, "
                        "formats: [mov, mp4], audio: {path: bursts.wav, loudness: -6, fade: 0}}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "loud"
    reached = json.loads((folder / "face-0.json").read_text())["audio"]["loudness_lufs"]
    assert reached < -9.0  # short of the target (about -11 LUFS), and said so
    assert abs(loudness(folder / "face-0.mov") - reached) <= 1.0
    assert np.abs(sound(folder / "face-0.mov", mono=False)).max() <= 10 ** (-1.9 / 20)  # under the -2 dBTP ceiling
    assert np.abs(sound(folder / "face-0.mp4", mono=False)).max() < 1.0  # the AAC does not clip


def test_no_audio_stream_when_none_is_asked(rendered):
    folder, _ = rendered
    for name in ("face-0.webm", "face-0.webp"):
        assert "audio" not in streams(folder / "out" / "small" / name)
    assert "audio" not in streams(folder / "out" / "clear" / "face-0.mov")


def test_the_sidecar_and_the_manifest_list_every_file(rendered):
    folder, _ = rendered
    out = folder / "out" / "all"
    sidecar = json.loads((out / "face-0.json").read_text())
    assert sidecar["file"] == "face-0.mp4" and sidecar["audio"]["codec"] == "aac"
    listed = {f["file"]: f for f in sidecar["files"]}
    assert set(listed) == {"face-0.mp4", "face-0.webm", "face-0.mov", "face-0.webp", "face-0.gif"}
    for name, facts in listed.items():
        data = (out / name).read_bytes()
        assert facts["bytes"] == len(data) and facts["sha256"] == hashlib.sha256(data).hexdigest()
    assert listed["face-0.webm"]["codec"] == "vp9" and listed["face-0.webm"]["audio"]["codec"] == "opus"
    assert listed["face-0.mov"]["audio"]["codec"] == "pcm_s24le" and "audio" not in listed["face-0.webp"]
    recorded = json.loads((out / "manifest.json").read_text())["clips"]["face-0"]["files"]
    assert set(listed) <= set(recorded)
    clear = json.loads((folder / "out" / "clear" / "face-0.json").read_text())
    assert clear["file"] == "face-0.webm" and clear["codec"] == "vp9" and clear["pixel_format"] == "yuva420p"
    assert [kind_of("face-0", n) for n in ("face-0.mp4", "face-0.webm", "face-0.mov", "face-0.webp")] == [
        "video", "video", "mov", "webp"]  # the MOV (ProRes, large) is published only when asked


def test_the_same_scene_gives_the_same_files(rendered, tmp_path):
    folder, _ = rendered
    again = write_scene(folder, ALL.format(name="again"), "again.yaml")
    assert invoke(str(again)).exit_code == 0
    for suffix in ("webm", "webp", "mov", "mp4"):
        first, second = (folder / "out" / name / f"face-0.{suffix}" for name in ("all", "again"))
        assert first.read_bytes() == second.read_bytes(), suffix


def test_a_preset_keeps_its_platforms_sound_limits(tmp_path, olivetti_home):
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:duration=20", "-ac", "2", "-c:a", "flac", str(tmp_path / "long.flac"))
    scene = write_scene(tmp_path, HEAD.format(name="insta") + "output: {dir: out, preset: instagram, formats: [mp4], "
                        "audio: {path: long.flac, loudness: -16}}\n")
    result = invoke(str(scene))
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "out" / "insta" / "face-0.mp4"
    audio = streams(path)["audio"]
    kbps = int(audio.rsplit(",", 1)[1].split()[0])
    assert audio.startswith("aac (LC)") and "48000 Hz, stereo" in audio and kbps <= 128, audio  # Instagram: AAC, <= 48 kHz, <= 128 kbit/s
    assert abs(loudness(path) - (-16.0)) <= 1.5
    frames = len(decoded(path))
    assert abs(len(sound(path)) / 48_000 - frames / 30.0) <= 1 / 30.0  # the 20 s file trimmed to the film


@pytest.mark.parametrize("output, made, said", [
    ("formats: [mp4], audio: nowhere.wav", None, "output.audio.path: .*nowhere.wav does not exist"),
    ("formats: [mp4], audio: notes.wav", "notes", "output.audio.path: .*notes.wav: not a sound file"),
    ("formats: [mp4], audio: list.wav", "playlist", "output.audio.path: .*list.wav: not a sound file"),
    ("formats: [mp4], audio: film.mp4", "film", "output.audio.path: .*film.mp4: a mov file, not WAV, FLAC, MP3 or Ogg"),
    ("formats: [mp4], background: white", None, "output.background: a gray from 0 .black. to 1 .white., or 'transparent'; got 'white'"),
    ("formats: [mp4], background: 1.5", None, "output.background: a gray from 0 .black. to 1 .white., or 'transparent'; got 1.5"),
    ("formats: [webp], webp: {lossless: 'yes'}", None, "output.webp.lossless: "),
    ("formats: [mp4], audio: empty.wav", "empty", "output.audio.path: .*empty.wav: the file is empty"),
    ("formats: [mp4], audio: hours.flac", "hours", "output.audio.path: .*hours.flac: 3601 s long, more than the 3600 s"),
    ("formats: [gif, frames], audio: tone.wav", "tone", "output.audio: audio does nothing without mov or mp4 or webm"),
    ("formats: [webp], webp: {lossless: true, quality: 80}", None, "output.webp: .*quality sets the lossy coder"),
    ("formats: [mp4], webm: {codec: av1}", None, "output.webm: webm does nothing without webm in formats"),
    ("formats: [gif], background: transparent", None, "output.background: transparent does nothing without webm, mov"),
    ("formats: [mp4], matte: 0.5", None, "output.matte: matte does nothing without background: transparent"),
    ("formats: [webm], background: transparent, webm: {codec: av1}", None, "output.webm.codec: av1 .*codes no alpha"),
])  # fmt: skip
def test_bad_format_and_sound_settings_are_one_line_each(tmp_path, olivetti_home, output, made, said):
    if made == "notes":
        (tmp_path / "notes.wav").write_text("these are notes, not sound\n" * 50)
    elif made == "playlist":  # an HLS playlist naming a local file: never followed
        ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(tmp_path / "tone.wav"))
        (tmp_path / "list.wav").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\ntone.wav\n#EXT-X-ENDLIST\n")
    elif made == "film":  # sound in an MP4: ffmpeg reads it, the scene takes only the four sound formats
        ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(tmp_path / "film.mp4"))
    elif made == "empty":
        (tmp_path / "empty.wav").write_bytes(b"")
    elif made == "hours":
        ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "3601", "-c:a", "flac", str(tmp_path / "hours.flac"))
    elif made == "tone":
        ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(tmp_path / "tone.wav"))
    scene = write_scene(tmp_path, HEAD.format(name="bad") + f"output: {{dir: out, {output}}}\n")
    result = invoke(str(scene))
    assert result.exit_code == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(scene) in lines[0] and re.search(said, lines[0]), lines
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()  # nothing written, nothing to publish


@pytest.mark.browser
def test_a_browser_composites_the_transparent_films_over_its_page(rendered):
    """Chromium plays the VP9 WebM's alpha and the WebP's over a white page: the frame around the face
    shows the page, the face shows the film."""
    from PIL import Image

    from conftest import chromium

    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extras)")
    folder, scenes = rendered
    out = folder / "out" / "clear"
    page_file = out / "page.html"
    page_file.write_text(
        "<!doctype html><body style='margin:0;background:#fff'>"
        "<video id=v src='face-0.webm' muted preload=auto style='display:block'></video>"
        "<img id=i src='face-0.webp' style='display:block'></body>")
    frames = np.stack([np.asarray(Image.open(f))[..., 0] for f in sorted((out / "frames" / "face-0").glob("*.png"))])
    with playwright.sync_playwright() as p:
        browser = chromium(p)
        try:
            page = browser.new_page(viewport={"width": 400, "height": 400})
            page.goto(page_file.as_uri())
            page.wait_for_function("document.getElementById('v').readyState >= 2 && document.getElementById('i').complete")
            page.evaluate("document.getElementById('v').currentTime = 0")
            page.wait_for_function("!document.getElementById('v').seeking")
            page.wait_for_timeout(200)
            for element in ("#v", "#i"):
                shot = np.asarray(Image.open(__import__("io").BytesIO(page.locator(element).screenshot())).convert("L"))
                assert shot.shape == (160, 192), element
                assert (shot[:10, :] >= 250).all() and (shot[:, :20] >= 250).all(), element  # the page, through the frame
                face = (slice(60, 100), slice(76, 116))  # the film, on the face (the WebP plays: some frame of it)
                nearest = np.abs(shot[face].astype(int) - frames[:, face[0], face[1]]).mean(axis=(1, 2)).min()
                assert nearest < 6, (element, nearest)
        finally:
            browser.close()


def test_a_sound_file_broken_past_its_header_is_one_line_and_nothing_written(tmp_path, olivetti_home):
    ffmpeg("-f", "lavfi", "-i", "sine=duration=3", "-c:a", "flac", str(tmp_path / "whole.flac"))
    whole = (tmp_path / "whole.flac").read_bytes()
    noise = np.random.default_rng(7).integers(0, 256, len(whole) - 200, np.uint8).tobytes()
    (tmp_path / "broken.flac").write_bytes(whole[:200] + noise)  # the header says FLAC; the rest is noise
    scene = write_scene(tmp_path, HEAD.format(name="broken") + "output: {dir: out, size: 64, formats: [mp4, gif], "
                        "audio: broken.flac}\n")
    result = invoke(str(scene))
    assert result.exit_code == 4, result.stderr
    said = [line for line in result.stderr.splitlines() if "broken.flac" in line]
    assert said and re.search(r"output\.audio: ffmpeg (cannot decode it|decodes no sound from it)", said[0]), result.stderr
    assert "export it again" in said[0]
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").rglob("face-0.*"))  # no film, whole or half
