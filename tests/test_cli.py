"""The command line around a render: --version, typos of subcommands, and the terminal left as it was
found after a live display, even on Ctrl-C."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, invoke, write_scene
from render import __version__
from render.errors import ExitCode


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"render (happy-faces) {__version__}"


@pytest.mark.parametrize(("typed", "meant"), [("scema", "schema"), ("cahce", "cache"), ("serev", "serve")])
def test_a_mistyped_command_is_not_taken_for_a_scene_file(typed, meant):
    result = invoke(typed, "list")
    assert result.exit_code == ExitCode.USAGE
    assert f"did you mean 'render {meant}'?" in result.stderr and "no such scene file" not in result.stderr


def test_a_missing_scene_file_is_still_said_so():
    result = invoke("scenes/nothere.yaml")
    assert result.exit_code == ExitCode.SCENE and "no such scene file" in result.stderr


def _read_all(fd: int, until: float, stop_when: bytes | None = None) -> bytes:
    out = b""
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if stop_when and stop_when in out:
                break
    return out


@pytest.mark.slow
def test_ctrl_c_on_a_terminal_gives_the_cursor_back(tmp_path, olivetti_home, isolated_cache):
    """On a terminal the live display hides the cursor; interrupted, it must show it again."""
    scene = write_scene(tmp_path, "name: tty\ninputs: [{face: all}]\nmorph: {levels: 50}\n"
                                  "output: {dir: out, size: 256, formats: [mp4, frames]}\n")
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "render", str(scene), "--jobs", "1", "--cache-dir", str(isolated_cache)],
                               cwd=REPO, stdin=child, stdout=child, stderr=child, env={**os.environ, "TERM": "xterm"})
    os.close(child)
    try:
        shown = _read_all(main, time.monotonic() + 120, stop_when=b"\x1b[?25l")
        assert b"\x1b[?25l" in shown, shown[-2000:]  # the live display is up, the cursor hidden
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        shown += _read_all(main, time.monotonic() + 60)
        assert process.wait(timeout=60) == ExitCode.INTERRUPTED
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert shown.rfind(b"\x1b[?25h") > shown.rfind(b"\x1b[?25l"), shown[-2000:]
    assert b"interrupted" in shown


@pytest.mark.slow
def test_set_changes_one_key_for_this_run(tmp_path, olivetti_home):
    from mediafiles import mp4_frames, paced

    scene = write_scene(tmp_path, "name: set\nmorph: {levels: 20}\noutput: {dir: out, size: 64, formats: [mp4]}\n")
    result = invoke(str(scene), "--set", "morph.levels=7", "--set", "output.formats=[mp4, gif]")
    assert result.exit_code == 0, result.stderr
    _, frames = mp4_frames(tmp_path / "out" / "set" / "face-0.mp4")
    assert len(frames) == len(paced(7)) and (tmp_path / "out" / "set" / "face-0.gif").is_file()
    assert "levels: 20" in scene.read_text()  # the file itself is left as it was


@pytest.mark.parametrize(("given", "said"), [
    ("morph.levels=1", "scene.yaml: --set morph.levels: input should be greater than or equal to 2, got 1"),
    ("morph.levls=3", "scene.yaml: --set morph.levls: unknown key; did you mean 'levels'?"),
])
def test_a_bad_set_is_reported_with_its_key(tmp_path, given, said):
    scene = write_scene(tmp_path, "name: set\n")
    result = invoke(str(scene), "--set", given, "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == ExitCode.SCENE and said in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_a_set_that_is_not_key_equals_value_is_a_usage_error(tmp_path):
    result = invoke(str(write_scene(tmp_path, "name: set\n")), "--set", "morph levels")
    assert result.exit_code == ExitCode.USAGE and "KEY=VALUE" in result.output


@pytest.mark.slow
def test_preview_is_a_small_quick_mp4_beside_the_outputs(tmp_path, olivetti_home):
    from mediafiles import mp4_frames, paced

    scene = write_scene(tmp_path, "name: look\nmorph: {levels: 50}\noutput: {dir: out, preset: youtube, "
                                  "formats: [mp4, gif, frames, stills, html], gif: {size: 256}, max_kbps: 6000}\n")
    result = invoke(str(scene), "--preview")
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "previews" / "look"
    meta, frames = mp4_frames(folder / "face-0.mp4")
    assert len(frames) == len(paced(25)) and frames[0].shape[:2] == (128, 128)  # paced as the scene is
    assert not (folder / "face-0.gif").exists() and not (folder / "frames").exists()
    assert not (tmp_path / "out" / "look").exists()  # the real outputs are left alone


@pytest.mark.slow
def test_init_writes_a_starter_scene_that_renders(tmp_path, olivetti_home):
    import json

    import jsonschema
    import yaml

    folder = tmp_path / "new"
    result = invoke("init", str(folder))
    assert result.exit_code == 0, result.stderr
    scene = folder / "scene.yaml"
    assert scene.read_text().startswith("# yaml-language-server: $schema=scene.schema.json")
    jsonschema.Draft202012Validator(json.loads((folder / "scene.schema.json").read_text())).validate(
        yaml.safe_load(scene.read_text()))
    assert (folder / "photos").is_dir()
    rendered = invoke(str(scene))
    assert rendered.exit_code == 0, rendered.stderr
    assert {"face-0.mp4", "face-0.gif"} <= {p.name for p in (folder / "output" / "my-scene").iterdir()}
    again = invoke("init", str(folder))
    assert again.exit_code == ExitCode.OUTPUT and "already exists" in again.stderr


def test_help_is_the_help_of_a_render_with_the_commands_below():
    from typer.testing import CliRunner

    from render.cli import cli

    result = CliRunner().invoke(cli, ["--help"], terminal_width=120)
    assert result.exit_code == 0
    text = result.output
    assert "Usage: render SCENE.yaml|FOLDER [...] [OPTIONS]" in text and "render-scenes" not in text
    for option in ("--output-dir", "--jobs", "--set", "--preview", "--open", "--verbose", "--force"):
        assert option in text, option
    assert text.count("<bool>") == 1  # flags show no type (but typer's own --help, once)
    words = " ".join(text.split())  # the epilog is wrapped to the terminal
    assert "render serve" in words and "render init" in words and "render cache" in words


def test_a_bad_option_points_at_render_help(tmp_path):
    result = invoke(str(write_scene(tmp_path, "name: x\n")), "--bogus")
    assert result.exit_code == ExitCode.USAGE
    assert "Try 'render -h' for help." in result.output and "render-scenes" not in result.output


def test_shell_completion_is_offered():
    # Typer detects the shell it is called from: call it from bash (not exec-ed away), whatever runs the tests.
    done = subprocess.run(["bash", "-c", f"'{sys.executable}' -m render --show-completion; exit $?"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "complete -o default -F _render_completion render" in done.stdout, done.stdout


def _run(scene, *args, path: str | None = None, cache=None):
    env = {**os.environ}
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "render", str(scene), *args, "--cache-dir", str(cache)],
                          cwd=REPO, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_verbose_and_open(tmp_path, olivetti_home, isolated_cache):
    scene = write_scene(tmp_path, "name: opened\nmorph: {levels: 4}\noutput: {dir: out, size: 64, formats: [mp4]}\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = bin_dir / ("open" if sys.platform == "darwin" else "xdg-open")
    opener.write_text(f"#!/bin/sh\necho \"$1\" > {tmp_path / 'opened.txt'}\n")
    opener.chmod(0o755)
    done = _run(scene, "-v", "--open", path=str(bin_dir), cache=isolated_cache)
    assert done.returncode == 0, done.stderr
    assert "cache: basis" in done.stderr and "opened: face-0: 2 files: face-0.json, face-0.mp4" in done.stderr
    deadline = time.monotonic() + 10
    while not (tmp_path / "opened.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "opened.txt").read_text().strip() == str(tmp_path / "out" / "opened" / "face-0.mp4")
    assert f"opened {tmp_path / 'out' / 'opened' / 'face-0.mp4'}" in done.stderr
    nothing = _run(scene, "--open", "--force", path=str(tmp_path / "empty"), cache=isolated_cache)
    assert nothing.returncode == 0 and "--open: no program here opens files" in nothing.stderr, nothing.stderr
    # An opener that fails (as xdg-open does with no program for the file: exit 3) is said, not "opened".
    opener.write_text("#!/bin/sh\necho 'xdg-open: no method available for opening' >&2\nexit 3\n")
    failing = _run(scene, "--open", "--force", path=f"{bin_dir}:/usr/bin:/bin", cache=isolated_cache)
    assert failing.returncode == 0, failing.stderr
    assert ("--open: nothing opened face-0.mp4 (xdg-open ended with 3: xdg-open: no method available for opening); "
            f"the files are in {tmp_path / 'out' / 'opened'}") in failing.stderr, failing.stderr
    assert "render: opened /" not in failing.stderr


@pytest.mark.parametrize("text", [None, "name: broken\nmorph: {levls: 3}\n"], ids=["missing-scene", "bad-key"])
def test_a_failing_run_on_a_terminal_leaves_no_live_line_and_the_cursor_shown(tmp_path, text):
    scene = tmp_path / "hapy.yaml"
    if text is not None:
        scene.write_text(text)
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "render", str(scene)], cwd=REPO, stdin=child, stdout=child,
                               stderr=child, env={**os.environ, "TERM": "xterm"})
    os.close(child)
    try:
        shown = _read_all(main, time.monotonic() + 60)
        assert process.wait(timeout=60) == ExitCode.SCENE
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert shown.rfind(b"\x1b[?25l") <= shown.rfind(b"\x1b[?25h"), shown  # never hidden, or shown again
    assert b"clips" not in shown and b"render: error: " in shown, shown


@pytest.mark.slow
def test_preview_of_the_default_scene(tmp_path, olivetti_home):
    from mediafiles import mp4_frames, paced

    result = invoke(str(REPO / "scenes" / "happy.yaml"), "--preview", "--output-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    _, frames = mp4_frames(tmp_path / "previews" / "happy" / "face-0.mp4")
    assert len(frames) == len(paced(25)) and frames[0].shape[:2] == (128, 128)
    assert sorted(p.name for p in (tmp_path / "previews" / "happy").iterdir()) == [
        "emotions.csv", "face-0.json", "face-0.mp4", "manifest.json"]
