"""The registries of the extension points: each name the scene takes has its implementation, loaded
lazily, and a missing package is one line that says what to install."""

from __future__ import annotations

import sys

import pytest

from render.errors import ExitCode, MissingError, explain
from render.ground.formats import FORMATS, MEDIA_TYPES, formats_with, media_type
from render.ground.plugins import DETECTORS, MODEL_BACKENDS, STORES
from render.scene import scene_schema


def test_the_schema_takes_its_names_from_the_registries():
    schema = scene_schema()["$defs"]
    assert schema["OutputSpec"]["properties"]["formats"]["items"]["enum"] == list(FORMATS)
    assert schema["PhotosSpec"]["properties"]["detector"]["enum"] == list(DETECTORS)


@pytest.mark.parametrize("name", formats_with(role="timeline"))
def test_every_format_fed_the_timeline_opens_its_own_sink(name):
    fmt = FORMATS[name]
    assert callable(fmt.sink.load()) and fmt.suffix and media_type(f"face-0{fmt.suffix}") == fmt.media_type


def test_media_types_cover_every_suffix_a_render_writes():
    assert {f.suffix for f in FORMATS.values() if f.suffix} | {".png", ".json", ".csv", ".svg"} == set(MEDIA_TYPES)


@pytest.mark.parametrize("registry, name", [*((STORES, n) for n in STORES), *((DETECTORS, n) for n in DETECTORS),
                                            *((dict((k, v[0]) for k, v in MODEL_BACKENDS.items()), n) for n in MODEL_BACKENDS)])
def test_every_registered_implementation_loads(registry, name):
    assert callable(registry[name].load())


def test_a_missing_package_is_one_line_naming_what_to_install(monkeypatch):
    from render.publish.store import open_store

    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if it were not installed
    with pytest.raises(MissingError) as caught:
        open_store("s3://films/happy")
    code, message = explain(caught.value)
    assert code == ExitCode.MISSING == 15
    assert "pip install s3fs" in message and "\n" not in message
