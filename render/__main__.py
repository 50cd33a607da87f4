"""``python -m render``: the same as the ``render`` console script."""

from render.cli import run

run()
