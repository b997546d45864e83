"""Four-part chorale setting of a melody: rules for the part-writing, Bach's chord habits as the prior.

``set_melody`` keeps the melody note for note as the soprano and writes alto, tenor and bass one
chord per beat with tunesmith.theory.fourpart's search (parallel fifths and octaves forbidden,
SATB ranges and spacing, leading tone and sevenths resolved, cadences at phrase ends), scored with the
chord-transition prior learned from Bach's chorales (tunesmith.models.chord_prior). Lower voices keep
a common tone as one held note while the chord stays, and a voice that moves by a third between two
beats fills it with a passing note on the off-beat when that adds no parallel. No torch needed: fast
enough for every composed chorale (about 5 ms a beat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tunesmith.models.chord_prior import load_prior
from tunesmith.score import Note
from tunesmith.theory import fourpart
from tunesmith.theory.chord import Chord

HOLD_COST = 2.5
"""Cost of keeping a chord while the soprano moves; set on the training chorales (benchmarks/results/
harmonize.md) so the harmonic rhythm comes near Bach's."""


@dataclass
class ChoraleSetting:
    """Alto, tenor and bass notes; the chord of every beat (label, Chord, start, duration)."""

    voices: list[list[Note]]
    chords: list[tuple[str, Chord, int, int]]
    setting: fourpart.Setting


def set_melody(
    melody: Sequence[Note],
    tonic: int,
    minor: bool,
    beat_ticks: int,
    *,
    cadence_ticks: Sequence[int] = (),
    planned: Sequence[str | None] | None = None,
    velocity: int = 70,
    passing_tones: bool = True,
) -> ChoraleSetting:
    """The four-part setting of ``melody`` in the key (tonic pitch class, minor?)."""
    line = [(n.pitch, n.start, n.duration) for n in melody]
    beats = fourpart.soprano_beats(line, beat_ticks, cadence_ticks)
    setting = fourpart.harmonize_beats(
        beats, tonic, minor, prior=load_prior(minor), planned=planned, hold_cost=HOLD_COST
    )
    voices: list[list[Note]] = [[], [], []]
    chords: list[tuple[str, Chord, int, int]] = []
    prev_label = ""
    for beat, label, voicing in zip(setting.beats, setting.labels, setting.voices, strict=True):
        if not label:
            prev_label = ""
            continue
        for v in range(3):
            pitch = voicing[v + 1]
            line_v = voices[v]
            if line_v and label == prev_label and line_v[-1].pitch == pitch and line_v[-1].end == beat.start:
                line_v[-1].duration += beat.duration
            else:
                line_v.append(Note(pitch, beat.start, beat.duration, velocity))
        chord = fourpart.label_chord_symbol(label, tonic, minor, voicing[3] % 12)
        if chords and chords[-1][0] == label and chords[-1][2] + chords[-1][3] == beat.start:
            old = chords[-1]
            chords[-1] = (old[0], old[1], old[2], old[3] + beat.duration)
        else:
            chords.append((label, chord, beat.start, beat.duration))
        prev_label = label
    if passing_tones:
        _passing_tones(voices, list(melody), tonic, minor)
    return ChoraleSetting(voices, chords, setting)


def _scale(tonic: int, minor: bool) -> set[int]:
    steps = (0, 2, 3, 5, 7, 8, 10, 11) if minor else (0, 2, 4, 5, 7, 9, 11)
    return {(tonic + s) % 12 for s in steps}


def _passing_tones(voices: list[list[Note]], soprano: list[Note], tonic: int, minor: bool) -> None:
    """Fill a third between two beats with the scale step between, on the off-beat (an eighth note),
    unless that makes a parallel fifth or octave with another part."""
    scale = _scale(tonic, minor)
    for v in (2, 1, 0):  # bass first: a walking bass line is the chorale's commonest passing motion
        line = voices[v]
        out: list[Note] = []
        for i, note in enumerate(line):
            nxt = line[i + 1] if i + 1 < len(line) else None
            half = note.duration // 2
            if (
                nxt is None
                or nxt.start != note.end
                or abs(nxt.pitch - note.pitch) not in (3, 4)
                or half < 120
                or note.duration > 480
            ):
                out.append(note)
                continue
            step = 1 if nxt.pitch > note.pitch else -1
            between = [p for p in range(note.pitch + step, nxt.pitch, step) if p % 12 in scale]
            if len(between) != 1:
                out.append(note)
                continue
            first = Note(note.pitch, note.start, half, note.velocity)
            passing = Note(between[0], note.start + half, note.duration - half, note.velocity)
            trial = [*out, first, passing, *line[i + 1 :]]
            lo, hi = note.start - 480, nxt.end

            def window(part: list[Note], lo: int = lo, hi: int = hi) -> list[tuple[int, int, int]]:
                return [(n.pitch, n.start, n.duration) for n in part if n.end > lo and n.start < hi]

            # in score order, soprano to bass (fourpart.parallels reads each pair upper minus lower)
            with_trial = [soprano, *(trial if u == v else voices[u] for u in range(3))]
            without = [soprano, *([*out, *line[i:]] if u == v else voices[u] for u in range(3))]
            parts = [window(part) for part in with_trial]
            before = [window(part) for part in without]
            if fourpart.parallels(parts) > fourpart.parallels(before):
                out.append(note)
                continue
            out += [first, passing]
        voices[v] = out
