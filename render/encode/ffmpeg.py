"""Streaming gray frames into the ffmpeg binary that imageio-ffmpeg ships.

ffmpeg is started with an argument list (never a shell); frames go through a pump (a bounded queue
and a writer thread), so the render keeps composing frames while ffmpeg takes them at its own pace.
Its exit status is checked and its last error line reported.
"""

from __future__ import annotations

import errno
import functools
import os
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import IO

import numpy as np

from render import interrupt
from render.encode.pump import Pump
from render.errors import EncodeError

__all__ = ["FfmpegSink", "ffmpeg_command", "disk_full", "find_ffmpeg_meanwhile", "ffmpeg_found"]

_finding: list = []  #: the thread of find_ffmpeg_meanwhile, while it may still run

_DISK_FULL = (("No space left on device", errno.ENOSPC), ("File too large", errno.EFBIG),
              ("Disk quota exceeded", errno.EDQUOT))


def disk_full(said: str, where: str = "") -> OSError | None:
    """The disk error ffmpeg's messages ``said`` report (full, file too large, over quota), if any."""
    for words, code in _DISK_FULL:
        if words in said:
            return OSError(code, f"{words}{where}")
    return None


def find_ffmpeg_meanwhile() -> None:
    """Find (and check, by running ``ffmpeg -version``: 20 ms) the bundled ffmpeg on a thread of its
    own while the scenes are planned, so the first film starts its encoder at once and the batch's
    workers, forked later, inherit the answer instead of each asking again."""
    import threading

    import imageio_ffmpeg

    thread = threading.Thread(target=_find_quietly, args=(imageio_ffmpeg.get_ffmpeg_exe,), daemon=True)
    thread.start()
    _finding.append(thread)


def ffmpeg_found() -> None:
    """Wait for :func:`find_ffmpeg_meanwhile` to be done: before a fork, so that no child inherits a
    lock that thread held."""
    while _finding:
        _finding.pop().join()


def _find_quietly(find) -> None:  # noqa: ANN001
    try:
        find()
    except Exception:  # noqa: BLE001 - not found: said by the first encoder that asks, in its own words
        pass


#: RGB to YUV as the films are tagged (BT.709, limited range), rounded accurately: a colour film read
#: back the same way is 51 dB from its PNG frames, every channel's mean within 0.03 of a level (50.7 dB
#: and 0.1 with ffmpeg's default rounding; a player's fast conversion reads it about a level dark).
#: This ffmpeg negotiates the conversion from the output's colour tags; the scale filter says the same.
COLOUR_SCALE = "out_color_matrix={matrix}:out_range=tv:flags=accurate_rnd+full_chroma_int+bitexact"


def _colour_matrix(output: list[str]) -> list[str]:
    """The conversion of RGB frames for an output coded as YUV: BT.709, tagged, for the videos; BT.601,
    which every WebP decoder assumes (the format carries no tag), for a lossy WebP; none for RGB codings."""
    coded = output[output.index("-pix_fmt") + 1] if "-pix_fmt" in output else ""
    if not coded.startswith("yuv"):
        return []
    if output[output.index("-f") + 1] == "webp":
        return ["-vf", f"scale={COLOUR_SCALE.format(matrix='bt601')}"]
    return ["-vf", f"scale={COLOUR_SCALE.format(matrix='bt709')}", "-colorspace", "bt709", "-color_primaries", "bt709",
            "-color_trc", "bt709", "-color_range", "tv"]


def ffmpeg_command(size: tuple[int, int], fps: float, source: str, output: list[str], path: Path,
                   alpha: bool = False, inputs: tuple[str, ...] = (), colour: bool = False,
                   planar: bool = False) -> list[str]:
    """ffmpeg's arguments: raw gray frames of ``size`` (w, h) at ``fps`` from ``source`` (gray and
    alpha pairs when ``alpha``; RGB, or RGBA, with ``colour``; with ``planar``, gray frames already
    made the 4:2:0 planes ffmpeg would make of them: :func:`tv_luma` and :func:`neutral_chroma`), and the further ``inputs`` (a
    soundtrack), encoded with the ``output`` arguments into ``path``. Colour frames coded as YUV are
    converted as :func:`_colour_matrix` says."""
    import imageio_ffmpeg

    width, height = size
    rate = str(Fraction(fps).limit_denominator(1001))
    pixels = ("rgba" if alpha else "rgb24") if colour else ("ya8" if alpha else "yuv420p" if planar else "gray")
    matrix = _colour_matrix(output) if colour else []
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", pixels, "-s", f"{width}x{height}", "-r", rate,
        "-i", source, *inputs,
        *matrix, *output, str(path),
    ]  # fmt: skip


#: ffmpeg in a process group of its own, in this process's session: a Ctrl-C at the terminal (sent to the
#: foreground group) reaches the render, which stops ffmpeg itself (at once, or after the last frame), so
#: ffmpeg never quits half way on its own. Not a session of its own: Linux gives every new session its own
#: scheduling group (autogroup), as heavy as the whole server's, and a film's encoder there takes half the
#: machine from the kiosk's visitors whatever its nice value or SCHED_IDLE say (bench/season.py: POST p95
#: with 4 visitors at once 360-430 ms in a session of its own, within the server's group: see the README).
#: (Python 3.10 has no ``process_group``, and ``preexec_fn`` is unsafe beside the render's threads: there
#: ffmpeg keeps a session of its own.)
OWN_GROUP: dict[str, object] = {"process_group": 0} if sys.version_info >= (3, 11) else {"start_new_session": True}

#: A gray level (full range, 0-255) as ffmpeg's swscale writes it into a YUV frame's luma (TV range,
#: 16-235): libswscale's lumRangeFromJpeg on its 15-bit samples, then rounded to 8 bits. Checked against
#: the bundled ffmpeg for every level (tests/encode/test_encode.py).
TV_LUMA = (((((np.arange(256) << 7) * 14071 + 33561947) >> 14) + 64) >> 7).astype(np.uint8)
TV_LUMA.flags.writeable = False


def tv_luma(frame: np.ndarray) -> bytes:
    """A gray frame's luma plane as ffmpeg makes it for an H.264 encode (through :data:`TV_LUMA`); with
    :func:`neutral_chroma`, the very yuv420p planes ffmpeg's converter would make of the frame. Sent so,
    the encoder gets the same planes without the converter (a tenth of a millisecond a 256 px frame, at
    every frame of the video; here once a level, the video's repeats sending the same bytes)."""
    import cv2

    return cv2.LUT(np.ascontiguousarray(frame, dtype=np.uint8), TV_LUMA).tobytes()


@functools.lru_cache(maxsize=8)
def neutral_chroma(width: int, height: int) -> bytes:
    """Both chroma planes of a gray yuv420p frame of ``width`` x ``height`` (even): 128 throughout."""
    if width % 2 or height % 2:
        raise ValueError(f"a yuv420p frame of {width}x{height}: its sides must be even")
    return bytes([128]) * ((width // 2) * (height // 2) * 2)


PIPE_BYTES = 1 << 20  #: how much of a film ffmpeg's pipe holds (Linux's default is 64 KiB: one 256 px frame)


def _widen(pipe: IO[bytes] | None) -> None:
    """Let ``pipe`` hold :data:`PIPE_BYTES` (Linux): frames wait in it for ffmpeg, not in a thread woken
    frame by frame, so both sides are woken a few times a film instead of at every frame."""
    import fcntl

    if pipe is None or not hasattr(fcntl, "F_SETPIPE_SZ"):
        return
    try:
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass  # over this system's limit (fs.pipe-max-size): the default size works, only a little slower


def _write_all(fd: int, buffers: list[bytes]) -> None:
    """Write ``buffers`` one after another into ``fd`` (a blocking pipe) with as few calls as it takes."""
    views = [memoryview(b) for b in buffers]
    while views:
        written = os.writev(fd, views)
        while views and written >= len(views[0]):
            written -= len(views.pop(0))
        if written:
            views[0] = views[0][written:]


class FfmpegSink:
    """A frame sink that encodes frames of ``size`` (w, h) with ffmpeg and the given output arguments.

    With an ``alpha`` mask (h, w), every frame goes with it as its alpha channel; with a ``track``
    (a WAV made by :func:`render.encode.audio.make_track`), that is ffmpeg's second input. ffmpeg
    starts at once, so its own start-up overlaps the composing of the first frames.
    """

    facts: dict[str, object]  #: what a sidecar says of the file (each format's sink sets it)

    def __init__(self, path: Path, size: tuple[int, int], fps: float, output: list[str],
                 alpha: np.ndarray | None = None, track: Path | None = None, colour: bool = False,
                 planar: bool = False) -> None:
        self.path = path
        self.size = size
        self.colour = colour  #: RGB frames (h, w, 3), not gray
        #: gray frames sent as the yuv420p planes ffmpeg would make of them (:func:`tv_luma`, then
        #: :func:`neutral_chroma`): for an encoder that codes 4:2:0 from gray (H.264), on even sides
        self.planar = planar and not colour and alpha is None and size[0] % 2 == 0 and size[1] % 2 == 0
        self.fps = fps
        self.output = output
        self.alpha = alpha
        self.track = track
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._pump: Pump[bytes] | None = None
        self._broken = False
        self._start()

    def write(self, frame: np.ndarray) -> None:
        self.send(self.raw(frame))

    def raw(self, frame: np.ndarray) -> bytes:
        """A frame's bytes as this encoder takes them, less what every frame shares (a planar frame's
        chroma): what :meth:`send` sends (a film sends a repeated frame's bytes again, made once)."""
        if frame.shape != (self.size[1], self.size[0], *((3,) if self.colour else ())):
            raise ValueError(f"frame of shape {frame.shape} sent to an encoder of size {self.size}")
        if self.planar:
            return tv_luma(frame)
        if self.alpha is not None:
            frame = np.concatenate((frame, self.alpha[..., None]), axis=-1) if self.colour else \
                np.stack((frame, self.alpha), axis=-1)
        return np.ascontiguousarray(frame, dtype=np.uint8).tobytes()

    def send(self, raw: bytes) -> None:
        """One frame, as :meth:`raw` made it, to the encoder."""
        assert self._pump is not None
        self._pump.put(raw)

    def close(self) -> None:
        if self._process is not None:
            self._finish()

    def abort(self) -> None:
        """Stop ffmpeg without caring about the file (the staging folder is discarded)."""
        if self._process is not None:
            self._process.kill()
            if self._pump is not None:
                self._pump.cancel()
                self._pump = None
            self._process.wait()
            interrupt.release(self._process)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._log = tempfile.TemporaryFile()
        inputs = ("-i", str(self.track)) if self.track is not None else ()
        command = ffmpeg_command(self.size, self.fps, "pipe:0", self.output, self.path, self.alpha is not None, inputs,
                                 self.colour, self.planar)
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log, **OWN_GROUP  # type: ignore[arg-type]
        )
        interrupt.adopt(self._process)
        _widen(self._process.stdin)
        self._pump = Pump(self._feed)

    def _feed(self, chunk: bytes) -> None:
        """On the pump's thread: one frame into ffmpeg's pipe (a planar frame's chroma after its luma)."""
        assert self._process is not None and self._process.stdin is not None
        if self._broken:
            return
        try:
            if self.planar:  # luma and chroma in one call
                _write_all(self._process.stdin.fileno(), [chunk, neutral_chroma(*self.size)])
            else:
                self._process.stdin.write(chunk)
        except (BrokenPipeError, ValueError):
            self._broken = True  # ffmpeg quit: its exit status and log tell why, in _finish

    def _stop_pump(self) -> None:
        if self._pump is not None:
            self._pump.finish()
            self._pump = None
        if self._process is not None and self._process.stdin is not None:
            try:
                self._process.stdin.close()
            except BrokenPipeError:
                pass  # already gone; the exit status tells

    def _finish(self) -> None:
        process, log = self._process, self._log
        assert process is not None and log is not None
        self._stop_pump()
        status = process.wait()
        interrupt.release(process)
        self._process, self._log = None, None
        log.seek(0)
        lines = log.read().decode("utf-8", "replace").strip().splitlines()
        log.close()
        if status != 0:
            full = disk_full(" ".join(lines))
            if full is not None:  # the disk's doing, not ffmpeg's: an output error, as for every writer
                raise full
            reason = lines[-1] if lines else f"exit status {status}"
            raise EncodeError(f"{self.path}: ffmpeg failed: {reason}")


def concat(parts: list[Path], path: Path, output: list[str], track: Path | None = None) -> None:
    """Join ``parts`` (videos of one codec and size, each starting on a keyframe) into ``path`` without
    coding them again (ffmpeg's concat demuxer), with the ``output`` arguments (the container's, the
    soundtrack's: ``track`` is ffmpeg's second input)."""
    import imageio_ffmpeg

    listing = path.with_name(f".{path.name}.parts.txt")
    quoted = (part.resolve().as_posix().replace("'", "'\\''") for part in parts)  # the concat list's own quoting
    listing.write_text("".join(f"file '{name}'\n" for name in quoted), encoding="utf-8")
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
               "-f", "concat", "-safe", "0", "-i", str(listing), *(("-i", str(track)) if track else ()),
               *output, str(path)]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, **OWN_GROUP)  # type: ignore[arg-type]
    finally:
        listing.unlink(missing_ok=True)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        full = disk_full(said)
        if full is not None:
            raise full
        raise EncodeError(f"{path}: ffmpeg could not join its {len(parts)} parts: "
                          f"{said.splitlines()[-1] if said else f'exit status {done.returncode}'}")
