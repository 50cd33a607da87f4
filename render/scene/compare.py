"""The ``compare`` section: each input's film shows the same person projected onto several bases, side
by side, each panel labelled ("what does this society call happy?").

The first panel is the scene's own basis (its ``dataset``, ``filter`` and ``basis``); each entry of
``bases`` is another, made of the scene's sections with the keys the entry gives in their place
(``filter: {emotion: sad}`` keeps the scene's model and threshold). Labels default to what tells the
panels apart: the dataset, the emotion, the basis model, the number of components.
"""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from render.scene.base import StrictInt, _Spec
from render.scene.inputs import Dataset, FolderDataset
from render.scene.sections import BasisSpec, FilterSpec

__all__ = ["CompareBasis", "CompareSpec", "MAX_PANELS", "MIN_PANEL", "Panel", "panels", "panel_side", "band_height"]

MAX_PANELS = 6  #: the scene's own basis and five more: beyond that a panel is too narrow to read
MIN_PANEL = 16  #: the narrowest panel a frame may hold, in pixels
BAND = 0.14  #: the labels' band, as a share of a panel's side


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def band_height(side: int) -> int:
    """The labels' band under panels of ``side`` pixels (even, at least 12 px: a line of small text)."""
    return _even(max(12, side * BAND))


def panel_side(count: int, gap: int, box: tuple[int, int, int, int]) -> int:
    """The side of ``count`` panels ``gap`` apart, with their labels' band, in ``box`` (left, top, right,
    bottom: a frame, or its safe zone): as large as fits, even."""
    left, top, right, bottom = box
    side = _even(min((right - left - (count - 1) * gap) / count, (bottom - top) / (1 + BAND)))
    return min(side, _even(bottom - top - band_height(side)))

_LABEL = dict(max_length=40, pattern=r"^[^<>\n]*$")


class CompareBasis(_Spec):
    """Another basis to project the same person onto: the scene's sections, with these keys in their place."""

    label: Optional[str] = Field(None, **_LABEL, description="The panel's label (up to 40 characters); default: "
                                 "what sets this basis apart from the others (dataset, emotion, model, components).")
    dataset: Optional[Dataset] = Field(None, description="'olivetti' or {folder: path}; default: the scene's dataset.")
    filter: Optional[FilterSpec] = Field(None, description="Keys of the scene's filter to change (emotion, model, "
                                         "min_probability...); the others are the scene's.")
    basis: Optional[BasisSpec] = Field(None, description="Keys of the scene's basis to change (components, model); "
                                       "the others are the scene's.")


class CompareSpec(_Spec):
    """Each input's film: its face projected onto the scene's basis and onto each of ``bases``, side by side."""

    label: Optional[str] = Field(None, **_LABEL, description="The scene's own basis's label (the first panel); "
                                 "default: what sets it apart from the others.")
    bases: tuple[CompareBasis, ...] = Field(min_length=1, max_length=MAX_PANELS - 1,
                                            description=f"The other bases, 1 to {MAX_PANELS - 1}, in panel order.")
    gap: StrictInt = Field(8, ge=0, le=256, multiple_of=2,
                           description="Pixels between panels (even: H.264 wants even frame sides).")


class Panel(_Spec):
    """One panel's basis, whole: a dataset, a filter and a basis, and its label."""

    label: str
    dataset: Dataset
    filter: FilterSpec
    basis: BasisSpec


def panels(dataset: Dataset, filter: FilterSpec, basis: BasisSpec, compare: CompareSpec) -> list[Panel]:
    """The panels of a comparison, the scene's own first, each whole and labelled."""
    own = (dataset, filter, basis)
    sections = [own] + [(entry.dataset if entry.dataset is not None else dataset, _changed(filter, entry.filter),
                         _changed(basis, entry.basis)) for entry in compare.bases]
    given = [compare.label] + [entry.label for entry in compare.bases]
    facts = [_facts(*section) for section in sections]
    differing = [i for i in range(len(facts[0])) if len({f[i] for f in facts}) > 1]
    labels = [label or ", ".join(f[i] for i in differing) for label, f in zip(given, facts)]
    return [Panel(label=label, dataset=d, filter=f, basis=b) for label, (d, f, b) in zip(labels, sections)]


def identical(panels: list[Panel]) -> tuple[int, int] | None:
    """The first two panels that would draw the same basis (by their sections), if any."""
    seen: dict[str, int] = {}
    for i, panel in enumerate(panels):
        key = panel.model_dump_json(exclude={"label"})
        if key in seen:
            return seen[key], i
        seen[key] = i
    return None


def _changed(section, entry):
    """``section`` with the keys ``entry`` gives (validated there) in place of its own."""
    if entry is None:
        return section
    return section.model_copy(update={key: getattr(entry, key) for key in entry.model_fields_set})


def _facts(dataset: Dataset, filter: FilterSpec, basis: BasisSpec) -> tuple[str, ...]:
    """What a panel's label may say of its basis, most telling first."""
    where = dataset.folder.name if isinstance(dataset, FolderDataset) else str(dataset)
    model = "default model" if filter.model == "default" else getattr(filter.model, "name", str(filter.model))
    at_least = f"p >= {filter.min_probability:g}"
    return (where, filter.emotion, model, at_least, basis.model, f"{basis.components} components")
