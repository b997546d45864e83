"""Melody infilling: the span fits its seams and the meter, deterministically."""

from __future__ import annotations

from tunesmith.cocreate.infill import chord_pcs_at, infill_melody
from tunesmith.score import ChordSymbol, Note

BAR = 1920
PROGRESSION = ["D", "G", "A", "D", "Bm", "G", "A7", "D"] * 2


def _tune() -> tuple[list[Note], list[ChordSymbol]]:
    """16 bars in D: a scale-wise tune of quarter notes (bars 4k+4 end on a held chord tone)."""
    chords = [ChordSymbol(i * BAR, f) for i, f in enumerate(PROGRESSION)]
    scale = [62, 64, 66, 67, 69, 71, 73, 74]
    notes = []
    for bar in range(16):
        if bar % 4 == 3:
            notes.append(Note(62 if bar % 8 == 7 else 69, bar * BAR, BAR, 80))
            continue
        for beat in range(4):
            notes.append(Note(scale[(bar + beat * 2) % 8], bar * BAR + beat * 480, 480, 80))
    return notes, chords


def test_infill_stays_in_its_span_and_lands_on_a_chord_tone_at_the_cadence() -> None:
    notes, chords = _tune()
    result = infill_melody(notes, chords, "D major", "4/4", first_bar=4, n_bars=4, seed=1)
    assert result.notes and result.cadence
    a, b = 4 * BAR, 8 * BAR
    assert all(a <= n.start and n.end <= b and n.duration > 0 for n in result.notes)
    assert all(n.start % 120 == 0 for n in result.notes)  # on the sixteenth grid of the meter
    assert all(x.end <= y.start for x, y in zip(result.notes, result.notes[1:], strict=False))
    last = result.notes[-1]
    pcs = chord_pcs_at(chords, last.start)
    assert pcs is not None and last.pitch % 12 in pcs
    d_major = {2, 4, 6, 7, 9, 11, 1}
    assert all(n.pitch % 12 in d_major for n in result.notes)
    # The chosen candidate is the cheapest of those drawn.
    assert result.costs[result.chosen] == min(result.costs)


def test_infill_is_deterministic_for_a_seed_and_varies_with_it() -> None:
    notes, chords = _tune()
    first = infill_melody(notes, chords, "D major", "4/4", first_bar=8, n_bars=2, seed=5)
    again = infill_melody(notes, chords, "D major", "4/4", first_bar=8, n_bars=2, seed=5)
    other = infill_melody(notes, chords, "D major", "4/4", first_bar=8, n_bars=2, seed=6)
    assert first.notes == again.notes
    assert first.notes != other.notes


def test_a_note_held_into_the_span_keeps_sounding() -> None:
    notes, chords = _tune()
    held = [n for n in notes if n.start < 2 * BAR] + [Note(66, 2 * BAR - 480, 960, 80)]
    held += [n for n in notes if n.start >= 3 * BAR]
    result = infill_melody(held, chords, "D major", "4/4", first_bar=2, n_bars=1, seed=2)
    assert all(n.start >= 2 * BAR + 480 for n in result.notes)


def test_span_at_the_start_needs_no_primer() -> None:
    notes, chords = _tune()
    result = infill_melody(notes, chords, "D major", "4/4", first_bar=0, n_bars=2, seed=3)
    assert result.notes and result.notes[0].start < BAR
