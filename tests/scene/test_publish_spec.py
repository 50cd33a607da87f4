"""The publish and youtube sections, and the upload keys YouTube limits."""

from __future__ import annotations

import re

import pytest

from conftest import write_scene
from render.errors import SceneError
from render.scene import load_scene


def test_a_password_in_the_store_url_is_refused_and_never_repeated(tmp_path):
    path = write_scene(tmp_path, 'name: x\npublish: {to: "webdav://curator:hunter2@dav.example/films"}\n')
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    assert "carries a password" in str(caught.value) and "hunter2" not in str(caught.value)


@pytest.mark.parametrize("url, said", [
    ("s3://", "write s3://bucket"),
    ("s3://user@films", "write s3://bucket"),
    ("sftp://gallery.example", "name the folder on the server"),
    ("sftp:///srv/films", "name the host"),
    ("file://host/films", "three slashes"),
    ("s3://films?versionId=2", "no ?query"),
    ("webdav://dav.example:port/x", "not a URL"),
])
def test_store_urls_that_name_no_store(tmp_path, url, said):
    with pytest.raises(SceneError, match=f"publish.to: .*{re.escape(said)}"):
        load_scene(write_scene(tmp_path, f'name: x\npublish: {{to: "{url}"}}\n'))


@pytest.mark.parametrize("key, said", [
    ("{scene}/{clip}", "several files under one key"),
    ("/abs/{file}", "relative path"),
    ("{scene}/../{file}", "relative path"),
    ("{scene}/{file", "expected '}'"),
])
def test_key_patterns_that_would_misplace_files(tmp_path, key, said):
    with pytest.raises(SceneError, match=f"publish.key: .*{said}"):
        load_scene(write_scene(tmp_path, f'name: x\npublish: {{key: "{key}"}}\n'))


def test_youtube_limits_on_the_upload_keys(tmp_path):
    long_tags = "[" + ", ".join(f"tag number {k}" for k in range(50)) + "]"
    for text, said in ((f"tags: {long_tags}", "tags take"), ("description: " + "é" * 2600, "5200 bytes"),
                       ("tags: [a<b]", "may not contain"), ("language: English", "language: string should match")):
        with pytest.raises(SceneError, match=said):
            load_scene(write_scene(tmp_path, f"name: x\n{text}\n"))


def test_the_settings_of_publishing_leave_the_films_alone(tmp_path):
    from render.run.plan import scene_settings

    class Learnt:
        scored, state = "scores", {}

    plain = load_scene(write_scene(tmp_path, "name: x\n"))
    published = load_scene(write_scene(tmp_path, "name: x\npublish: {to: 's3://films', jobs: 4}\n"))
    tagged = load_scene(write_scene(tmp_path, "name: x\ntags: [faces]\n"))
    assert scene_settings(plain, Learnt) == scene_settings(published, Learnt) != scene_settings(tagged, Learnt)


@pytest.mark.parametrize("key", ["{scene:.0}../{file}", "{scene:.0}../{scene:.0}../{file}", "{file!s}",
                                 "{scene}/.{file}.happy-part", "{file}/", ".hidden/{file}"])
def test_keys_that_could_leave_the_store_s_folder_or_hide_are_refused(tmp_path, key):
    with pytest.raises(SceneError, match="publish.key: "):
        load_scene(write_scene(tmp_path, f'name: x\npublish: {{key: "{key}"}}\n'))


def test_store_urls_are_normalised_and_passwords_never_repeated(tmp_path):
    scene = load_scene(write_scene(tmp_path, 'name: x\npublish: {to: "S3://films/one/"}\n'))
    assert scene.publish.to == "s3://films/one"  # one store, however it is spelt
    for text, said in (('publish: {to: "webdav://u:hunter2@h:99999/x"}', "Port out of range"),
                       ('publish: {public_url: "https://admin:hunter2@cdn.example.org/films"}', "without a user or password"),
                       ('publish: {to: "s3://[::1]/x"}', "is not a bucket name"),
                       (f'publish: {{to: "sftp://{"a" * 70}.example/x"}}', "is not a host name")):
        with pytest.raises(SceneError, match=re.escape(said)) as caught:
            load_scene(write_scene(tmp_path, f"name: x\n{text}\n"))
        assert "hunter2" not in str(caught.value)


def test_keys_at_their_defaults_leave_the_films_up_to_date(tmp_path):
    """A scene that spells out the defaults of keys added later (morph.detail, compare, a folder's
    color and size) has the settings of one written before they existed: its films stay up to date
    (checked against the tool before those keys: the same hashes)."""
    from render.run.plan import scene_settings

    class Learnt:
        scored, state = "scores", {}

    (tmp_path / "people").mkdir()
    before = load_scene(write_scene(tmp_path, "name: x\ndataset: {folder: people}\n", "before.yaml"))
    spelt = load_scene(write_scene(tmp_path, "name: x\ndataset: {folder: people, color: false, size: 64}\n"
                                   "morph: {detail: face}\n", "spelt.yaml"))
    colour = load_scene(write_scene(tmp_path, "name: x\ndataset: {folder: people, color: true}\n", "colour.yaml"))
    assert scene_settings(before, Learnt) == scene_settings(spelt, Learnt) != scene_settings(colour, Learnt)
