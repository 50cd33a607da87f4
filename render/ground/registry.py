"""Extension points' implementations, named by where they live and imported only when first used.

Each registry (output formats in :mod:`render.ground.formats`, stores, face detectors and emotion-model
backends in :mod:`render.ground.plugins`) maps a name a scene or a URL uses to a :class:`Plugin`: the
``module:attribute`` that implements it, and the install hint said when its module cannot be imported
(fsspec's ``known_implementations``, imageio's plugin table). Nothing here imports a stage: the
names are strings until :meth:`Plugin.load`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from render.errors import MissingError

__all__ = ["Plugin"]


@dataclass(frozen=True)
class Plugin:
    """``target`` (``"package.module:attribute"``), and what to install when it cannot be imported."""

    target: str
    needs: tuple[str, ...] = ()  #: modules of other packages it imports when used (checked first)
    hint: str = "reinstall Happy Faces: bash scripts/setup.sh"

    def load(self) -> Any:
        """The implementation itself, its module (and the modules it needs) imported now."""
        module, _, attribute = self.target.partition(":")
        try:
            for needed in self.needs:
                importlib.import_module(needed)
            return getattr(importlib.import_module(module), attribute)
        except ImportError as exc:
            raise MissingError(f"{self.target} cannot be imported ({exc}); {self.hint}") from exc
