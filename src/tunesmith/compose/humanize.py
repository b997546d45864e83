"""Humanisation: velocities shaped like a player's, small timing deviations, articulation, and the
closing ritardando.

- Velocity: the plan's loudness (from arousal) per role (melody on top, pads underneath), a swell
  to the middle of each phrase and a fall at its cadence, beat-strength accents (downbeat > other
  strong beats > weak beats > off-beats), contrasting sections a little louder.
- Timing: Gaussian jitter of the style's ``timing_ms`` (clipped at two sigma) and swing on off-beat
  eighths, on every pitched part; drums stay on the grid (a tight kit is part of the style).
- Articulation: notes shorter than a beat are shortened by the plan's articulation factor
  (excited moods play more detached).
- Ritardando: tempo changes slow the last bar and the held ending.
"""

from __future__ import annotations

import itertools
import math
import random

from tunesmith.compose.instruments import role_of
from tunesmith.compose.plan import Plan
from tunesmith.score import TICKS_PER_QUARTER, Note, TempoChange, Track

ROLE_LEVEL = {
    "melody": 1.0,
    "counter": 0.78,
    "accompaniment": 0.8,
    "alto": 0.85,
    "tenor": 0.85,
    "bass voice": 0.88,
    "bass": 0.88,
    "pad": 0.62,
}


def _phrase_position(plan: Plan, tick: int) -> tuple[float, bool, bool]:
    """(position 0..1 inside its phrase, in a contrasting section?, in the phrase's last bar?)."""
    bar = tick // plan.bar_ticks
    home = plan.sections[0].label
    for s in plan.sections:
        if s.start_bar <= bar < s.start_bar + s.bars:
            first = s.start_bar
            for length in s.phrases:
                if first <= bar < first + length:
                    pos = (tick - first * plan.bar_ticks) / (length * plan.bar_ticks)
                    return pos, s.label != home, bar == first + length - 1
                first += length
    return 0.5, False, False


def _accent(plan: Plan, tick: int) -> int:
    offset = tick % plan.bar_ticks
    if offset == 0:
        return 7
    if offset in plan.meter.strong_beats():
        return 4
    if offset % plan.meter.beat_ticks == 0:
        return 0
    return -5


def velocities(plan: Plan, track: Track, rng: random.Random) -> None:
    role = role_of(track.name)
    level = ROLE_LEVEL.get(role, 0.8)
    spread = plan.style.velocity_spread
    for n in track.notes:
        pos, contrasting, cadence = _phrase_position(plan, n.start)
        swell = 1.0 + 0.12 * math.sin(math.pi * pos) - (0.06 if cadence else 0.0)
        base = plan.velocity * level * swell * plan.style.dynamic + (5 if contrasting else 0)
        accent = _accent(plan, n.start) * (1.0 if role in ("melody", "accompaniment", "bass") else 0.5)
        jitter = rng.gauss(0.0, spread / 3)
        n.velocity = max(1, min(127, round(base + accent + jitter)))


def timing(plan: Plan, track: Track, rng: random.Random) -> None:
    """Jitter and swing; onsets never move before 0 and never past the next bar line."""
    ticks_per_ms = plan.tempo / 60.0 * TICKS_PER_QUARTER / 1000.0
    sigma = plan.style.timing_ms * ticks_per_ms
    swing = round(plan.style.swing * TICKS_PER_QUARTER / 3)
    chord_offset: dict[int, int] = {}
    for n in track.notes:
        # Notes struck together (a chord) move together, as a hand does.
        if n.start not in chord_offset:
            shift = max(-2 * sigma, min(2 * sigma, rng.gauss(0.0, sigma)))
            if swing and n.start % TICKS_PER_QUARTER == TICKS_PER_QUARTER // 2 and not plan.meter.compound:
                shift += swing
            chord_offset[n.start] = round(shift)
        shift = chord_offset[n.start]
        if swing and n.start % TICKS_PER_QUARTER == 0 and n.duration == TICKS_PER_QUARTER // 2:
            n.duration += swing  # the long half of a swung pair
        new_start = max(0, n.start + shift)
        n.duration = max(20, n.duration - max(0, new_start - n.start))
        n.start = new_start


LEGATO_OVERLAP = 30  # ticks a legato note is held into the next (the notation reads it as a slur)


def articulate(plan: Plan, track: Track) -> None:
    """Detached notes when excited (shorter by the plan's articulation factor, shorter still when
    tense or in a staccato style such as the march); legato when calm or in a legato style
    (lullaby, ballad): each melody note held a little into the next."""
    beat = plan.meter.beat_ticks
    style = plan.style.articulation
    factor = plan.articulation * (0.75 if plan.mood.staccato else 1.0)
    factor *= 0.65 if style == "staccato" else 1.0
    legato = plan.mood.legato or (style == "legato" and not plan.mood.staccato)
    if legato and track.name.startswith("melody"):
        ordered = sorted(track.notes, key=lambda n: n.start)
        for a, b in itertools.pairwise(ordered):
            if 0 <= b.start - a.end <= beat // 2 and b.start > a.start:
                a.duration = b.start - a.start + (LEGATO_OVERLAP if a.pitch != b.pitch else -10)
        return
    for n in track.notes:
        if n.duration < beat:
            n.duration = max(60, round(n.duration * factor))


def ritardando(plan: Plan) -> list[TempoChange]:
    """The tempo map: the plan's tempo, slowing beat by beat over the last body bar and the ending."""
    tempos = [TempoChange(0, plan.tempo)]
    start_bar = plan.intro_bars + plan.body_bars - 1
    beat = plan.meter.beat_ticks
    steps = (1 + plan.ending_bars) * plan.meter.beats
    for k in range(1, steps + 1):
        factor = 1.0 - 0.22 * (k / steps) ** 1.5
        tempos.append(TempoChange(start_bar * plan.bar_ticks + k * beat, round(plan.tempo * factor, 2)))
    return tempos


def humanize(plan: Plan, tracks: list[Track], seed: int) -> None:
    """Shape velocity, timing and articulation of every track in place (drums: velocity only)."""
    rng = random.Random(seed * 13 + 5)
    for track in tracks:
        if track.is_drum:
            for n in track.notes:
                n.velocity = max(1, min(127, n.velocity + round(rng.gauss(0.0, 3.0))))
            continue
        velocities(plan, track, rng)
        if track.name.startswith(("melody", "counter", "accompaniment")):
            articulate(plan, track)
        timing(plan, track, rng)
        track.notes.sort(key=lambda n: (n.start, n.pitch))


def note_copy(notes: list[Note]) -> list[Note]:
    return [Note(n.pitch, n.start, n.duration, n.velocity) for n in notes]
