"""Repeats of music21 scores expanded by measure index (no deep copies)."""

from __future__ import annotations

from music21 import bar, meter, note, spanner, stream

from tunesmith.io.m21 import score_from_m21
from tunesmith.io.m21_repeats import has_repeats, measure_play_order


def two_part_score(marks: dict[int, str], brackets: dict[int, list[int]]) -> stream.Score:
    """Five one-note 1/4 measures (pitches 60..64) in two identical parts."""
    score = stream.Score()
    for _ in range(2):
        part = stream.Part()
        measures = []
        for i in range(5):
            m = stream.Measure(number=i + 1)
            if i == 0:
                m.append(meter.TimeSignature("1/4"))
            m.append(note.Note(60 + i))
            if "|:" in marks.get(i, ""):
                m.leftBarline = bar.Repeat(direction="start")
            if ":|" in marks.get(i, ""):
                m.rightBarline = bar.Repeat(direction="end")
            measures.append(m)
            part.append(m)
        for number, where in brackets.items():
            part.insert(0, spanner.RepeatBracket([measures[i] for i in where], number=number))
        score.insert(0, part)
    return score


def test_no_repeats_is_detected_cheaply() -> None:
    assert not has_repeats(two_part_score({}, {}))


def test_first_and_second_ending_brackets() -> None:
    s = two_part_score({0: "|:", 2: ":|"}, {1: [2], 2: [3]})
    assert has_repeats(s)
    assert measure_play_order(s, list(s.parts)) == [0, 1, 2, 0, 1, 3, 4]
    score = score_from_m21(s)
    assert [n.pitch for n in score.tracks[1].notes] == [60, 61, 62, 60, 61, 63, 64]
    assert [t.numerator for t in score.time_signatures] == [1]  # the replayed meter is not restated


def test_second_repeat_without_start_goes_back_to_the_end_of_the_first() -> None:
    s = two_part_score({1: ":|", 3: ":|"}, {})
    assert measure_play_order(s, list(s.parts)) == [0, 1, 0, 1, 2, 3, 2, 3, 4]
