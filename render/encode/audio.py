"""The soundtrack: a sound file checked when the scene is read, made into the film's own track (looped
or trimmed to the film's duration, loudness-normalised, faded out) and muxed by the video encoders.

The track is made once per film, before the frames are encoded: a 48 kHz stereo WAV of exactly the
film's duration in samples, so every video carries the same sound and ends with it. Loudness follows
EBU R128: measured by ffmpeg's ``loudnorm`` analysis, then one linear gain, to the target or as near
as the true-peak ceiling allows (loudnorm's own fallback, dynamic compression, would change the
music; the sidecar says the loudness reached instead).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from render.encode.ffmpeg import disk_full
from render.ground.formats import FORMATS
from render.errors import EncodeError, InputError

__all__ = ["Track", "probe_problem", "make_track", "audio_output", "audio_kbps", "track_facts", "RATE", "TRUE_PEAK"]

RATE = 48_000  #: samples a second of every track (what AAC on the platforms and Opus expect)
TRUE_PEAK = -2.0  #: dBTP: the ceiling the gain keeps the sound under (room for AAC's and Opus's overshoot)
SILENCE = -70.0  #: LUFS: below this R128 gates everything out; such a track is left as it is

#: ffmpeg's demuxers for the sound files taken: each is named to ffmpeg when the track is made, so a
#: file's content can never switch ffmpeg to a playlist or a concat list that reads other files or URLs
DEMUXERS = {"wav": "WAV", "flac": "FLAC", "mp3": "MP3", "ogg": "Ogg"}
_ONLY_FILES = ["-protocol_whitelist", "file"]

#: per container: ffmpeg's audio codec and the default bit rate in kbit/s (None: PCM), from the format registry
CODECS = {f.name: f.audio for f in FORMATS.values() if f.audio is not None}
_NAMES = {"aac": "aac", "libopus": "opus", "pcm_s24le": "pcm_s24le"}  #: the codecs as players name them


@dataclass(frozen=True)
class Sound:
    """What ffmpeg says of a file: its demuxer, its duration in seconds, whether it has an audio stream."""

    demuxer: str | None
    seconds: float | None
    audio: bool
    error: str | None


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _probe(path: Path) -> Sound:
    try:
        result = subprocess.run([_ffmpeg(), "-hide_banner", "-nostdin", *_ONLY_FILES, "-i", str(path)],
                                capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    except subprocess.TimeoutExpired:
        return Sound(None, None, False, "ffmpeg took over a minute to read it")
    said = result.stderr.decode("utf-8", "replace")
    demuxer = re.search(r"^Input #0, ([\w,]+), from", said, re.MULTILINE)
    audio = bool(re.search(r"Stream #\S+.*: Audio: ", said))
    found = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", said)
    seconds = int(found[1]) * 3600 + int(found[2]) * 60 + float(found[3]) if found else None
    error = None if "Input #0" in said else said.strip().splitlines()[-1] if said.strip() else "unreadable"
    return Sound(demuxer[1].split(",")[0] if demuxer else None, seconds, audio, error)


def probe_problem(path: Path, longest: float) -> str | None:
    """What makes ``path`` unusable as a soundtrack (empty, not sound, too long), or None."""
    if not path.is_file():
        return "not a regular file (a device, a pipe?); name a sound file (WAV, FLAC, MP3 or Ogg)"
    if path.stat().st_size == 0:
        return "the file is empty; name a sound file (WAV, FLAC, MP3 or Ogg)"
    sound = _probe(path)
    if sound.error is not None or not sound.audio:
        return "not a sound file ffmpeg can read; name a WAV, FLAC, MP3 or Ogg file"
    if sound.demuxer not in DEMUXERS:
        return f"a {sound.demuxer} file, not WAV, FLAC, MP3 or Ogg; convert it to one of those"
    if sound.seconds is not None and sound.seconds <= 0.0:
        return "the file holds no sound (under a hundredth of a second); name one with sound in it"
    if sound.seconds is not None and sound.seconds > longest:
        return (f"{sound.seconds:g} s long, more than the {longest:.0f} s a soundtrack may be (it is trimmed "
                "to the film anyway); cut it shorter")
    return None


@dataclass(frozen=True)
class Track:
    """A film's soundtrack, made: the WAV, and the loudness reached (LUFS, before the fade; None when
    it was kept as it was)."""

    path: Path
    loudness: float | None


def make_track(source: Path, seconds: float, loudness: float | None, fade: float, folder: Path) -> Track:
    """Write ``folder/track.wav``: ``source`` looped or trimmed to ``seconds``, brought to ``loudness``
    LUFS (None: as it is), faded out over the last ``fade`` seconds, as 48 kHz stereo 24-bit PCM.

    The source is decoded once (its first audio stream alone, at most ``seconds`` of it) and the
    loop made from those samples: a decoder's start-up samples (Vorbis, Opus) are then skipped once,
    not at every seam. The level is one gain: to the target, or as near as the true peak allows
    (never compressed); the track's loudness is what that gain reaches."""
    samples = max(1, round(seconds * RATE))
    budget = 300 + 4 * seconds  # ffmpeg's time, at most: a pass never hangs a render (a kiosk's visitor waits)
    demuxer = _probe(source).demuxer
    if demuxer not in DEMUXERS:  # checked when the scene was read; the file changed since
        raise InputError(f"{source}: output.audio: no longer a WAV, FLAC, MP3 or Ogg file; check it, and render again")
    decoded = folder / "source.f32"  # raw samples: no header, so its size counts them
    raw = ["-f", "f32le", "-ar", str(RATE), "-ac", "2"]
    _run([*_ONLY_FILES, "-f", demuxer, "-i", str(source), "-map", "0:a:0", "-t", f"{seconds:.6f}",
          "-af", f"aresample={RATE},aformat=channel_layouts=stereo", *raw, "-y", str(decoded)],
         source, budget, decoding=True)
    if decoded.stat().st_size < 8:  # not one sample (8 bytes: two channels of float32) came out
        raise InputError(f"{source}: output.audio: ffmpeg decodes no sound from it; export it again as WAV or FLAC")
    looped = [*raw, "-stream_loop", "-1", "-i", str(decoded)]
    cut = f"atrim=end_sample={samples}"
    gain, reached = 0.0, None
    if loudness is not None:
        measured = _measure(looped, cut, source, budget)
        if measured is not None:
            level, peak = measured
            gain = min(loudness - level, TRUE_PEAK - peak)  # to the target, or as near as the peak allows
            reached = round(level + gain, 1)
    fading = min(fade, seconds)
    ending = f",afade=t=out:st={seconds - fading:.6f}:d={fading:.6f}" if fading > 0 else ""
    chain = f"{cut},volume={gain:.4f}dB:precision=double,apad=whole_len={samples},atrim=end_sample={samples}{ending}"
    path = folder / "track.wav"
    _run([*looped, "-af", chain, "-c:a", "pcm_s24le", "-ar", str(RATE), "-ac", "2", "-fflags", "+bitexact",
          "-map_metadata", "-1", "-y", str(path)], source, budget)
    return Track(path, reached)


def _measure(looped: list[str], cut: str, source: Path, budget: float) -> tuple[float, float] | None:
    """The cut track's integrated loudness (LUFS) and true peak (dBTP), as EBU R128 measures them
    (loudnorm's analysis); None for a track too quiet to measure (R128 gates it out)."""
    said = _run([*looped, "-af", f"{cut},loudnorm=print_format=json", "-f", "null", "-"], source, budget, level="info")
    try:
        measured = json.loads(said[said.rindex("{") : said.rindex("}") + 1])
        level, peak = float(measured["input_i"]), float(measured["input_tp"])
    except (ValueError, KeyError):
        raise EncodeError(f"{source}: ffmpeg's loudness measurement gave nothing readable") from None
    return (level, peak) if level > SILENCE else None


def _run(arguments: list[str], source: Path, budget: float, level: str = "error", decoding: bool = False) -> str:
    try:
        result = subprocess.run([_ffmpeg(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", level, *arguments],
                                capture_output=True, stdin=subprocess.DEVNULL, timeout=budget)
    except subprocess.TimeoutExpired:
        raise EncodeError(f"{source}: ffmpeg took over {budget:.0f} s making the soundtrack; stopped") from None
    said = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0:
        full = disk_full(said, f" (making the soundtrack in {tempfile.gettempdir()})")
        if full is not None:  # the scratch disk's doing, not the sound's
            raise full
        lines = [line.strip() for line in said.strip().splitlines()
                 if line.strip() and not line.startswith("Conversion failed") and "Last message repeated" not in line]
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        if decoding:  # the file's own doing: broken past its header
            raise InputError(f"{source}: output.audio: ffmpeg cannot decode it ({reason}); export it again as WAV or FLAC")
        raise EncodeError(f"{source}: ffmpeg could not make the soundtrack: {reason}")
    return said


def audio_output(container: str, kbps: int | None = None) -> list[str]:
    """ffmpeg's audio output arguments for ``container`` (mp4, webm, mov), the track being input 1."""
    codec, default = CODECS[container]
    rate = [] if default is None else ["-b:a", f"{kbps or default}k"]
    return ["-map", "0:v", "-map", "1:a", "-c:a", codec, *rate, "-ar", str(RATE), "-ac", "2"]


def audio_kbps(container: str, preset: str | None = None) -> int | None:
    """The soundtrack's bit rate in ``container`` (None: PCM): the MP4's follows ``preset``'s platform."""
    from render.scene.presets import AUDIO_KBPS

    default = CODECS[container][1]
    return AUDIO_KBPS.get(preset, default) if default is not None and container == "mp4" and preset else default


def track_facts(container: str, track: Track, preset: str | None = None) -> dict:
    """What a sidecar says of a ``container``'s soundtrack (written with ``preset``'s bit rate)."""
    return {"audio": {"codec": _NAMES[CODECS[container][0]], "sample_rate": RATE, "channels": 2,
                      "kbps": audio_kbps(container, preset), "loudness_lufs": track.loudness}}
