"""Style habits a player adds to the written tune: ornaments, dotted rhythms, a march's trio.

- ``celtic``: cuts (a grace note a step or third above, on the beat, about 40 ms) that separate
  repeated notes and mark long notes, and rolls on dotted-quarter notes (note, cut, note, tap, note).
- ``chinese``: huá yīn, slides played with the pitch wheel: a long note reached by a step of at most
  two semitones is slid into from the note before (rising or falling), one after a rest is scooped
  into from a step below, and a long note before a rest falls off at its end; every slide comes
  back to 0 before the next note starts. Where the step is wider than the wheel reaches (a
  pentatonic minor third), a grace note from the neighbouring step, taken from the end of the note
  before, leans into the note instead, as a dizi or erhu player does.
- ``dotted`` (march): pairs of equal eighths on a beat played as a dotted eighth and a sixteenth.
- ``trio`` (march): the contrasting strain moves to the subdominant key (melody and chords a fourth
  up, or a fifth down when the tune would leave its range), with its own key signature, and the
  march comes back da capo in the home key (a form without a return keeps one key).
Grace notes are shorter than a sixteenth (GRACE ticks), so a melody metric that quantises to the
sixteenth grid can drop them.
"""

from __future__ import annotations

import random

from tunesmith.compose.harmony import ChordSpan, Harmony
from tunesmith.compose.plan import Plan
from tunesmith.score import BEND_MAX, BEND_MIN, BEND_PER_SEMITONE, KeySignature, Note, PitchBend, Track
from tunesmith.theory.chord import Chord

GRACE = 40  # ticks: about 40 ms at 120 bpm


def _on(tick: int, beat: int) -> bool:
    """On the beat, give or take the humanised timing."""
    return abs(tick - round(tick / beat) * beat) < 40


def _scale_neighbour(pitch: int, scale: set[int], direction: int) -> int:
    p = pitch + direction
    while p % 12 not in scale:
        p += direction
    return p


def celtic(notes: list[Note], plan: Plan, seed: int) -> list[Note]:
    rng = random.Random(seed * 17 + 3)
    scale = set(plan.key.scale_pcs())
    beat = plan.meter.beat_ticks
    top = plan.parts["melody"].high if "melody" in plan.parts else 127
    out: list[Note] = []
    prev: Note | None = None
    for n in notes:
        on_beat = _on(n.start, beat)
        long_note = n.duration >= 3 * 240 - 60 and on_beat
        repeated = prev is not None and prev.pitch == n.pitch and prev.end >= n.start - 10
        if long_note and rng.random() < 0.5 and _scale_neighbour(n.pitch, scale, 1) <= top:
            # A roll: note, cut, note, tap, note.
            upper = _scale_neighbour(n.pitch, scale, 1)
            lower = _scale_neighbour(n.pitch, scale, -1)
            t = n.start
            out += [
                Note(n.pitch, t, 240 - GRACE, n.velocity),
                Note(upper, t + 240 - GRACE, GRACE, max(1, n.velocity - 15)),
                Note(n.pitch, t + 240, 240 - GRACE, n.velocity - 5),
                Note(lower, t + 480 - GRACE, GRACE, max(1, n.velocity - 15)),
                Note(n.pitch, t + 480, max(60, n.duration - 480), n.velocity - 5),
            ]
        elif (repeated or (n.duration >= beat - 60 and on_beat)) and rng.random() < 0.45:
            upper = (
                _scale_neighbour(_scale_neighbour(n.pitch, scale, 1), scale, 1)
                if rng.random() < 0.3
                else (_scale_neighbour(n.pitch, scale, 1))
            )
            if upper > top:  # the cut is fingered above the note: it must exist on the instrument
                out.append(n)
                prev = n
                continue
            out += [
                Note(upper, n.start, GRACE, max(1, n.velocity - 15)),
                Note(n.pitch, n.start + GRACE, n.duration - GRACE, n.velocity),
            ]
        else:
            out.append(n)
        prev = n
    return out


SLIDE = 120  # ticks a slide into a note takes (a sixteenth)
_RAMP_STEPS = 6  # pitch-wheel events per slide: smooth enough to sound as a glide


def _ramp(start: int, length: int, begin: float, end: float) -> list[PitchBend]:
    """Bends gliding from ``begin`` to ``end`` semitones over ``length`` ticks from ``start``
    (eased, so the glide settles into the note)."""
    out = []
    for k in range(_RAMP_STEPS + 1):
        frac = k / _RAMP_STEPS
        eased = 1 - (1 - frac) ** 2
        value = round((begin + (end - begin) * eased) * BEND_PER_SEMITONE)
        out.append(PitchBend(start + round(length * frac), max(BEND_MIN, min(BEND_MAX, value))))
    return out


def chinese(notes: list[Note], plan: Plan, seed: int) -> tuple[list[Note], list[PitchBend]]:
    """The line with its grace notes, and the pitch-wheel slides (huá yīn) it is played with."""
    rng = random.Random(seed * 19 + 5)
    scale = set(plan.key.scale_pcs())
    beat = plan.meter.beat_ticks
    out: list[Note] = []
    bends: list[PitchBend] = []
    wheel = BEND_MAX // BEND_PER_SEMITONE + 1  # semitones the wheel reaches (2)
    for i, n in enumerate(notes):
        prev = out[-1] if out else None
        nxt = notes[i + 1] if i + 1 < len(notes) else None
        alone = (prev is None or prev.end <= n.start + 10) and (nxt is None or nxt.start >= n.end - 10)
        long_note = n.duration >= beat * 3 // 4
        joined = prev is not None and abs(prev.end - n.start) < 80 and prev.pitch != n.pitch
        after_rest = prev is None or n.start - prev.end >= beat // 2
        if alone and long_note and after_rest and rng.random() < 0.5:
            # A scoop into a note after a rest, from a whole tone (or a semitone) below.
            bends += _ramp(n.start, min(SLIDE, n.duration // 3), -2.0 if rng.random() < 0.5 else -1.0, 0.0)
        elif alone and long_note and joined and prev is not None and rng.random() < 0.7:
            step = n.pitch - prev.pitch
            if abs(step) <= wheel:
                # Slide into the note from the pitch before it.
                bends += _ramp(n.start, min(SLIDE, n.duration // 3), -step, 0.0)
            elif prev.duration > 3 * GRACE:
                direction = -1 if step > 0 else 1
                grace = _scale_neighbour(n.pitch, scale, direction)
                length = 2 * GRACE
                prev.duration = max(GRACE, n.start - length - prev.start)
                out.append(Note(grace, n.start - length, length, max(1, n.velocity - 12)))
        out.append(n)
        rest_after = nxt is None or nxt.start - n.end > beat // 2
        if alone and rest_after and n.duration >= beat and rng.random() < 0.7:
            # A falling slide off a long note before a rest, back in tune once the note is over.
            fall = min(SLIDE * 3 // 2, n.duration // 3)
            drop = 1.0 if rng.random() < 0.6 else 2.0
            bends += _ramp(n.end - fall, fall, 0.0, -drop)
            reset = n.end + 30 if nxt is None else min(nxt.start, n.end + 60)
            bends.append(PitchBend(reset, 0))
    return out, bends


def dotted(notes: list[Note], plan: Plan) -> list[Note]:
    beat = plan.meter.beat_ticks
    by_start = {n.start: n for n in notes}
    for n in notes:
        if n.start % beat == 0 and n.duration == 240:
            second = by_start.get(n.start + 240)
            if second is not None and second.duration == 240 and second.pitch != n.pitch:
                n.duration = 360
                second.start += 120
                second.duration = 120
    return sorted(notes, key=lambda n: n.start)


def resolve_dissonances(plan: Plan, harmony: Harmony, notes: list[Note]) -> list[Note]:
    """A new melody in which every note outside its chord on a strong beat resolves: kept when the
    next note is a step away and in its own chord (an appoggiatura), else moved to the nearest
    chord tone (a gentle style does not hold a seventh against the chord)."""
    bar = plan.bar_ticks
    strong = set(plan.meter.strong_beats())
    line = sorted((Note(n.pitch, n.start, n.duration, n.velocity) for n in notes), key=lambda n: n.start)

    def tones(tick: int) -> set[int]:
        return set(harmony.at(tick).chord.pitch_classes())

    for i, n in enumerate(line):
        if n.start % bar not in strong or n.pitch % 12 in tones(n.start):
            continue
        nxt = line[i + 1] if i + 1 < len(line) else None
        if (
            nxt is not None
            and 1 <= abs(nxt.pitch - n.pitch) <= 2
            and nxt.start - n.end < plan.meter.beat_ticks
            and nxt.pitch % 12 in tones(nxt.start)
        ):
            continue
        chord = tones(n.start)
        prev = line[i - 1].pitch if i else n.pitch
        n.pitch = min(
            (p for p in range(n.pitch - 4, n.pitch + 5) if p % 12 in chord),
            key=lambda p: (abs(p - n.pitch), abs(p - prev)),
            default=n.pitch,
        )
    return line


def rhythm(notes: list[Note], plan: Plan) -> list[Note]:
    """The style's written rhythm habits (dotted pairs), before the performance is humanised."""
    line = [Note(n.pitch, n.start, n.duration, n.velocity) for n in notes]
    return dotted(line, plan) if plan.style.dotted_rhythm else line


def is_grace(note: Note) -> bool:
    """A grace note written by :func:`ornament` (notation leaves these out)."""
    return note.duration in (GRACE, 2 * GRACE)


def ornament(notes: list[Note], plan: Plan, seed: int) -> list[Note]:
    """The style's grace notes on the performed (humanised) melody: a new list."""
    line = sorted((Note(n.pitch, n.start, n.duration, n.velocity) for n in notes), key=lambda n: n.start)
    if plan.style.ornaments == "celtic":
        line = celtic(line, plan, seed)
    elif plan.style.ornaments == "chinese":
        line = chinese(line, plan, seed)[0]
    return line


def ornament_track(track: Track, plan: Plan, seed: int) -> None:
    """The style's grace notes and slides on a performed (humanised) solo part, in place."""
    line = sorted((Note(n.pitch, n.start, n.duration, n.velocity) for n in track.notes),
                  key=lambda n: n.start)
    if plan.style.ornaments == "celtic":
        track.notes = celtic(line, plan, seed)
    elif plan.style.ornaments == "chinese":
        track.notes, bends = chinese(line, plan, seed)
        track.bends = sorted(track.bends + bends, key=lambda b: b.tick)
    else:
        track.notes = line


def trio(plan: Plan, harmony: Harmony, melody: list[Note]) -> tuple[Harmony, list[Note], list[KeySignature]]:
    """The contrasting strain (and what follows it up to a return of the first) in the subdominant."""
    key_sigs = [plan.key.to_signature(0)]
    if not plan.style.trio:
        return harmony, melody, key_sigs
    home = plan.sections[0].label
    bar = plan.bar_ticks
    first_b = next((s for s in plan.sections if s.label != home), None)
    if first_b is None:
        return harmony, melody, key_sigs
    start = first_b.start_bar * bar
    back = next((s for s in plan.sections if s.start_bar > first_b.start_bar and s.label == home), None)
    if back is None:
        return harmony, melody, key_sigs  # a trio needs the march to come back (da capo) in its key
    end = back.start_bar * bar
    inside = [n for n in melody if start <= n.start < end]
    high = plan.parts["melody"].high
    shift = 5 if inside and max(n.pitch for n in inside) + 5 <= high else -7
    moved = [
        Note(n.pitch + (shift if start <= n.start < end else 0), n.start, n.duration, n.velocity)
        for n in melody
    ]
    subdominant = plan.key.transpose(5)
    bars = []
    for spans in harmony.bars:
        new = []
        for span in spans:
            if start <= span.start < end:
                c = span.chord
                root = (c.root + shift) % 12
                bass = None if c.bass is None else (c.bass + shift) % 12
                chord = Chord(
                    root,
                    c.quality,
                    bass,
                    subdominant.spell(root),
                    "" if bass is None else subdominant.spell(bass),
                )
                span = ChordSpan(span.start, span.duration, chord, span.roman)
            new.append(span)
        bars.append(new)
    key_sigs += [subdominant.to_signature(start), plan.key.to_signature(end)]
    return Harmony(bars, harmony.source), moved, key_sigs
