"""The studio: one warm process that turns a photo into its morph at once.

Started once with the scene's dataset, basis and model loaded (and the model run once, so its first
visitor does not wait for it), it frames a photo exactly as photo inputs are framed, projects it,
reads every level with the model, and gives all a page needs to play the morph. Films are clip jobs
of the batch machinery, rendered on the studio's executor: the kiosk's visitors'
(:mod:`render.serve.kiosk`) and the hot folder's (:mod:`render.serve.watch`, recorded in the scene's
manifest).

A visitor's photo is personal data: it is decoded from memory and never logged here.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from concurrent.futures import Executor, Future
from typing import Any

import numpy as np

from render.cache import Cache
from render.encode.viewer import b64, viewer_data
from render.errors import SceneError
from render.faces.photo import read_photo_bytes
from render.faces.portrait import Detail, Portraits, match_tone
from render.faces.subjects import dataset_tone
from render.film.clip import ClipJob
from render.ground.console import Console
from render.ground.job import Finished
from render.ground.morph import Morph, morph_weights
from render.learn.learnt import learn
from render.learn.quick import quick_reader
from render.run.batch import submit
from render.run.manifest import Manifest
from render.run.plan import check_soundtrack, clip_settings, scene_settings
from render.scene import EMOTIONS, Scene

__all__ = ["Studio", "KIOSK_MAX_PIXELS"]

#: Largest upload the kiosk decodes: a phone's photo; the kiosk page itself sends at most 960 px.
KIOSK_MAX_PIXELS = 16_000_000
#: A photo this large gives its decoding memory back to the system once framed (glibc would keep it).
LARGE_PIXELS = 4_000_000


class Studio:
    """The scene's learnt state, warm."""

    def __init__(self, scene: Scene, cache: Cache, executor: Executor | None, console: Console, *, warm: bool = True,
                 kiosk: bool = True) -> None:
        check_soundtrack(scene)
        if kiosk and scene.compare is not None:
            raise SceneError(f"{scene.where('compare')}: the kiosk's page plays one basis; serve a scene without "
                             "compare")
        learnt = learn(scene, cache, console)
        self.scene, self.basis, self.state, self.model = scene, learnt.basis, learnt.state, learnt.model
        self.tone = dataset_tone(learnt.kept)
        self.kept = len(learnt.kept)  #: faces the filter kept (``{face: all}`` names one clip each)
        # A visitor before the camera fills at least a fifth of the picture: look for no smaller face.
        # One detector per core (a detector's network is not safe for two threads at once), lent out
        # per photo: visitors arriving together are framed side by side.
        # A watched folder's photos are cut again at the film's resolution when the scene asks; a
        # visitor's film is made from what the kiosk keeps of them (their small face at most).
        side = learnt.kept.shape[1]
        detail = Detail(scene.output.size, scene.morph.padding / side) if scene.morph.detail == "photo" and not kiosk else None
        self._detectors: queue.SimpleQueue[Portraits] = queue.SimpleQueue()
        for _ in range(_cores()):
            self._detectors.put(Portraits(side, min_face_divisor=5 if kiosk else 12, detector=scene.photos.detector,
                                          fill=learnt.kept.mean(axis=0), detail=detail, colour=scene.colour))
        self.portraits = self._detectors.get()
        self._detectors.put(self.portraits)
        # A 16-megapixel upload takes about 200 MB while it is decoded and framed: eight at once would
        # take the server past 1.5 GB. One decode per core; the rest wait their turn undecoded.
        self._decoding = threading.BoundedSemaphore(_cores())
        self.shared = scene_settings(scene, learnt)
        self.executor = executor
        self.manifest = Manifest.load(scene.scene_dir, scene.name, console)
        self._lock = threading.Lock()  # the manifest
        self.reader = self.model  #: what reads levels: the kiosk's, a quick copy of the model
        if warm:  # load the model and run it once now, not for the first visitor
            # A face the basis was fitted on (the appearance basis leaves out faces without landmarks).
            first = next(i for i in range(len(learnt.kept)) if i not in learnt.left_out)
            probe = _levels(Morph.of(learnt.kept[first], self.basis, scene.morph))
            self.model.predict(probe)
            if kiosk:
                self.reader = quick_reader(self.model, learnt.identity, cache, probe, console, pool=_cores())

    def read(self, morph: Morph) -> np.ndarray:
        """The model's 7 probabilities for every level of ``morph``."""
        return self.reader.predict(_levels(morph))  # calls from several threads run side by side

    def see(self, photo: bytes) -> tuple[np.ndarray, Morph, np.ndarray, dict[str, Any]]:
        """Frame, project and read a visitor's photo: their face, its morph, the model's readout of every
        level, and all the kiosk's page needs to play the morph at once.

        Raises
        ------
        InputError
            When the bytes are not a usable JPEG or PNG photo (NoFaceError: no face in it).
        """
        scene = self.scene
        with self._decoding:  # a few photos decoded at once, the others wait as the bytes they came as
            pixels = read_photo_bytes(photo, max_pixels=KIOSK_MAX_PIXELS, colour=scene.colour)
            portraits = self._detectors.get()
            try:
                framed = portraits.frame(pixels, "the photo")
            finally:
                self._detectors.put(portraits)
            large = pixels.size > LARGE_PIXELS
            del pixels
        if large:
            _give_back_memory()
        face = match_tone(framed, *self.tone)
        morph = Morph.of(face, self.basis, scene.morph)
        readout = self.read(morph)
        chosen = readout[:, EMOTIONS.index(scene.filter.emotion)]
        viewer = viewer_data(face=face, target=morph.target, basis=self.basis, coefficients=morph.coefficients,
                             weights=morph.weights, padding=scene.morph.padding, pad_value=scene.morph.pad_value,
                             size=scene.output.size, interpolation=scene.output.interpolation,
                             emotion=scene.filter.emotion, idle_seconds=scene.output.viewer.idle_seconds,
                             readout=chosen, loop=scene.output.loop, hold_start=scene.output.hold_start,
                             hold_end=scene.output.hold_end, shapes=morph.shapes)
        return face, morph, readout, {
            "size": list(face.shape),
            "face": b64(face),
            "projection": b64(morph.projection),
            "coefficients": [float(c) for c in morph.coefficients],
            "weights": [float(w) for w in morph.weights],
            "readout": {"emotion": scene.filter.emotion, "classes": list(EMOTIONS),
                        "levels": [[round(float(p), 6) for p in row] for row in readout]},
            "viewer": viewer,
        }

    def attract(self) -> dict[str, Any]:
        """The attract screen's morph: the happy eigenface moving along its first component, from one and
        a half typical differences below the mean face to as far above it (the viewer's data)."""
        basis, scene = self.basis, self.scene
        reach = 1.5 * float(basis.spread_[0])
        low = np.clip(basis.mean_ - reach * basis.components_[0], 0, 1).astype(np.float32)
        high = np.clip(basis.mean_ + reach * basis.components_[0], 0, 1).astype(np.float32)
        coefficients = np.zeros(len(basis.components_))
        coefficients[0] = reach
        return viewer_data(face=low, target=high, basis=basis, coefficients=coefficients, weights=morph_weights(scene.morph),
                           padding=scene.morph.padding, pad_value=scene.morph.pad_value, size=scene.output.size,
                           interpolation=scene.output.interpolation, emotion=scene.filter.emotion, idle_seconds=0.01,
                           loop="pingpong", hold_start=1.0, hold_end=1.0)

    def clip(self, name: str, morph: Morph, readout: np.ndarray | None, source: str, from_photo: bool = True,
             detail: np.ndarray | None = None) -> ClipJob:
        """The clip job of one face's morph (and its photo's detail), as a batch would plan it."""
        return ClipJob(self.scene, name, morph, self.state, readout, from_photo=from_photo,
                       settings=clip_settings(self.shared, name, morph.face, detail), source=source, detail=detail)

    def film(self, job: ClipJob) -> Future:
        """Render a clip job on the studio's executor, recorded in the scene's manifest when done (the
        hot folder's films; the kiosk's visitors are recorded by their own registry); its future gives
        the :class:`Finished` record, or the exception."""
        assert self.executor is not None, "a studio made without an executor makes no film itself"
        future = submit(self.executor, job)
        future.add_done_callback(self._record)
        return future

    def _record(self, done: Future) -> None:
        if done.exception() is None:
            result: Finished = done.result()
            with self._lock:
                self.manifest.record(result.name, result.entry, every=0.0)


def _give_back_memory() -> None:
    """Return freed heap to the system (glibc keeps a large decode's pages in its arenas otherwise, and
    the server would stay at its peak for the rest of the season)."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def _levels(morph: Morph) -> np.ndarray:
    return np.stack([morph.frame(k) for k in range(len(morph))])


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
