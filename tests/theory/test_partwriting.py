"""Part-writing rules on small SATB settings: a clean cadence has no fault; each planted fault is named."""

from __future__ import annotations

import pytest

from tunesmith.errors import InputFileError
from tunesmith.score import KeySignature, Note, Score, TimeSignature, Track
from tunesmith.theory.partwriting import check_four_part, four_voices

# I - IV - V - I in C major, root position, textbook voice-leading (soprano, alto, tenor, bass).
CLEAN = [(72, 64, 55, 48), (72, 65, 57, 41), (71, 62, 55, 43), (72, 64, 55, 48)]


def setting(chords: list[tuple[int, int, int, int]], fifths: int = 0, beat: int = 960) -> Score:
    parts = [
        Track(name, 52, False, [Note(c[v], i * beat, beat) for i, c in enumerate(chords)])
        for v, name in enumerate(("Soprano", "Alto", "Tenor", "Bass"))
    ]
    return Score(
        tracks=parts, time_signatures=[TimeSignature(0, 4, 4)], key_signatures=[KeySignature(0, fifths)]
    )


def kinds(score: Score) -> set[str]:
    return {f.kind for f in check_four_part(score)}


def test_clean_cadence_has_no_fault() -> None:
    assert check_four_part(setting(CLEAN)) == []


def test_parallel_fifths_and_octaves_are_found_with_their_voices() -> None:
    # I -> ii with every voice rising a step: fifths tenor/bass, octaves soprano/bass.
    faults = check_four_part(
        setting([(72, 64, 55, 48), (74, 65, 57, 50), (71, 62, 55, 43), (72, 64, 55, 48)])
    )
    found = {(f.kind, f.voices) for f in faults}
    assert ("parallel fifths", ("tenor", "bass")) in found
    assert ("parallel octaves", ("soprano", "bass")) in found
    assert all(f.bar == 1 and f.beat == 3.0 for f in faults if f.kind.startswith("parallel"))


def test_contrary_fifths_are_not_parallels() -> None:
    # tenor/bass a fifth apart, then a twelfth: the tenor rises, the bass falls
    assert "parallel fifths" not in kinds(setting([(72, 64, 55, 48), (74, 65, 57, 38)]))


@pytest.mark.parametrize(
    ("chords", "kind"),
    [
        ([(86, 64, 55, 48), *CLEAN[1:]], "range"),  # soprano D6
        ([(72, 55, 64, 48), *CLEAN[1:]], "crossing"),  # alto below tenor
        ([(72, 52, 50, 48), *CLEAN[1:]], "spacing"),  # soprano and alto 20 semitones apart
        ([*CLEAN[:3], (67, 64, 55, 48)], "leading tone"),  # soprano B4 falls to G4 at the cadence
        ([*CLEAN[:2], (71, 62, 59, 43), CLEAN[3]], "doubled leading tone"),  # B in soprano and tenor
        ([*CLEAN[:2], (71, 65, 55, 43), (72, 67, 55, 48)], "seventh"),  # V7's F rises to G
        ([*CLEAN[:3]], "cadence"),  # ends on V
        ([(72, 66, 55, 48), (72, 70, 57, 41), *CLEAN[2:]], "chord tones"),  # F# over C major, left by leap
    ],
)
def test_each_planted_fault_is_named(chords: list[tuple[int, int, int, int]], kind: str) -> None:
    faults = check_four_part(setting(chords))
    assert kind in {f.kind for f in faults}, [f.message for f in faults]
    assert all(f.message and f.bar >= 1 for f in faults)


def test_chords_in_one_part_are_split_by_pitch() -> None:
    chord_notes = [Note(p, i * 960, 960) for i, c in enumerate(CLEAN) for p in c]
    score = Score(
        tracks=[Track("Piano", 0, False, chord_notes)],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[KeySignature(0, 0)],
    )
    voices = four_voices(score)
    assert [n.pitch for n in voices[0]] == [c[0] for c in CLEAN]
    assert [n.pitch for n in voices[3]] == [c[3] for c in CLEAN]
    assert check_four_part(score) == []


def test_three_note_chords_are_refused_with_a_clear_error() -> None:
    notes = [Note(p, 0, 960) for p in (72, 64, 48)]
    with pytest.raises(InputFileError, match="four voices"):
        four_voices(Score(tracks=[Track("Piano", 0, False, notes)]))
