"""The scene file: its declared schema (:mod:`render.scene.specs`, with the inputs and dataset in
:mod:`render.scene.inputs`, the layouts in :mod:`render.scene.layouts`, the ``output`` section in
:mod:`render.scene.output` and the platforms' presets in :mod:`render.scene.presets`) and its loading
(:mod:`render.scene.load`)."""

from render.scene.load import MAX_SCENE_BYTES, load_scene, scene_schema
from render.scene.specs import (
    EMOTIONS,
    EASINGS,
    FORMATS,
    Scene,
    FilterSpec,
    BasisSpec,
    FaceInput,
    ImageInput,
    FolderInput,
    FolderDataset,
    GridLayout,
    PlaylistLayout,
    MorphSpec,
    OutputSpec,
    GifSpec,
    ViewerSpec,
    ServeSpec,
)

__all__ = ["MAX_SCENE_BYTES", "load_scene", "scene_schema", "EMOTIONS", "EASINGS", "FORMATS", "Scene", "FilterSpec", "BasisSpec", "FaceInput", "ImageInput", "FolderInput", "FolderDataset", "GridLayout", "PlaylistLayout", "MorphSpec", "OutputSpec", "GifSpec", "ViewerSpec", "ServeSpec"]
