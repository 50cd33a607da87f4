"""Publishing one scene: what is new, changed or missing on the store goes up, in parallel, each file
verified and recorded in the manifest as soon as it is there; then the links and the index.

A re-run lists the store once and sends only what differs from the manifest's record (content, key,
or the store's size and ETag); a run stopped at any point leaves every finished upload recorded and
no half file under a final key, and the next run finishes the rest.
"""

from __future__ import annotations

import logging
import os
import posixpath
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from render.errors import PublishError, SceneError
from render.ground.console import Console
from render.ground.formats import FORMATS, formats_with
from render.publish.faults import fault
from render.publish.meter import Meter
from render.publish.select import Item, key_for, select, _hashes
from render.publish.share import FILM_KINDS, links_for, write_share
from render.publish.store import Remote, Store, open_store
from render.run.manifest import Manifest
from render.scene import Scene

__all__ = ["publish_scene", "Published", "TRIES"]

TRIES = 4  #: attempts per file for transient faults, with backoff between them
BACKOFF = 0.5  #: seconds before the second try; doubled each time
#: of a clip's videos, the one its link opens first: the MP4 plays everywhere
_PLAYABLE = tuple(FORMATS[name].suffix for name in formats_with(publish_kind="video"))


@dataclass
class Published:
    """What one scene's publish did."""

    store: str
    sent: list[Item] = field(default_factory=list)
    current: int = 0
    swept: int = 0
    links: dict[str, str] = field(default_factory=dict)  #: clip -> link
    index: Path | None = None
    seconds: float = 0.0  #: the whole publish
    sending: float = 0.0  #: from the start to the last upload, before the links and QR codes

    @property
    def bytes(self) -> int:
        return sum(item.bytes for item in self.sent)


def publish_scene(scene: Scene, manifest: Manifest, meter: Meter, console: Console,
                  claimed: dict[tuple[str, str], str] | None = None) -> Published:
    """Publish ``scene``'s finished clips to ``scene.publish.to``; raise :class:`PublishError` (what
    went up before is recorded) or :class:`SceneError` / :class:`InputError` before anything goes.
    ``claimed`` holds the keys earlier scenes of the run published, (store, key) -> scene: a scene
    whose key would land on one of them is refused, never let to overwrite it."""
    spec, started = scene.publish, time.monotonic()
    assert spec.to is not None
    # asyncssh and aiohttp log each dropped socket on asyncio's logger; the fault is said once, below.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    store = open_store(spec.to, spec.endpoint_url, spec.region)
    items = select(scene.name, scene.scene_dir, manifest, spec)
    if not items:
        raise SceneError(f"{scene.name}: nothing of kinds {', '.join(spec.files)} among its finished clips; "
                         "render it first, or widen publish.files")
    claimed = {} if claimed is None else claimed
    for item in items:
        owner = claimed.get((store.ident, item.key))
        if owner is not None and owner != scene.name:
            raise SceneError(f"{scene.name}: publish.key {spec.key!r} puts {item.name!r} at {item.key!r}, where scene "
                             f"{owner!r} published in this run; include {{scene}} in the key")
    claimed.update({(store.ident, item.key): scene.name for item in items})
    _tried(store, store.check)
    keys = {item.key for item in items}
    if spec.public_url:  # the index goes up too: listed with the rest
        keys.add(index_key(scene))
    prefix = posixpath.commonpath([posixpath.dirname(key) for key in keys])
    remote = _tried(store, store.listing, prefix)
    outcome = Published(store.url, swept=_tried(store, store.sweep, remote, keys))
    records = manifest.published.get(store.ident, {})
    todo = [item for item in items if not _current(records.get(item.name), item, remote)]
    outcome.current = len(items) - len(todo)
    _send(store, todo, spec.jobs, manifest, meter, outcome)
    outcome.sending = time.monotonic() - started
    folder = scene.scene_dir / "share"
    films = links_for(folder, store, spec, _films(items))
    if films and not spec.public_url and os.environ.get("AWS_SESSION_TOKEN"):
        console.warn(f"{scene.name}: the links are signed with temporary credentials: they carry the session token "
            "and stop working when it expires; for lasting links set publish.public_url, or publish with lasting keys")
    if films:
        outcome.index = write_share(folder, scene.title or scene.name, films, spec.public_url or store.ident)
        outcome.links = {clip: film.link for clip, film in films.items()}
        if spec.public_url:  # lasting links: the index belongs on the store too
            _send_index(store, scene, outcome, manifest, meter, remote, records, {item.key for item in items})
    outcome.seconds = time.monotonic() - started
    return outcome


def index_key(scene: Scene) -> str:
    """Where the index of the scene's films goes: the key pattern's, for a clip called ``index``."""
    return key_for(scene.publish.key, scene.name, "index", "index.html")


def _current(record: dict[str, Any] | None, item: Item, remote: dict[str, Remote]) -> bool:
    """Whether the store still holds what the manifest says was sent of this very file."""
    if not record or record.get("sha256") != item.sha256 or record.get("key") != item.key:
        return False
    there = remote.get(item.key)
    if there is None or there.bytes != item.bytes:
        return False
    return record.get("etag") is None or there.etag is None or record["etag"] == there.etag


def _send(store: Store, items: list[Item], jobs: int, manifest: Manifest, meter: Meter, outcome: Published) -> None:
    """Upload ``items``, ``jobs`` at a time, recording each as it lands; on the first permanent fault
    nothing new starts, what is in flight finishes and is recorded, and the fault is raised."""
    if not items:
        return
    meter.begin(outcome.store, len(items), sum(item.bytes for item in items))
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(items)), thread_name_prefix="publish")
    pending: dict[Future, Item] = {pool.submit(_upload, store, item): item for item in items}
    failure: PublishError | None = None
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                if future.cancelled():
                    continue
                try:
                    there = future.result()
                except PublishError as exc:
                    failure = failure or exc
                    for other in pending:
                        other.cancel()
                    continue
                manifest.record_published(store.ident, item.name, _record(store, item, there))
                outcome.sent.append(item)
                meter.advance(item.bytes)
    finally:  # Ctrl-C included: nothing new starts; the manifest keeps what landed
        pool.shutdown(wait=False, cancel_futures=True)
        meter.end()
        manifest.flush()
    if failure is not None:
        left = len(items) - len(outcome.sent)
        raise PublishError(f"{failure}; {len(outcome.sent)} of {len(items)} files were published and recorded, "
                           f"{left} not: run again to finish", failure.exit_code)


def _upload(store: Store, item: Item) -> Remote:
    return _tried(store, store.upload, item.path, item.key, item.bytes, item.sha256, item.md5)


def _tried(store: Store, action: Callable[..., Any], *args: Any) -> Any:
    """``action(*args)``, tried again after transient faults with backoff; a fault said as PublishError."""
    for attempt in range(TRIES):
        try:
            return action(*args)
        except store.errors as exc:
            transient, error = fault(exc, store.url, store.host)
            if not transient or attempt == TRIES - 1:
                raise error from exc
            time.sleep(BACKOFF * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _record(store: Store, item: Item, there: Remote) -> dict[str, Any]:
    return {"key": item.key, "url": f"{store.url.rstrip('/')}/{item.key}", "bytes": item.bytes, "sha256": item.sha256,
            "etag": there.etag, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _films(items: list[Item]) -> dict[str, tuple[str, str]]:
    """clip -> (kind, key) of the film each clip's link opens: its video (the MP4, else the WebM), else
    its viewer, its WebP, its GIF. (A MOV is ProRes, for editing: browsers do not play it.)"""
    def rank(item: Item) -> tuple[int, int]:
        suffix = posixpath.splitext(item.name)[1]
        return FILM_KINDS.index(item.kind), _PLAYABLE.index(suffix) if suffix in _PLAYABLE else len(_PLAYABLE)

    films: dict[str, tuple[str, str]] = {}
    for item in sorted((item for item in items if item.kind in FILM_KINDS), key=rank):
        films.setdefault(item.clip, (item.kind, item.key))  # the first in rank wins
    return films


def _send_index(store: Store, scene: Scene, outcome: Published, manifest: Manifest, meter: Meter,
                remote: dict[str, Remote], records: dict[str, Any], keys: set[str]) -> None:
    assert outcome.index is not None
    name = "share/index.html"
    key = index_key(scene)
    if key in keys:
        raise SceneError(f"publish.key {scene.publish.key!r}: the index, {key!r}, would replace a clip's file; "
                         "rename the clip called 'index'")
    size, sha256, md5 = _hashes(outcome.index)
    item = Item("index", name, "index", key, outcome.index, size, sha256, md5)
    if not _current(records.get(name), item, remote):
        _send(store, [item], 1, manifest, meter, outcome)
