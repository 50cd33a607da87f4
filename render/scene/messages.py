"""Validation errors said as people read them: one line each, naming the file, the line and the key,
what was wrong, what was received, and what to do (with a "did you mean" where a name is close)."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from render.errors import shown
from render.scene.inputs import TAGGED, FolderDataset
from render.scene.specs import Scene, _dotted, _where

__all__ = ["describe_errors"]


def describe_errors(path: Path, lines: dict, exc: ValidationError, given: set[tuple[str, ...]] = frozenset()) -> str:
    """Every problem of the scene, one line each, in the order of the file."""
    errors = exc.errors(include_url=False)
    # A list whose every item failed is also "too short": that is a consequence, not a problem.
    errors = [
        e for e in errors
        if not (e["type"] == "too_short" and any(o["loc"][: len(e["loc"])] == e["loc"] and o is not e for o in errors))
    ]
    expanded = []
    for error in errors:
        if error["type"] == "scene_limit":  # rules across keys name the keys they are about
            for key, message in [(error["ctx"]["key"], error["ctx"]["message"]), *error["ctx"].get("more", [])]:
                loc = tuple(int(part) if part.isdigit() else part for part in key.split("."))  # list items by index
                expanded.append({**error, "loc": loc, "msg": message})
        else:
            expanded.append(error)
    described = []
    for error in expanded:
        message = _explain(tuple(error["loc"]), error)
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("<")))
        if any(loc[: len(keys)] == keys for keys in given):  # a value from the command line
            described.append((0, f"{shown(path)}: --set {_dotted(loc)}: {message}"))
        else:
            described.append((_line_of(lines, loc), f"{_where(path, lines, loc)}: {message}"))
    ordered = [text for _, text in sorted(described, key=lambda item: item[0])]
    return "\n".join(dict.fromkeys(ordered))


def _line_of(lines: dict, loc: tuple) -> int:
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 0)


def _explain(loc: tuple, error: dict[str, Any]) -> str:
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        valid = _fields_at(loc[:-1])
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("<")))
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"valid keys here: {', '.join(valid)}"
        return f"unknown key; {hint}"
    if kind == "missing":
        return "required key is missing; add it"
    message = error["msg"]
    if kind == "value_error":  # our own validators already say what to do
        return message[len("Value error, ") :]
    if kind == "scene_limit":
        return message
    if kind in ("input_kind", "dataset_kind", "layout_kind"):
        message = f"{message}, got {json.dumps(got, default=str)}"
        words = {"input_kind": ["face", "image", "folder"], "dataset_kind": ["olivetti"],
                 "layout_kind": ["clips", "grid", "playlist"]}[kind]
        typed = got if isinstance(got, str) else next(iter(got), None) if isinstance(got, dict) and len(got) == 1 else None
        close = _closest(str(typed), words) if typed is not None else []
        return f"{message}; did you mean {' or '.join(map(repr, close))}?" if close else message
    if kind in ("too_short", "too_long"):  # pydantic's "tuple should have at least 1 item after validation"
        least, most = error.get("ctx", {}).get("min_length"), error.get("ctx", {}).get("max_length")
        count = len(got) if isinstance(got, (list, tuple, dict, str)) else "?"
        message = f"needs at least {least} item(s), got {count}" if kind == "too_short" else \
            f"takes at most {most} item(s), got {count}"
    if kind == "multiple_of":
        message += f", got {json.dumps(got, default=str)}"
    message = message[0].lower() + message[1:]
    if kind.endswith("_type") or kind in {"literal_error", "string_pattern_mismatch"} or "than" in kind:
        message += f", got {json.dumps(got, default=str)}"
    if kind == "literal_error" and isinstance(got, str):
        close = _closest(got, re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", "")))
        if close:  # the likely value says more than the key's description
            return f"{message}; did you mean {' or '.join(map(repr, close))}?"
    described = _description_at(tuple(p for p in loc if not (isinstance(p, str) and p.startswith("<"))))
    if not described:
        return message
    if not described[1:2].isupper():  # "A face is kept" reads on after a semicolon; "JPEG" stays
        described = described[0].lower() + described[1:]
    return f"{message}; {described.rstrip('.')}"


def _closest(got: str, choices: list[str]) -> list[str]:
    """The choices a mistyped value most likely meant: close spellings, else those it is part of."""
    close = difflib.get_close_matches(got, choices, n=2, cutoff=0.6)
    return close or [c for c in choices if got and got.lower() in c.lower()][:2]


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Scene
    for i, part in enumerate(loc):
        if isinstance(part, str) and part.startswith("<"):
            model = FolderDataset if loc[:i] == ("dataset",) else TAGGED.get(part)
            continue
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        inner = get_args(annotation)
        candidates = [annotation, *inner]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    return model


def _fields_at(loc: tuple) -> list[str]:
    model = _model_at(loc)
    return list(model.model_fields) if model else []


def _description_at(loc: tuple) -> str | None:
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    parent = _model_at(tuple(keys[:-1]))
    field = parent.model_fields.get(keys[-1]) if parent else None
    return field.description if field else None
