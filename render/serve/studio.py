"""The studio: one warm process that turns each visitor's photo into their morph at once.

Started once with the scene's dataset, basis and model loaded (and the model run once, so its first
visitor does not wait for it), it frames a photo exactly as photo inputs are framed, projects it,
reads every level with the model, and answers with all a page needs to play the morph. The visitor's
film then renders in the background as a clip job of the batch machinery, is recorded in the scene's
manifest, and its files are offered for download.

A visitor's photo is personal data: it is decoded from memory, never logged, and written to disk only
when the scene's ``serve.keep`` is ``photos``; ``DELETE`` removes everything kept of a visitor.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from render.cache import Cache
from render.ground.console import Console
from render.encode.viewer import b64, viewer_data
from render.faces.photo import read_photo_bytes
from render.faces.portrait import Portraits, match_tone
from render.faces.subjects import dataset_tone
from render.film.clip import ClipJob
from render.ground.morph import Morph
from render.learn.learnt import learn
from render.run.batch import submit
from render.ground.job import Finished
from render.run.manifest import Manifest
from render.run.plan import check_soundtrack, clip_settings, scene_settings
from render.ground.staging import staged
from render.scene import EMOTIONS, Scene

__all__ = ["Studio", "Visitor", "UnknownVisitor"]

PREFIX = "visitor-"
#: Largest upload the kiosk decodes: a phone's photo; the kiosk page itself sends at most 960 px.
KIOSK_MAX_PIXELS = 16_000_000


class UnknownVisitor(LookupError):
    """No visitor of that id (never seen, or deleted)."""


@dataclass
class Visitor:
    """One visitor's film: ``rendering``, then ``done`` (its files) or ``failed`` (the reason)."""

    id: str
    state: str = "rendering"
    reason: str | None = None
    files: list[str] = field(default_factory=list)  #: paths in the scene's folder
    deleted: bool = False

    @property
    def name(self) -> str:
        return PREFIX + self.id


class Studio:
    """The scene's learnt state, warm, and the visitors it has met."""

    def __init__(self, scene: Scene, cache: Cache, executor: Executor, console: Console, *, warm: bool = True,
                 kiosk: bool = True) -> None:
        check_soundtrack(scene)
        learnt = learn(scene, cache, console)
        self.scene, self.basis, self.state, self.model = scene, learnt.basis, learnt.state, learnt.model
        self.tone = dataset_tone(learnt.kept)
        self.kept = len(learnt.kept)  #: faces the filter kept (``{face: all}`` names one clip each)
        # A visitor before the camera fills at least a fifth of the picture: look for no smaller face.
        self.portraits = Portraits(learnt.kept.shape[1], min_face_divisor=5 if kiosk else 12,
                                   detector=scene.photos.detector, fill=learnt.kept.mean(axis=0))
        self.shared = scene_settings(scene, learnt)
        self.executor = executor
        self.manifest = Manifest.load(scene.scene_dir, scene.name, console)
        self.visitors: dict[str, Visitor] = {}
        self._lock = threading.Lock()  # the registry and the manifest
        self._model_lock = threading.Lock()  # one prediction at a time
        self._detector_lock = threading.Lock()  # OpenCV's cascade classifiers are not thread-safe
        if warm:  # load the model and run it once now, not for the first visitor
            self.read(Morph.of(learnt.kept[0], self.basis, scene.morph))

    def read(self, morph: Morph) -> np.ndarray:
        """The model's 7 probabilities for every level of ``morph``."""
        frames = np.stack([morph.frame(k) for k in range(len(morph))])
        with self._model_lock:
            return self.model.predict(frames)

    def welcome(self, photo: bytes) -> tuple[Visitor, dict[str, Any]]:
        """Frame, project and read a visitor's photo; start their film; return them and the page's data.

        Raises
        ------
        InputError
            When the bytes are not a usable JPEG or PNG photo (NoFaceError: no face in it).
        """
        scene = self.scene
        pixels = read_photo_bytes(photo, max_pixels=KIOSK_MAX_PIXELS)
        with self._detector_lock:
            framed = self.portraits.frame(pixels, "the photo")
        face = match_tone(framed, *self.tone)
        morph = Morph.of(face, self.basis, scene.morph)
        readout = self.read(morph)
        visitor = Visitor(secrets.token_hex(8))
        if scene.serve.keep == "photos":
            self._keep_photo(visitor, photo)
        job = self.clip(visitor.name, morph, readout, f"visitor {visitor.id}", from_photo=scene.serve.keep != "none")
        with self._lock:
            self.visitors[visitor.id] = visitor
        self.film(job).add_done_callback(lambda done: self._finished(visitor, done))
        chosen = readout[:, EMOTIONS.index(scene.filter.emotion)]
        page = viewer_data(face=face, target=morph.target, basis=self.basis, coefficients=morph.coefficients,
                           weights=morph.weights, padding=scene.morph.padding, pad_value=scene.morph.pad_value,
                           size=scene.output.size, interpolation=scene.output.interpolation,
                           emotion=scene.filter.emotion, idle_seconds=scene.output.viewer.idle_seconds,
                           readout=chosen, loop=scene.output.loop, hold_start=scene.output.hold_start,
                           hold_end=scene.output.hold_end)
        return visitor, {
            "id": visitor.id,
            "state": visitor.state,
            "size": list(face.shape),
            "face": b64(face),
            "projection": b64(morph.target),
            "coefficients": [float(c) for c in morph.coefficients],
            "weights": [float(w) for w in morph.weights],
            "readout": {"emotion": scene.filter.emotion, "classes": list(EMOTIONS),
                        "levels": [[round(float(p), 6) for p in row] for row in readout]},
            "viewer": page,
        }

    def clip(self, name: str, morph: Morph, readout: np.ndarray | None, source: str, from_photo: bool = True) -> ClipJob:
        """The clip job of one face's morph, as a batch would plan it."""
        return ClipJob(self.scene, name, morph, self.state, readout, from_photo=from_photo,
                       settings=clip_settings(self.shared, name, morph.face), source=source)

    def film(self, job: ClipJob) -> Future:
        """Render a clip job on the studio's executor, recorded in the scene's manifest when done; its
        future gives the :class:`Finished` record, or the exception."""
        future = submit(self.executor, job)
        future.add_done_callback(self._record)
        return future

    def _record(self, done: Future) -> None:
        if done.exception() is None:
            result: Finished = done.result()
            with self._lock:
                self.manifest.record(result.name, result.entry, every=0.0)

    def visitor(self, visitor_id: str) -> Visitor:
        """A visitor met by this process, or one recorded in the manifest by an earlier one."""
        with self._lock:
            found = self.visitors.get(visitor_id)
            if found is not None and not found.deleted:
                return found
            record = self.manifest.clips.get(PREFIX + visitor_id) if _plausible(visitor_id) else None
        if found is None and record is not None:
            return Visitor(visitor_id, "done", files=sorted(record.get("files", {})))
        raise UnknownVisitor(visitor_id)

    def delete(self, visitor_id: str) -> None:
        """Remove every file kept of a visitor (at once, or as soon as their film is finished)."""
        visitor = self.visitor(visitor_id)
        with self._lock:
            visitor.deleted = True
            self.visitors[visitor_id] = visitor
            if visitor.state == "rendering":
                return  # _finished removes the film when it is done
            self._remove(visitor)

    def _finished(self, visitor: Visitor, done: Future) -> None:
        """On the executor's thread: record the film, or why it failed."""
        error = done.exception()
        with self._lock:
            if error is None:
                visitor.files, visitor.state = sorted(done.result().entry["files"]), "done"
            else:
                visitor.state, visitor.reason = "failed", str(error) or type(error).__name__
            if visitor.deleted:
                self._remove(visitor)

    def _remove(self, visitor: Visitor) -> None:
        folder = self.scene.scene_dir
        for name in visitor.files:
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(folder / "frames" / visitor.name, ignore_errors=True)
        for kept in (folder / "photos").glob(f"{visitor.name}.*") if (folder / "photos").is_dir() else []:
            kept.unlink(missing_ok=True)
        if self.manifest.clips.pop(visitor.name, None) is not None:
            self.manifest.save()
        self.visitors.pop(visitor.id, None)

    def _keep_photo(self, visitor: Visitor, photo: bytes) -> None:
        suffix = ".png" if photo.startswith(b"\x89PNG") else ".jpg"
        with staged(self.scene.scene_dir, sweep=False) as staging:
            (staging / "photos").mkdir()
            (staging / "photos" / f"{visitor.name}{suffix}").write_bytes(photo)

    def path(self, visitor: Visitor, name: str) -> Path:
        """The file ``name`` of a finished visitor's film: only a name their record lists."""
        if visitor.state != "done" or name not in visitor.files:
            raise UnknownVisitor(f"{visitor.id}/{name}")
        return self.scene.scene_dir / name


def _plausible(visitor_id: str) -> bool:
    return len(visitor_id) == 16 and all(c in "0123456789abcdef" for c in visitor_id)
