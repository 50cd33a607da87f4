"""A Dask cluster as the batch's executor: ``--executor dask://host:port``.

The cluster's workers are other machines, with the same install of the package and no share of this
machine's disk: jobs go to them in their ``away()`` form (:mod:`render.ground.job`) and their files come
back to be published here. Before any job is sent the cluster is asked to have a worker, and every
worker to run this very version of the package (films must not depend on which machine drew them).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from render.errors import ExecutorError

__all__ = ["connect", "WAIT_SECONDS"]

WAIT_SECONDS = 30.0  #: how long a scheduler with no worker yet is given one


@contextlib.contextmanager
def connect(spec: str) -> Iterator[tuple[Any, int]]:
    """A client of the scheduler at ``spec`` (``dask://host:port``) whose workers all run this version,
    and the threads they have between them."""
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError("--executor dask://... needs the optional Dask extra: "
                            "pip install 'happy-faces[dask]'") from None
    address = spec.removeprefix("dask://")
    try:
        client = Client(address, timeout=10)
    except OSError as exc:
        raise ExecutorError(f"--executor {spec}: no Dask scheduler answered ({exc}); start one or "
                            f"check the address") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=WAIT_SECONDS)
        except (TimeoutError, OSError):
            raise ExecutorError(f"--executor {spec}: the scheduler has no worker after {WAIT_SECONDS:.0f} s; start one "
                                f"on each machine: dask worker tcp://{address}") from None
        _same_version(spec, client)
        yield client, max(1, sum(client.nthreads().values()))


def _same_version(spec: str, client: Any) -> None:
    """Refuse a cluster whose workers run another version of the package, or none, naming both."""
    from render import __version__

    answers = client.run(_version, on_error="return")
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            raise ExecutorError(f"--executor {spec}: worker {worker} cannot run happy-faces ({type(answer).__name__}: "
                                f"{answer}); install happy-faces {__version__} on every worker, as on this machine")
        if answer != __version__:
            raise ExecutorError(f"--executor {spec}: worker {worker} runs happy-faces {answer}, this machine "
                                f"{__version__}; install the same version on every worker")


def _version() -> str:
    """On a worker: the version of the package it runs."""
    from render import __version__

    return __version__
