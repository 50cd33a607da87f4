"""The scene file: its declared schema (:mod:`render.scene.specs`, with the inputs and dataset in
:mod:`render.scene.inputs`, the layouts in :mod:`render.scene.layouts`, the smaller sections in
:mod:`render.scene.sections`, the ``output`` section in :mod:`render.scene.output` and its own sections
in :mod:`render.scene.media`, the publishing section in :mod:`render.scene.publish`, the platforms'
presets in :mod:`render.scene.presets`), its loading (:mod:`render.scene.load`) and the messages of a
scene that does not validate (:mod:`render.scene.messages`)."""

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
    CompareSpec,
    Panel,
)

__all__ = ["MAX_SCENE_BYTES", "load_scene", "scene_schema", "EMOTIONS", "EASINGS", "FORMATS", "Scene", "FilterSpec", "BasisSpec", "FaceInput", "ImageInput", "FolderInput", "FolderDataset", "GridLayout", "PlaylistLayout", "MorphSpec", "OutputSpec", "GifSpec", "ViewerSpec", "ServeSpec", "CompareSpec", "Panel"]
