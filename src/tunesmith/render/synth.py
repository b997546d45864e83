"""Render a Score to per-track audio (stems) with FluidSynth and a General MIDI SoundFont.

Each track is rendered on its own from one cached synthesizer (loading the SoundFont is the slow
part), so the mixer can treat tracks separately. Audio is float32 stereo, channels first: shape
(2, samples), the layout pedalboard and the filters work on fastest.
"""

from __future__ import annotations

import ctypes
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.errors import SoundFontError
from tunesmith.render.soundfont import INSTALL_HINT, find_soundfont
from tunesmith.score import Score, Track

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 44100
DRUM_CHANNEL = 9  # MIDI channel 10, counted from 0
DRUM_BANK = 128  # SoundFont convention for percussion kits
TAIL_SECONDS = 2.5  # room after the last note for releases to die out
_FADE_SECONDS = 0.05  # fade at the very end so a release cut short never clicks
_SYNTH_GAIN = 0.2  # FluidSynth's default; the master stage sets the final level anyway


@dataclass(slots=True)
class Stem:
    """One track's audio: float32 array of shape (2, samples) at ``sample_rate``."""

    name: str
    program: int
    is_drum: bool
    audio: np.ndarray
    sample_rate: int = SAMPLE_RATE


class FluidRenderer:
    """A FluidSynth instance with one SoundFont loaded; renders one track at a time (thread-safe)."""

    def __init__(self, soundfont: str | Path, sample_rate: int = SAMPLE_RATE) -> None:
        try:
            import fluidsynth
        except (ImportError, OSError) as err:  # pyfluidsynth missing or libfluidsynth not installed
            raise SoundFontError(
                f"FluidSynth is not available ({err}); install it with `sudo apt-get install fluidsynth`"
            ) from err
        self.path = Path(soundfont)
        self.sample_rate = sample_rate
        self._lock = threading.Lock()
        lib = fluidsynth._fl
        # Silence FluidSynth's own error/warning printing: failures become SoundFontError messages.
        lib.fluid_set_log_function.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        for level in (1, 2, 3):
            lib.fluid_set_log_function(level, None, None)
        # Reverb and chorus are off: the mixer adds one shared reverb bus, so stems stay dry.
        settings: dict[str, Any] = {"synth.reverb.active": 0, "synth.chorus.active": 0}
        self._synth = fluidsynth.Synth(gain=_SYNTH_GAIN, samplerate=float(sample_rate), **settings)
        self._sfid = self._synth.sfload(str(self.path))
        if self._sfid < 0:
            self._synth.delete()
            raise SoundFontError(f"{self.path}: FluidSynth cannot load this SoundFont (corrupt?)")
        self._write = lib.fluid_synth_write_float
        self._write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        self._write.restype = ctypes.c_int

    def close(self) -> None:
        self._synth.delete()

    def _select(self, channel: int, bank: int, program: int) -> None:
        if self._synth.program_select(channel, self._sfid, bank, program) != 0 and (
            self._synth.program_select(channel, self._sfid, bank, 0) != 0
        ):
            # Kits other than 0 and exotic programs are missing from small fonts; fall back to 0.
            raise SoundFontError(f"{self.path}: no preset for bank {bank} program {program} nor program 0")

    def _render_into(self, out: np.ndarray, start: int, stop: int) -> None:
        """Synthesize samples [start, stop) of ``out`` (C-contiguous float32, shape (2, n)) in place."""
        n = stop - start
        if n <= 0:
            return
        left = out[0].ctypes.data + start * 4  # float32
        right = out[1].ctypes.data + start * 4
        self._write(self._synth.synth, n, left, 0, 1, right, 0, 1)

    def render_track(self, score: Score, track: Track, length: int | None = None) -> np.ndarray:
        """Audio of one track as float32 (2, length); ``length`` defaults to the piece plus a release tail."""
        import numpy as np

        sr = self.sample_rate
        if length is None:
            length = math.ceil((score.duration_seconds() + TAIL_SECONDS) * sr)
        out = np.zeros((2, length), dtype=np.float32)
        events = _note_events(score, track, sr)
        if not events:
            return out
        channel = DRUM_CHANNEL if track.is_drum else 0
        with self._lock:
            synth = self._synth
            synth.system_reset()
            self._select(channel, DRUM_BANK if track.is_drum else 0, track.program)
            sounding: dict[int, int] = {}  # pitch -> id of the note that owns it now
            cursor = events[0][0]
            for pos, kind, pitch, velocity, note_id in events:
                pos = min(pos, length)
                if pos > cursor:
                    # Nothing sounding: leave the zeros there instead of synthesizing silence.
                    if synth.get_active_voice_count() > 0:
                        self._render_into(out, cursor, pos)
                    cursor = pos
                if kind == 0:
                    if sounding.get(pitch) == note_id:  # a later note on this pitch keeps sounding
                        synth.noteoff(channel, pitch)
                        del sounding[pitch]
                else:
                    if pitch in sounding:
                        synth.noteoff(channel, pitch)
                    synth.noteon(channel, pitch, velocity)
                    sounding[pitch] = note_id
            # Release tail: render in blocks until every voice has died out or the buffer ends.
            block = 4096
            while cursor < length and synth.get_active_voice_count() > 0:
                stop = min(length, cursor + block)
                self._render_into(out, cursor, stop)
                cursor = stop
            synth.all_sounds_off(channel)
            synth.system_reset()
        fade = min(length, int(_FADE_SECONDS * sr))
        if fade > 0:
            out[:, length - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        return out


def _note_events(score: Score, track: Track, sample_rate: int) -> list[tuple[int, int, int, int, int]]:
    """(sample, kind, pitch, velocity, note id) sorted by time, note-offs (kind 0) before note-ons."""
    seconds: dict[int, float] = {}

    def at(tick: int) -> int:
        if tick not in seconds:
            seconds[tick] = score.seconds_at(tick)
        return round(seconds[tick] * sample_rate)

    events: list[tuple[int, int, int, int, int]] = []
    for i, note in enumerate(track.notes):
        if note.duration <= 0 or not 0 <= note.pitch <= 127:
            continue
        velocity = max(1, min(127, note.velocity))
        on, off = at(note.start), at(note.end)
        events.append((on, 1, note.pitch, velocity, i))
        events.append((max(off, on + 1), 0, note.pitch, 0, i))
    events.sort()
    return events


_cache: dict[tuple[str, int, int], FluidRenderer] = {}
_cache_lock = threading.Lock()


def get_renderer(soundfont: str | Path | None = None, sample_rate: int = SAMPLE_RATE) -> FluidRenderer:
    """A cached FluidRenderer for the SoundFont ``find_soundfont(soundfont)`` picks."""
    path = find_soundfont(soundfont).resolve()
    key = (str(path), path.stat().st_mtime_ns, sample_rate)
    with _cache_lock:
        renderer = _cache.get(key)
        if renderer is None:
            renderer = FluidRenderer(path, sample_rate)
            _cache[key] = renderer
        return renderer


def render_stems(
    score: Score,
    soundfont: str | Path | None = None,
    sample_rate: int = SAMPLE_RATE,
    tail_seconds: float = TAIL_SECONDS,
) -> list[Stem]:
    """One Stem per track of ``score``, all the same length: the piece plus ``tail_seconds``."""
    renderer = get_renderer(soundfont, sample_rate)
    length = math.ceil((score.duration_seconds() + tail_seconds) * sample_rate)
    stems = []
    for i, track in enumerate(score.tracks):
        audio = renderer.render_track(score, track, length)
        stems.append(Stem(track.name or f"track {i + 1}", track.program, track.is_drum, audio, sample_rate))
    return stems


__all__ = ["INSTALL_HINT", "SAMPLE_RATE", "FluidRenderer", "Stem", "get_renderer", "render_stems"]
