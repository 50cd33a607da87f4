"""Loading a scene file: safe YAML, one validation, and errors that name the file, the line and
the key, with what was wrong and what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import ValidationError

from render.errors import SceneError, shown
from render.scene.specs import Scene

from render.scene.messages import describe_errors

__all__ = ["MAX_SCENE_BYTES", "load_scene", "scene_schema", "parse_yaml"]

MAX_SCENE_BYTES = 1_000_000
MAX_DEPTH = 64  #: levels of nested mappings and lists
MAX_VALUES = 100_000  #: values of the document once its aliases are expanded


def scene_schema() -> dict[str, Any]:
    """The JSON Schema of scene files (draft 2020-12), for editors and validators."""
    schema = Scene.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Happy Faces scene",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def load_scene(path: Path, overrides: Mapping[tuple[str, ...], Any] | None = None) -> Scene:
    """Read, parse and validate a scene file.

    Parameters
    ----------
    path
        The YAML scene file.
    overrides
        Values from the command line that replace the file's, by their key path, e.g.
        ``{("output", "dir"): Path("out"), ("morph", "levels"): 12}``; validated like the file's, and
        a problem with one is reported as ``--set key``. A relative path given here is relative to the
        working folder.

    Raises
    ------
    SceneError
        With one line naming the file, the line and the key at fault.
    """
    text = _read_text(path)
    try:
        root, data = parse_yaml(text, str(path))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown(path)}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        if isinstance(exc, yaml.constructor.ConstructorError):
            raise SceneError(
                f"{where}: not valid YAML: {exc.problem}; a scene is plain YAML, remove the tag"
            ) from None
        problem = exc.problem or exc.context or "invalid YAML"
        raise SceneError(f"{where}: not valid YAML: {problem}; check the syntax near there") from None
    except yaml.YAMLError as exc:
        raise SceneError(f"{shown(path)}: not valid YAML: {exc}") from None
    if data is None:
        raise SceneError(f"{shown(path)}: the scene is empty; start from scenes/happy.yaml")
    if not isinstance(data, dict):
        raise SceneError(
            f"{shown(path)}: a scene is a mapping of keys (name, dataset, filter, basis, inputs, morph, "
            f"output), got {_kind(data)}; start from scenes/happy.yaml"
        )
    lines = _key_lines(path, root)
    data = {"output": {}, **data}  # so output.dir's default, too, is resolved against the scene's folder
    for keys, value in (overrides or {}).items():
        data = _replaced(data, keys, value.absolute() if isinstance(value, Path) else value)
    try:
        scene = Scene.model_validate(data, context={"base": path.parent.absolute()})
    except ValidationError as exc:
        raise SceneError(describe_errors(path, lines, exc, set(overrides or {}))) from None
    scene._source = path
    scene._lines = lines
    return scene


def parse_yaml(text: str, where: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the value of a YAML text, refused (SceneError, naming ``where``) when it
    nests too deep or expands too far; yaml.YAMLError when it is not YAML."""
    _shallow(where, text)  # before composing, which recurses once per level
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    _bounded(where, root)  # before constructing, which would expand every alias
    return root, yaml.safe_load(text)


def _shallow(path: str, text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, from the parser's events (which never recurse)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise SceneError(f"{shown(path)}:{event.start_mark.line + 1}: nested over {MAX_DEPTH} levels deep; "
                                 "a scene is a few levels of keys and lists")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _bounded(path: str, root: yaml.Node | None) -> None:
    """Refuse a document whose aliases refer to themselves, or expand it past MAX_VALUES values
    (a "billion laughs"): walked without recursion, and never further than the limit."""
    if root is None:
        return
    count, stack = 0, [(root, frozenset())]
    while stack:
        node, above = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise SceneError(f"{shown(path)}: the document expands to over {MAX_VALUES} values through its aliases (*name); "
                             "a scene is small: write the values out, or use fewer aliases")
        if id(node) in above:
            raise SceneError(f"{shown(path)}:{node.start_mark.line + 1}: an alias refers to the list or mapping it is in; "
                             "remove the recursion")
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            continue
        inside = above | {id(node)}
        stack.extend((child, inside) for child in children)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise SceneError(f"{shown(path)}: no such scene file; check the path")
    if path.is_dir():
        raise SceneError(f"{shown(path)}: is a folder, not a scene file; name a .yaml file")
    try:
        # A hard limit whatever the file is: a device or a pipe has no size to check beforehand.
        with open(path, "rb") as f:
            raw = f.read(MAX_SCENE_BYTES + 1)
        if len(raw) > MAX_SCENE_BYTES:
            raise SceneError(
                f"{shown(path)}: over the {MAX_SCENE_BYTES}-byte limit for a scene file; is this really a scene?"
            )
    except PermissionError:
        raise SceneError(f"{shown(path)}: cannot be read (permission denied); check its permissions") from None
    except OSError as exc:
        raise SceneError(f"{shown(path)}: cannot be read ({exc.strerror}); check the file") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SceneError(
            f"{shown(path)}: not a text file (byte {exc.start} is not UTF-8); a scene is a YAML text file"
        ) from None


def _kind(value: object) -> str:
    names = {str: "a string", list: "a list", int: "a number", float: "a number", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)


def _as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


#: an override's value that removes the key, as if the file had left it out
DROP = object()


def _replaced(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> dict[str, Any]:
    """``data`` with the value at ``keys`` replaced, or removed for :data:`DROP` (the mappings on the
    way made as needed)."""
    head, *rest = keys
    if not rest and value is DROP:
        return {key: kept for key, kept in data.items() if key != head}
    return {**data, head: _replaced(_as_dict(data.get(head)), tuple(rest), value) if rest else value}


def _key_lines(path: Path, node: yaml.Node | None) -> dict[tuple[str | int, ...], int]:
    """Map each key path of the document to its 1-based line; reject duplicate keys."""
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(n: yaml.Node, loc: tuple[str | int, ...]) -> None:
        lines[loc] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in n.value:
                name = str(key.value)
                if name in seen:
                    dotted = ".".join(map(str, (*loc, name)))
                    raise SceneError(
                        f"{shown(path)}:{key.start_mark.line + 1}: {dotted}: key given twice; keep one"
                    )
                seen.add(name)
                walk(value, (*loc, name))
                lines[(*loc, name)] = key.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*loc, i))

    if node is not None:
        walk(node, ())
    return lines


