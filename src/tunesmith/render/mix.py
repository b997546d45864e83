"""Per-track mixing: level, constant-power pan, EQ, a little compression, and one shared reverb bus.

The default plan follows a simple rule set (melody on top, bass and drums steady, pads underneath,
instruments panned apart) chosen from each track's role; the composer can override any field.
"""

from __future__ import annotations

import math
import queue
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tunesmith.errors import ControlError
from tunesmith.render.synth import render_threads
from tunesmith.score import Track

if TYPE_CHECKING:
    import numpy as np

    from tunesmith.render.synth import Stem

ROLES = ("melody", "counter", "bass", "drums", "chords", "pad", "other")


@dataclass(slots=True)
class MixSettings:
    """How one track sits in the mix. ``gain_db`` is relative to the auto-levelled stem (see MixPlan)."""

    gain_db: float = 0.0
    pan: float = 0.0  # -1 hard left .. 1 hard right, constant power
    reverb_send: float = 0.2  # 0..1, post-fader send to the shared reverb
    highpass_hz: float = 0.0  # 0 = off
    low_shelf_db: float = 0.0
    low_shelf_hz: float = 200.0
    high_shelf_db: float = 0.0
    high_shelf_hz: float = 6000.0
    compress: bool = False  # gentle 3:1 compression keeps bass and drums steady
    mute: bool = False
    role: str = "other"

    def validate(self, where: str) -> None:
        if not -1.0 <= self.pan <= 1.0:
            raise ControlError(f"{where}.pan", f"{self.pan} is outside -1..1")
        if not 0.0 <= self.reverb_send <= 1.0:
            raise ControlError(f"{where}.reverb_send", f"{self.reverb_send} is outside 0..1")
        if not -60.0 <= self.gain_db <= 24.0:
            raise ControlError(f"{where}.gain_db", f"{self.gain_db} is outside -60..24 dB")
        if self.highpass_hz < 0 or self.highpass_hz > 2000:
            raise ControlError(f"{where}.highpass_hz", f"{self.highpass_hz} is outside 0..2000 Hz")


@dataclass(slots=True)
class MixPlan:
    """Settings per track (same order as the stems) and the shared reverb."""

    tracks: list[MixSettings] = field(default_factory=list)
    auto_level: bool = True  # bring every stem to the same gated RMS before its gain_db
    reverb_room: float = 0.55
    reverb_damping: float = 0.5
    reverb_return_db: float = -4.0


# Level (dB, relative to the melody), pan, send, high-pass, shelves, compression per role.
_ROLE_DEFAULTS: dict[str, MixSettings] = {
    "melody": MixSettings(0.0, 0.0, 0.22, 120.0, 0.0, 200.0, 1.5, 5000.0, False),
    "counter": MixSettings(-5.0, 0.35, 0.3, 150.0, 0.0, 200.0, 0.0, 6000.0, False),
    "bass": MixSettings(-2.5, 0.0, 0.05, 30.0, 1.0, 120.0, -2.0, 4000.0, True),
    "drums": MixSettings(-3.5, 0.0, 0.12, 30.0, 0.0, 200.0, 0.0, 6000.0, True),
    "chords": MixSettings(-6.5, -0.35, 0.3, 140.0, -1.0, 250.0, 0.0, 6000.0, False),
    "pad": MixSettings(-8.0, 0.25, 0.45, 160.0, -1.5, 250.0, -3.0, 6000.0, False),
    "other": MixSettings(-6.0, 0.3, 0.25, 120.0, 0.0, 200.0, 0.0, 6000.0, False),
}

_NAME_ROLES = (
    ("drums", r"drum|perc|kit|beat|bodhr"),
    ("bass", r"bass"),
    ("counter", r"counter|descant|obbligato|harmony line|second"),
    ("melody", r"melod|lead|tune|solo|voice|vocal|soprano|theme"),
    ("pad", r"pad|drone|sustain|string|choir|organ|ambien"),
    ("chords", r"chord|comp|accomp|rhythm|arpegg|guitar|piano|keys|harp"),
)


def track_role(track: Track) -> str:
    """Mixing role of a track from its name, then its General MIDI program and register."""
    if track.is_drum:
        return "drums"
    name = track.name.lower()
    for role, pattern in _NAME_ROLES:
        if re.search(pattern, name):
            return role
    program = track.program
    if 32 <= program <= 39:
        return "bass"
    if 88 <= program <= 95 or 48 <= program <= 54:  # synth pads, string ensembles, choirs
        return "pad"
    if track.notes:
        pitches = sorted(n.pitch for n in track.notes)
        if pitches[len(pitches) // 2] < 48:
            return "bass"
        onsets = {n.start for n in track.notes}
        if len(track.notes) >= 1.8 * len(onsets):  # mostly several notes at once
            return "chords"
    return "melody" if 56 <= program <= 87 or 40 <= program <= 47 else "other"


def default_mix_plan(tracks: Sequence[Track]) -> MixPlan:
    """A plan by role; when several tracks share a role, later ones are quieter and panned apart."""
    settings: list[MixSettings] = []
    seen: dict[str, int] = {}
    side = 1.0
    for track in tracks:
        role = track_role(track)
        base = replace(_ROLE_DEFAULTS[role], role=role)
        count = seen.get(role, 0)
        seen[role] = count + 1
        if count > 0:  # a second melody/chord/pad part: step it back and put it on the other side
            base.gain_db -= 3.0
            base.pan = max(-0.7, min(0.7, -base.pan if base.pan else side * 0.4))
            side = -side
        if track.notes and not track.is_drum and base.highpass_hz > 30.0:
            # Never cut into the part's own fundamentals: stay below its low notes.
            pitches = sorted(n.pitch for n in track.notes)
            low = pitches[len(pitches) // 20]
            lowest_hz = 440.0 * 2 ** ((low - 69) / 12)
            base.highpass_hz = max(30.0, min(base.highpass_hz, 0.6 * lowest_hz))
        settings.append(base)
    return MixPlan(tracks=settings)


@dataclass(slots=True)
class MixResult:
    """The stereo mix (float32, (2, samples)), the processed dry stems and each track's RMS in dBFS."""

    audio: np.ndarray
    stems: list[np.ndarray]
    names: list[str]
    track_rms_dbfs: list[float]
    sample_rate: int
    levels: list[float] = field(default_factory=list)
    """Each raw stem's gated RMS (what auto-levelling divided by): lets a re-render of part of the
    piece (tunesmith.cocreate.splice) level its stems as the whole piece's were."""


def gated_rms(
    audio: np.ndarray, sample_rate: int, block_seconds: float = 0.1, gate_db: float = -40.0
) -> float:
    """RMS over the 100 ms blocks within ``gate_db`` of the loudest one (the part where it plays)."""
    import numpy as np

    block = max(1, int(block_seconds * sample_rate))
    x = audio if audio.ndim == 2 else audio[None, :]
    n = x.shape[1] // block * block
    if n == 0:
        return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    power = np.square(x[:, :n]).reshape(x.shape[0], n // block, block).mean(axis=(0, 2), dtype=np.float64)
    top = float(power.max())
    if top <= 0:
        return 0.0
    kept = power[power >= top * 10 ** (gate_db / 10)]
    return float(math.sqrt(float(kept.mean())))


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power (-3 dB at centre, normalised so centre is unity) left/right gains."""
    theta = (pan + 1.0) * math.pi / 4.0
    return math.cos(theta) * math.sqrt(2.0), math.sin(theta) * math.sqrt(2.0)


def _effects(s: MixSettings, level_db: float, sample_rate: int, audio: np.ndarray) -> np.ndarray:
    import pedalboard as pb

    chain: list[pb.Plugin] = []
    if s.highpass_hz > 0:
        # pedalboard's high-pass is first order (6 dB/octave); two make a 12 dB/octave slope.
        chain += [pb.HighpassFilter(cutoff_frequency_hz=s.highpass_hz) for _ in range(2)]
    if s.low_shelf_db:
        chain.append(pb.LowShelfFilter(cutoff_frequency_hz=s.low_shelf_hz, gain_db=s.low_shelf_db))
    if s.high_shelf_db:
        chain.append(pb.HighShelfFilter(cutoff_frequency_hz=s.high_shelf_hz, gain_db=s.high_shelf_db))
    if s.compress:
        # Threshold relative to the stem's own level, so it only tames the louder hits.
        chain.append(pb.Compressor(threshold_db=level_db + 3.0, ratio=3.0, attack_ms=8.0, release_ms=120.0))
    if not chain:
        return audio
    out: np.ndarray = pb.Pedalboard(chain)(audio, sample_rate, reset=True)
    return out


def _padded(audio: np.ndarray, length: int) -> np.ndarray:
    import numpy as np

    return audio if audio.shape[1] >= length else np.pad(audio, ((0, 0), (0, length - audio.shape[1])))


_REFERENCE_RMS = 0.1  # auto-levelled stems sit at -20 dBFS gated RMS before their gain_db


def process_stem(
    audio: np.ndarray, settings: MixSettings, sample_rate: int, auto_level: bool = True
) -> tuple[np.ndarray | None, float]:
    """One stem through level, EQ, compression and pan: (processed audio, or None when the track is
    muted or silent; the raw stem's gated RMS). ``audio`` is never changed in place."""
    import numpy as np

    level = gated_rms(audio, sample_rate)
    if settings.mute or level <= 1e-7:
        return None, level
    gain = 10 ** (settings.gain_db / 20)
    if auto_level:
        gain *= _REFERENCE_RMS / level
    # Filters are linear and the compressor's threshold follows the stem's own level, so the effects
    # run on the raw stem and gain and pan follow in one multiply.
    processed = _effects(settings, 20 * math.log10(level), sample_rate, audio)
    left, right = pan_gains(settings.pan)
    factors = np.array([[gain * left], [gain * right]], dtype=np.float32)
    if processed is audio:
        return audio * factors, level
    processed *= factors
    return processed, level


def mix_stems(stems: Sequence[Stem], plan: MixPlan | None = None, keep_stems: bool = True) -> MixResult:
    """Mix rendered stems to stereo following ``plan`` (default: ``default_mix_plan`` by role)."""
    if not stems:
        raise ControlError("tracks", "nothing to mix: the score has no tracks")
    if plan is None:
        plan = default_mix_plan([Track(s.name, s.program, s.is_drum) for s in stems])
    length = max(s.audio.shape[1] for s in stems)
    return mix_streamed(
        lambda _worker, i: _padded(stems[i].audio, length),
        [s.name for s in stems], plan, stems[0].sample_rate, length, keep_stems=keep_stems,
    )


def mix_streamed(
    produce: Callable[[int, int], np.ndarray],
    names: Sequence[str],
    plan: MixPlan,
    sample_rate: int,
    length: int,
    *,
    keep_stems: bool = False,
    workers: int | None = None,
) -> MixResult:
    """Mix tracks as they are produced: ``produce(worker, i)`` returns track i's (2, length) audio.

    Tracks are dealt round-robin to ``workers`` threads (default ``render_threads()``), each producing
    and processing its tracks; they are summed in track order, so the result does not depend on
    timing. Only a few stems are alive at once unless ``keep_stems`` keeps the processed ones."""
    import numpy as np
    import pedalboard as pb

    count = len(names)
    if len(plan.tracks) != count:
        raise ControlError("mix", f"plan has {len(plan.tracks)} track settings for {count} tracks")
    for i, s in enumerate(plan.tracks):
        s.validate(f"mix.tracks[{i}]")
    n_workers = max(1, min(workers or render_threads(), count))

    def work(worker: int, i: int) -> tuple[np.ndarray | None, float]:
        audio = produce(worker, i)
        if audio.shape != (2, length):
            audio = _padded(audio, length)[:, :length]
        return process_stem(audio, plan.tracks[i], sample_rate, plan.auto_level)

    # One small queue per worker: a worker runs at most one finished track ahead of the summing.
    queues: list[queue.Queue[tuple[bool, object]]] = [queue.Queue(maxsize=1) for _ in range(n_workers)]
    stop = threading.Event()

    def loop(worker: int) -> None:
        for i in range(worker, count, n_workers):
            if stop.is_set():
                return
            try:
                queues[worker].put((True, work(worker, i)))
            except BaseException as err:  # handed to the summing thread, which re-raises it
                queues[worker].put((False, err))
                return

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in range(1, n_workers)]
    for t in threads:
        t.start()
    bus = np.zeros((2, length), dtype=np.float32)
    send_bus: np.ndarray | None = None
    processed_list: list[np.ndarray] = []
    rms_db: list[float] = []
    levels: list[float] = []
    try:
        for i in range(count):
            worker = i % n_workers
            if worker == 0:
                result: tuple[np.ndarray | None, float] = work(0, i)
            else:
                ok, value = queues[worker].get()
                if not ok:
                    raise value  # type: ignore[misc]
                result = value  # type: ignore[assignment]
            processed, level = result
            levels.append(level)
            if processed is None:
                rms_db.append(float("-inf") if level <= 1e-7 else 20 * math.log10(level))
                if keep_stems:
                    processed_list.append(np.zeros((2, length), dtype=np.float32))
                continue
            bus += processed
            power = float(np.vdot(processed, processed)) / processed.size
            rms_db.append(10 * math.log10(power) if power > 0 else float("-inf"))
            send = np.float32(plan.tracks[i].reverb_send)
            if send > 0:
                if send_bus is None:
                    send_bus = np.zeros((2, length), dtype=np.float32)
                if keep_stems:
                    send_bus += processed * send
                else:  # the stem is not needed any more: scale it in place as the send
                    processed *= send
                    send_bus += processed
            if keep_stems:
                processed_list.append(processed)
            del processed, result
    finally:
        stop.set()
        for q in queues:  # unblock workers waiting to hand over a track
            while not q.empty():
                q.get_nowait()
        for t in threads:
            t.join()
    if send_bus is not None:
        # Low end kept out of the reverb so it does not turn to mud.
        reverb = pb.Pedalboard(
            [
                pb.HighpassFilter(cutoff_frequency_hz=250.0),
                pb.Reverb(room_size=plan.reverb_room, damping=plan.reverb_damping, wet_level=1.0,
                          dry_level=0.0, width=1.0),
                pb.Gain(gain_db=plan.reverb_return_db),
            ]
        )
        bus += reverb(send_bus, sample_rate, reset=True)
        del send_bus
    # The reverb is still decaying (about -40 dB) when the buffer ends: fade it out, never cut it.
    fade = min(length, int(0.25 * sample_rate))
    if fade > 0:
        bus[:, length - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32) ** 2
    return MixResult(bus, processed_list, list(names), rms_db, sample_rate, levels)
