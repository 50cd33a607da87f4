"""``render init``: a starter scene, commented and wired to the schema, with a folder for photos."""

from __future__ import annotations

import json
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
    """Write ``scene.yaml``, ``scene.schema.json`` and ``photos/`` into ``folder``; never overwrite."""
    from render.scene.load import scene_schema

    scene, schema, photos = folder / "scene.yaml", folder / "scene.schema.json", folder / "photos"
    if scene.exists():
        raise OutputError(f"{scene}: already exists; render it, or choose another folder for render init")
    try:
        photos.mkdir(parents=True, exist_ok=True)
        schema.write_text(json.dumps(scene_schema(), indent=2) + "\n", encoding="utf-8")
        with scene.open("x", encoding="utf-8") as f:
            f.write(STARTER)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the starter scene ({exc.strerror}); choose another folder") from None
    return [scene, schema, photos]
