"""The systemd units shipped in deploy/: their syntax, and that what they start is this checkout's
render serve on a scene that exists, with options it takes."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

UNITS = sorted((REPO / "deploy").glob("*.service"))
INSTALLED = "/opt/happy-faces"  #: where the units expect the checkout (README: Running a season)


def unit(path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def test_there_is_a_unit_for_the_server_and_one_for_the_screen():
    assert [p.name for p in UNITS] == ["happy-faces-kiosk.service", "happy-faces-screen.service"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_reads_as_systemd_reads_it(path):
    parsed = unit(path)
    assert parsed.sections() == ["Unit", "Service", "Install"]
    assert parsed["Service"]["Restart"] in ("on-failure", "always") and parsed["Install"]["WantedBy"].endswith(".target")
    verify = shutil.which("systemd-analyze")
    if verify:  # where systemd is there, its own check too (missing users and binaries aside)
        result = subprocess.run([verify, "verify", str(path)], capture_output=True, text=True)
        bad = [line for line in result.stderr.splitlines() if "Failed to parse" in line or "Unknown key" in line]
        assert not bad, bad


def test_the_server_unit_starts_this_checkout_s_render_serve_on_a_scene_it_has():
    service = unit(REPO / "deploy" / "happy-faces-kiosk.service")["Service"]
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"
    assert service["WorkingDirectory"] == INSTALLED
    argv = shlex.split(service["ExecStart"])
    program, command, scene, *options = [a.replace(INSTALLED, str(REPO)) for a in argv]
    assert program == str(REPO / ".venv" / "bin" / "render") and command == "serve"
    assert (REPO / "scenes" / "kiosk.yaml") == type(REPO)(scene) and type(REPO)(scene).is_file()
    usage = subprocess.run([sys.executable, "-m", "render", "serve", "--help"], cwd=REPO, capture_output=True,
                           text=True).stdout
    for option in options[::2]:
        assert option in usage, option
