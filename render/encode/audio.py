"""The soundtrack: a sound file checked when the scene is read, made into the film's own track (looped
or trimmed to the film's duration, loudness-normalised, faded out) and muxed by the video encoders.

The track is made once per film, before the frames are encoded: a 48 kHz stereo WAV of exactly the
film's duration in samples, so every video carries the same sound and ends with it. Loudness follows
EBU R128 with ffmpeg's ``loudnorm`` in two passes (measured first, then applied as one linear gain
where the true peak allows, as the filter's documentation recommends for files).
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from render.errors import EncodeError

__all__ = ["probe_problem", "make_track", "audio_output", "track_facts", "RATE", "TRUE_PEAK", "LOUDNESS_RANGE"]

RATE = 48_000  #: samples a second of every track (what AAC on the platforms and Opus expect)
TRUE_PEAK = -1.5  #: dBTP: the ceiling loudnorm keeps the sound under
LOUDNESS_RANGE = 11.0  #: LU: loudnorm's target range (its default)
SILENCE = -70.0  #: LUFS: below this R128 gates everything out; such a track is left as it is

#: ffmpeg's demuxers for the sound files taken: each is named to ffmpeg when the track is made, so a
#: file's content can never switch ffmpeg to a playlist or a concat list that reads other files or URLs
DEMUXERS = {"wav": "WAV", "flac": "FLAC", "mp3": "MP3", "ogg": "Ogg"}
_ONLY_FILES = ["-protocol_whitelist", "file"]

#: per container: ffmpeg's audio codec and the default bit rate in kbit/s (None: PCM)
CODECS = {"mp4": ("aac", 192), "webm": ("libopus", 128), "mov": ("pcm_s24le", None)}
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
    if path.stat().st_size == 0:
        return "the file is empty; name a sound file (WAV, FLAC, MP3 or Ogg)"
    sound = _probe(path)
    if sound.error is not None or not sound.audio:
        return "not a sound file ffmpeg can read; name a WAV, FLAC, MP3 or Ogg file"
    if sound.demuxer not in DEMUXERS:
        return f"a {sound.demuxer} file, not WAV, FLAC, MP3 or Ogg; convert it to one of those"
    if sound.seconds is not None and sound.seconds <= 0.0:
        return "the file holds no sound (0 s long); name one with sound in it"
    if sound.seconds is not None and sound.seconds > longest:
        return (f"{sound.seconds:.0f} s long, more than the {longest:.0f} s a soundtrack may be (it is trimmed "
                "to the film anyway); cut it shorter")
    return None


def make_track(source: Path, seconds: float, loudness: float | None, fade: float, path: Path) -> Path:
    """Write ``path``: ``source`` looped or trimmed to ``seconds``, normalised to ``loudness`` LUFS
    (None: as it is), faded out over the last ``fade`` seconds, as 48 kHz stereo 24-bit PCM."""
    samples = max(1, round(seconds * RATE))
    demuxer = _probe(source).demuxer
    if demuxer not in DEMUXERS:  # checked when the scene was read; the file changed since
        raise EncodeError(f"{source}: no longer a WAV, FLAC, MP3 or Ogg file; check it, and render again")
    looped = [*_ONLY_FILES, "-f", demuxer, "-stream_loop", "-1", "-i", str(source)]
    cut = f"aresample={RATE},aformat=channel_layouts=stereo,atrim=end_sample={samples}"
    level = ""
    if loudness is not None:
        measured = _measure(looped, cut, loudness, source)
        if measured is not None:
            level = (f",loudnorm=I={loudness}:TP={TRUE_PEAK}:LRA={LOUDNESS_RANGE}:measured_I={measured['input_i']}"
                     f":measured_TP={measured['input_tp']}:measured_LRA={measured['input_lra']}"
                     f":measured_thresh={measured['input_thresh']}:offset={measured['target_offset']}:linear=true"
                     f",aresample={RATE}")
    fading = min(fade, seconds)
    ending = f",afade=t=out:st={seconds - fading:.6f}:d={fading:.6f}" if fading > 0 else ""
    chain = f"{cut}{level},apad=whole_len={samples},atrim=end_sample={samples}{ending}"
    _run([*looped, "-af", chain, "-c:a", "pcm_s24le", "-ar", str(RATE), "-ac", "2", "-fflags", "+bitexact",
          "-map_metadata", "-1", "-y", str(path)], source)
    return path


def _measure(looped: list[str], cut: str, loudness: float, source: Path) -> dict[str, str] | None:
    """loudnorm's first pass over the cut track: its measurements, or None for a silent track."""
    said = _run([*looped, "-af", f"{cut},loudnorm=I={loudness}:TP={TRUE_PEAK}:LRA={LOUDNESS_RANGE}:print_format=json",
                 "-f", "null", "-"], source, level="info")
    try:
        measured = json.loads(said[said.rindex("{") : said.rindex("}") + 1])
        return measured if float(measured["input_i"]) > SILENCE else None
    except (ValueError, KeyError):
        raise EncodeError(f"{source}: ffmpeg's loudness measurement gave nothing readable") from None


def _run(arguments: list[str], source: Path, level: str = "error") -> str:
    result = subprocess.run([_ffmpeg(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", level, *arguments],
                            capture_output=True, stdin=subprocess.DEVNULL)
    said = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0:
        lines = said.strip().splitlines()
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        raise EncodeError(f"{source}: ffmpeg could not make the soundtrack: {reason}")
    return said


def audio_output(container: str, kbps: int | None = None) -> list[str]:
    """ffmpeg's audio output arguments for ``container`` (mp4, webm, mov), the track being input 1."""
    codec, default = CODECS[container]
    rate = [] if default is None else ["-b:a", f"{kbps or default}k"]
    return ["-map", "0:v", "-map", "1:a", "-c:a", codec, *rate, "-ar", str(RATE), "-ac", "2"]


def track_facts(container: str, preset: str | None = None) -> dict:
    """What a sidecar says of a ``container``'s soundtrack (written with ``preset``'s bit rate)."""
    from render.scene.presets import AUDIO_KBPS

    codec, default = CODECS[container]
    kbps = None if default is None else (AUDIO_KBPS.get(preset, default) if container == "mp4" and preset else default)
    return {"audio": {"codec": _NAMES[codec], "sample_rate": RATE, "channels": 2, "kbps": kbps}}
