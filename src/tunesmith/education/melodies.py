"""Graded practice melodies: two answering phrases inside a level's limits.

A melody is a walk over scale degrees: mostly steps, leaps of the level's size filled by a step
back, the second phrase opening like the first, the first phrase ending on 2 or 5 (a half
cadence), the second on the tonic from 2 or 7. Its rhythm is drawn bar by bar from the level's
rhythms, the last bar of each phrase the longest-held. Deterministic for a seed.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass

from tunesmith.education.levels import Level
from tunesmith.errors import ControlError
from tunesmith.score import (
    TICKS_PER_QUARTER,
    KeySignature,
    Metadata,
    Note,
    Score,
    TempoChange,
    TimeSignature,
    Track,
)
from tunesmith.theory.key import Key

Q = TICKS_PER_QUARTER
STYLE_METERS = {
    "folk": ("6/8", "2/4", "4/4"),
    "waltz": ("3/4",),
    "march": ("2/4", "4/4"),
    "chorale": ("4/4",),
}


@dataclass(frozen=True)
class Melody:
    score: Score
    key: Key
    meter: str


def choose_key(lv: Level, rng: random.Random, key: str | None) -> Key:
    if key:
        chosen = Key.parse(key)
        if chosen.mode not in ("major", "minor"):
            raise ControlError("key", f"{key!r}: exercises are in major or minor keys")
        return chosen
    fifths = rng.randint(-lv.max_accidentals, lv.max_accidentals)
    mode = "minor" if lv.minor and rng.random() < 0.35 else "major"
    return Key.from_fifths(fifths, mode)


def choose_meter(lv: Level, rng: random.Random, style: str | None) -> str:
    allowed = [m for m in lv.meters if m in lv.bar_rhythms]
    if style:
        wanted = [m for m in STYLE_METERS.get(style, ()) if m in lv.bar_rhythms]
        if wanted:
            allowed = wanted
    return rng.choice(allowed)


def _rhythm(lv: Level, meter: str, bars: int, rng: random.Random) -> list[list[float]]:
    options = lv.bar_rhythms[meter]
    half = bars // 2
    out: list[list[float]] = []
    for b in range(bars):
        if b in (half - 1, bars - 1):  # phrase ends: the most held rhythm
            fewest = min(len(r) for r in options)
            out.append(list(rng.choice([r for r in options if len(r) == fewest])))
        elif b == half:  # the answer opens like the question
            out.append(list(out[0]))
        else:  # higher levels lean to the busier rhythms, as real tunes do
            weights = [len(r) ** (lv.number / 2) for r in options]
            out.append(list(rng.choices(options, weights)[0]))
    return out


def _degree_pitch(key: Key, tonic_midi: int, degree: int) -> int:
    steps = [(pc - key.tonic) % 12 for pc in key.scale_pcs()]
    octave, idx = divmod(degree, len(steps))
    return tonic_midi + 12 * octave + steps[idx]


def _walk(
    lv: Level, count: int, rng: random.Random, key: Key, *, tonic: int, targets: Mapping[int, tuple[int, ...]]
) -> list[int]:
    """Scale degrees (0 = tonic) for ``count`` notes; ``targets`` pins a note index to allowed degrees."""
    degrees: list[int] = [rng.choice((0, 2, 4)) if lv.number > 1 else rng.choice((0, 2))]
    last_leap = 0
    for i in range(1, count):
        prev = degrees[-1]
        if i in targets:
            choices = sorted(targets[i], key=lambda d: abs(d - prev))
            degrees.append(choices[0])
            last_leap = 0
            continue
        if i + 1 in targets:  # approach a pinned note by step
            goal = sorted(targets[i + 1], key=lambda d: abs(d - prev))[0]
            degrees.append(
                goal + (1 if prev > goal else -1) if abs(prev - goal) > 1 else goal + rng.choice((1, -1))
            )
            last_leap = 0
            continue
        if last_leap:
            move = -1 if last_leap > 0 else 1  # fill the gap
        elif rng.random() < lv.leap_share:
            size = rng.randint(2, 4)
            move = size * rng.choice((1, -1))
        elif rng.random() < 0.1:
            move = 0
        else:
            move = rng.choice((1, -1))
        nxt = prev + move
        if abs(_degree_pitch(key, tonic, nxt) - _degree_pitch(key, tonic, prev)) > lv.max_leap:
            nxt = prev + (1 if move > 0 else -1)
        degrees.append(nxt)
        last_leap = move if abs(move) >= 2 else 0
    return degrees


def practice_melody(
    lv: Level, seed: int, key: str | None = None, style: str | None = None, program: int = 0
) -> Melody:
    rng = random.Random(seed)
    chosen = choose_key(lv, rng, key)
    meter = choose_meter(lv, rng, style)
    num, den = (int(x) for x in meter.split("/"))
    bar_q = num * 4 / den
    tonic = 60 + chosen.tonic if chosen.tonic <= 7 else 48 + chosen.tonic
    for _attempt in range(200):
        rhythm = _rhythm(lv, meter, lv.bars, rng)
        durations = [d for bar in rhythm for d in bar]
        ends = [sum(len(b) for b in rhythm[: lv.bars // 2]) - 1, len(durations) - 1]
        targets = {ends[0]: (1, 4, -3), ends[1]: (0, 7, -7)}
        degrees = _walk(lv, len(durations), rng, chosen, tonic=tonic, targets=targets)
        pitches = [_degree_pitch(chosen, tonic, d) for d in degrees]
        if chosen.is_minor and lv.number >= 3 and len(pitches) > 1 and (pitches[-2] - pitches[-1]) % 12 == 10:
            pitches[-2] += 1  # raised leading tone before the final tonic (harmonic minor)
        span = max(pitches) - min(pitches)
        leaps = [abs(b - a) for a, b in itertools.pairwise(pitches)]
        if (
            span <= lv.range_semitones
            and max(leaps, default=0) <= lv.max_leap
            and 55 <= min(pitches) <= max(pitches) <= 84
        ):
            break
    else:
        raise ControlError("level", f"could not write a level-{lv.number} melody for seed {seed}")
    notes = []
    tick = 0
    for pitch, dur in zip(pitches, durations, strict=True):
        length = round(dur * Q)
        notes.append(Note(pitch, tick, length, 80))
        tick += length
    assert abs(tick - round(bar_q * Q) * lv.bars) < 2
    score = Score(
        tracks=[Track("Melody", program, False, notes)],
        tempos=[TempoChange(0, 96.0 if lv.number <= 2 else 108.0)],
        time_signatures=[TimeSignature(0, num, den)],
        key_signatures=[KeySignature(0, chosen.fifths, "minor" if chosen.is_minor else "major")],
        metadata=Metadata(title=f"Level {lv.number} melody", source="tunesmith exercise"),
    )
    return Melody(score, chosen, meter)
