"""The real stores of this folder's tests, as fixtures (see stores.py)."""

from stores import running, store

__all__ = ["running", "store"]
