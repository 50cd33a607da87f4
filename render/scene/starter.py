"""``render init``: a starter scene, commented and wired to the schema, with a folder for photos."""

from __future__ import annotations

import json
import os
from pathlib import Path

from render.errors import OutputError

__all__ = ["write_starter", "STARTER"]

STARTER = """\
# yaml-language-server: $schema=scene.schema.json
# A Happy Faces scene: render it with   render scene.yaml   (a quick look: render scene.yaml --preview).
# Every key but name has a default; an editor with the YAML language server completes and checks
# them from scene.schema.json beside this file.
name: my-scene                    # the output folder's name: output/my-scene/

# The faces the "happy eigenface" is learnt from, and the model that picks the happy ones.
dataset: olivetti                 # or {folder: faces} for a folder of face photos
filter: {emotion: happy}          # angry, disgust, fear, happy, sad, surprise or neutral
basis: {components: 2}            # principal components of the eigenface

# What is drawn into it: one film per face.
inputs:
  - {face: 0}                     # the first happy Olivetti face
  # - {folder: photos}            # every JPEG or PNG you put in photos/ (faces seen from the front)
  # - {image: photos/me.jpg}      # one photo

morph: {levels: 50, easing: ease-in-out-sine}
output:
  dir: output
  formats: [mp4, gif, stills]     # also: frames, html (the interactive viewer), readout, webm, webp, mov
  size: 512
  # preset: instagram             # youtube, instagram, instagram-reels, x or web
"""


def write_starter(folder: Path) -> list[Path]:
    """Write ``scene.yaml``, ``scene.schema.json`` and ``photos/`` into ``folder``; never overwrite and
    never write through a link: an existing schema is left as it is (``render schema`` refreshes it).
    Returns what it wrote."""
    from render.scene.load import scene_schema

    scene, schema, photos = folder / "scene.yaml", folder / "scene.schema.json", folder / "photos"
    for path in (folder, scene, schema, photos):
        if path.is_symlink():
            raise OutputError(f"{path}: is a symbolic link, which render init does not write through; remove it, "
                              "or choose another folder")
    if schema.exists() and not schema.is_file():
        raise OutputError(f"{schema}: is not a file; remove it, or choose another folder for render init")
    if photos.exists() and not photos.is_dir():
        raise OutputError(f"{photos}: is a file where render init makes the photos folder; move it, or choose "
                          "another folder")
    if scene.exists():
        raise OutputError(f"{scene}: already exists; render it, or choose another folder for render init")
    written = []
    try:
        photos.mkdir(parents=True, exist_ok=True)
        if not schema.exists():
            _create(schema, json.dumps(scene_schema(), indent=2) + "\n")
            written.append(schema)
        _create(scene, STARTER)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the starter scene ({exc.strerror}); choose another folder") from None
    return [scene, *written, photos]


def _create(path: Path, text: str) -> None:
    """A new file: refused when anything is at ``path`` (a link included), never followed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
