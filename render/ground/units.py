"""Sizes and ages as people write them in settings and on the command line: ``500MB``, ``2GB``;
``90d``, ``12h``, ``30m``, ``2w``."""

from __future__ import annotations

__all__ = ["parse_size", "parse_age"]

_UNITS = {"": 1, "b": 1, "kb": 10**3, "k": 10**3, "mb": 10**6, "m": 10**6, "gb": 10**9, "g": 10**9, "tb": 10**12}
_SPANS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_size(text: str) -> int:
    """``500MB``, ``2GB``, ``1000000`` to bytes (decimal units); ValueError otherwise."""
    import re

    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not found or found[2].lower() not in _UNITS:
        raise ValueError(f"{text!r} is not a size: write e.g. 500MB or 2GB")
    return int(float(found[1]) * _UNITS[found[2].lower()])


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``2w``, ``90m``, ``45s`` to seconds; ValueError otherwise."""
    import re

    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if not found:
        raise ValueError(f"{text!r} is not an age: write e.g. 30d, 12h or 2w")
    return float(found[1]) * _SPANS[found[2]]
