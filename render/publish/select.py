"""What of a scene is published: the files of its finished clips (as its manifest records them) of
the kinds ``publish.files`` asks for, each with its key on the store and its checksums.

A visitor's film from the live kiosk is personal data: it is never published by this route.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from pathlib import Path

from render.errors import InputError, SceneError, shown
from render.ground.formats import FORMATS
from render.run.manifest import Manifest
from render.scene.publish import PublishSpec

__all__ = ["Item", "select", "kind_of", "key_for", "key_problem", "VISITORS"]

VISITORS = "visitor-"  #: the kiosk's clips (render.serve.studio.PREFIX): never published
_BY_SUFFIX = {**{f.suffix: f.publish_kind for f in FORMATS.values() if f.suffix and f.publish_kind}, ".json": "sidecar"}


@dataclass(frozen=True)
class Item:
    """One local file and where it goes."""

    clip: str
    name: str  #: its path in the scene's folder, with '/'
    kind: str
    key: str
    path: Path
    bytes: int
    sha256: str
    md5: str


def kind_of(clip: str, name: str) -> str | None:
    """The kind (``publish.files``) of a clip's file, from its place and name."""
    top = name.split("/", 1)[0]
    if top in ("frames", "stills", "crops") and "/" in name:
        return top
    if name in (f"{clip}-readout.csv", f"{clip}-readout.json"):
        return "readout"
    stem, suffix = posixpath.splitext(name)
    return _BY_SUFFIX.get(suffix) if stem == clip else None


def key_for(pattern: str, scene: str, clip: str, name: str) -> str:
    stem, suffix = posixpath.splitext(name)
    return pattern.format(scene=scene, clip=clip, file=name, name=stem, ext=suffix.lstrip("."))


def select(scene: str, folder: Path, manifest: Manifest, spec: PublishSpec) -> list[Item]:
    """Every file to publish, checked against the manifest (a file changed since its render is refused)."""
    items: list[Item] = []
    owners: dict[str, str] = {}
    for clip, record in sorted(manifest.clips.items()):
        if clip.startswith(VISITORS) and str(record.get("input", "")).startswith("visitor "):
            continue  # the kiosk's own visitors (a curator's photo called visitor-... is published)
        for name, described in sorted(record.get("files", {}).items()):
            if not _inside(name):  # a manifest edited by hand must not send files from elsewhere
                raise InputError(f"{shown(folder)}/manifest.json: {shown(name)} is not a file of the scene's folder; "
                                 "render the scene again (with --force) to rebuild its record")
            kind = kind_of(clip, name)
            if kind not in spec.files:
                continue
            path = folder / name
            if not path.resolve().is_relative_to(folder.resolve()):  # a link out of the folder: never followed
                raise InputError(f"{shown(path)}: a link out of the scene's folder; publishing sends only the "
                                 "scene's own files: render it again")
            size, sha256, md5 = _hashes(path)
            if size != described.get("bytes") or sha256 != described.get("sha256"):
                raise InputError(f"{shown(path)}: missing or changed since it was rendered; render the scene again, then publish")
            key = key_for(spec.key, scene, clip, name)
            problem = key_problem(key)
            if problem:
                raise SceneError(f"publish.key {spec.key!r} gives {key[:80]!r} for {name!r}: {problem}")
            if key in owners:
                raise SceneError(f"publish.key {spec.key!r} puts {owners[key]!r} and {name!r} under one key, {key!r}; "
                                 "include {file}, or {name} and {ext}")
            owners[key] = name
            items.append(Item(clip, name, kind, key, path, size, sha256, md5))
    return items


def key_problem(key: str) -> str | None:
    """What no store takes in a key: more than 1024 bytes (S3), a name of more than 255 (file systems)."""
    if len(key.encode("utf-8")) > 1024:
        return "over 1024 bytes, more than S3 takes in a key; shorten the pattern or the names"
    if any(len(part.encode("utf-8")) > 255 for part in key.split("/")):
        return "a name of over 255 bytes, more than file systems take; shorten the pattern or the names"
    if any(part in ("", ".", "..") or part.startswith(".") for part in key.split("/")):
        return "a hidden, empty or '..' name"
    return None


def _inside(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and "\\" not in name and not {"", ".", ".."} & set(parts)


def _hashes(path: Path) -> tuple[int, str, str]:
    """Size, sha256 and MD5 (what S3 checks an upload against), in one read."""
    sha256, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                sha256.update(block)
                md5.update(block)
                size += len(block)
    except OSError:
        return -1, "", ""
    return size, sha256.hexdigest(), md5.hexdigest()
