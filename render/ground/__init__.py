"""Shared ground below the stages: what several stages use, so that no stage imports a later one.

The morph's maths (:mod:`~render.ground.morph`, :mod:`~render.ground.easing`,
:mod:`~render.ground.timeline`), a job and its result (:mod:`~render.ground.job`), staging
(:mod:`~render.ground.staging`), console output (:mod:`~render.ground.console`) and the registries of
the extension points (:mod:`~render.ground.registry`). With :mod:`render.errors`, :mod:`render.hashing`
(checksums included), :mod:`render.cache` and :mod:`render.interrupt` beside them, this is the lowest
layer of the import contract in ``pyproject.toml``.
"""
