"""Render a Score to per-track audio (stems) with FluidSynth and a General MIDI SoundFont.

Each track is rendered on its own from one cached synthesizer (loading the SoundFont is the slow
part), so the mixer can treat tracks separately. Audio is float32 stereo, channels first: shape
(2, samples), the layout pedalboard and the filters work on fastest.
"""

from __future__ import annotations

import ctypes
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
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
_BLOCK = 64  # FluidSynth's internal block size (FLUID_BUFSIZE)


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
        # Reverb and chorus are off: the mixer adds one shared reverb bus, so stems stay dry. Dynamic
        # sample loading reads only the samples of presets in use: a 148 MB font loads in ~40 ms.
        settings: dict[str, Any] = {
            "synth.reverb.active": 0,
            "synth.chorus.active": 0,
            "synth.dynamic-sample-loading": 1,
        }
        self._synth = fluidsynth.Synth(gain=_SYNTH_GAIN, samplerate=float(sample_rate), **settings)
        self._sfid = self._synth.sfload(str(self.path))
        if self._sfid < 0:
            self._synth.delete()
            raise SoundFontError(f"{self.path}: FluidSynth cannot load this SoundFont (corrupt?)")
        self._write = lib.fluid_synth_write_float
        self._write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        self._write.restype = ctypes.c_int
        self._phase = 0  # samples synthesized so far, modulo the block size
        import numpy as np

        self._scratch = np.zeros((2, _BLOCK), dtype=np.float32)

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
        self._phase = (self._phase + n) % _BLOCK

    def _align(self, cursor: int) -> None:
        """Synthesize (and drop) a few samples so the synth's block phase matches ``cursor``.

        FluidSynth computes audio in 64-sample blocks and applies events at block starts; keeping the
        block grid on absolute sample positions makes every render of a track identical, whatever
        this instance rendered before and whichever instance renders it."""
        pad = (cursor - self._phase) % _BLOCK
        if pad:
            self._render_into(self._scratch, 0, pad)

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
            cursor = min(events[0][0], length)
            self._align(cursor)
            for pos, kind, pitch, velocity, note_id in events:
                pos = min(pos, length)
                if pos > cursor:
                    if synth.get_active_voice_count() > 0:
                        self._render_into(out, cursor, pos)
                    else:  # nothing sounding: leave the zeros instead of synthesizing silence
                        self._align(pos)
                    cursor = pos
                if kind == 0:
                    if sounding.get(pitch) == note_id:  # a later note on this pitch keeps sounding
                        synth.noteoff(channel, pitch)
                        del sounding[pitch]
                elif kind == 1:  # a pitch bend: ``pitch`` holds its value
                    synth.pitch_bend(channel, pitch)
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
    """(sample, kind, pitch, velocity, note id) sorted by time: note-offs (kind 0), then pitch bends
    (kind 1, the bend value in place of the pitch), then note-ons (kind 2)."""
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
        events.append((on, 2, note.pitch, velocity, i))
        events.append((max(off, on + 1), 0, note.pitch, 0, i))
    for j, bend in enumerate(track.bends):
        if not track.is_drum:
            # j keeps bends at one sample in the order they were written
            events.append((at(max(0, bend.tick)), 1, max(-8192, min(8191, bend.value)), 0, j))
    events.sort(key=lambda e: (*e[:2], e[4]) if e[1] == 1 else e)
    return events


# A SoundFont's renderers, kept for the life of the process (loading is the slow part). Two of them
# let two tracks synthesize at once: FluidSynth runs without Python's lock held.
_cache: dict[tuple[str, int, int], list[FluidRenderer]] = {}
_cache_lock = threading.Lock()
THREADS_ENV = "TUNESMITH_RENDER_THREADS"


def render_threads() -> int:
    """Tracks synthesized at once: $TUNESMITH_RENDER_THREADS, else up to 2 (one per core)."""
    value = os.environ.get(THREADS_ENV, "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return max(1, min(2, os.cpu_count() or 1))


def get_renderers(
    soundfont: str | Path | None = None, sample_rate: int = SAMPLE_RATE, count: int = 1
) -> list[FluidRenderer]:
    """``count`` cached FluidRenderers for the SoundFont ``find_soundfont(soundfont)`` picks."""
    path = find_soundfont(soundfont).resolve()
    key = (str(path), path.stat().st_mtime_ns, sample_rate)
    with _cache_lock:
        pool = _cache.setdefault(key, [])
        while len(pool) < count:
            pool.append(FluidRenderer(path, sample_rate))
        return pool[:count]


def get_renderer(soundfont: str | Path | None = None, sample_rate: int = SAMPLE_RATE) -> FluidRenderer:
    """A cached FluidRenderer for the SoundFont ``find_soundfont(soundfont)`` picks."""
    return get_renderers(soundfont, sample_rate, 1)[0]


def render_stems(
    score: Score,
    soundfont: str | Path | None = None,
    sample_rate: int = SAMPLE_RATE,
    tail_seconds: float = TAIL_SECONDS,
    threads: int | None = None,
) -> list[Stem]:
    """One Stem per track of ``score``, all the same length: the piece plus ``tail_seconds``.

    Tracks are dealt round-robin to ``threads`` synthesizers (default ``render_threads()``), so a
    fresh process renders a score bit for bit the same every time for a given thread count. Later
    renders in the same process can differ by about -70 dB right at note starts: FluidSynth's reused
    voices keep a little filter state that no reset clears."""
    length = math.ceil((score.duration_seconds() + tail_seconds) * sample_rate)
    count = max(1, min(threads or render_threads(), sum(1 for t in score.tracks if t.notes)))
    renderers = get_renderers(soundfont, sample_rate, count)
    if count == 1:
        audios = [renderers[0].render_track(score, t, length) for t in score.tracks]
    else:
        def render(worker: int) -> list[np.ndarray]:
            return [renderers[worker].render_track(score, t, length) for t in score.tracks[worker::count]]

        with ThreadPoolExecutor(count) as pool:
            dealt = list(pool.map(render, range(count)))
        audios = [dealt[i % count][i // count] for i in range(len(score.tracks))]
    return [
        Stem(t.name or f"track {i + 1}", t.program, t.is_drum, audio, sample_rate)
        for i, (t, audio) in enumerate(zip(score.tracks, audios, strict=True))
    ]


__all__ = [
    "INSTALL_HINT", "SAMPLE_RATE", "FluidRenderer", "Stem", "get_renderer", "get_renderers", "render_stems",
]
