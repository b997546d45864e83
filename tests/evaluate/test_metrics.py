"""Metrics on hand-built Scores whose answers are known by construction."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from tunesmith.evaluate.metrics import (
    METRIC_NAMES,
    METRICS,
    chord_pcs,
    metrics,
    metrics_table,
    summarize,
)
from tunesmith.score import ChordSymbol, Note, Score, TimeSignature, Track

Q = 480
S = Q // 4
C_MAJOR = [60, 62, 64, 65, 67, 69, 71]


def line(pitches: Sequence[int], step: int = Q, start: int = 0) -> list[Note]:
    return [Note(p, start + i * step, step) for i, p in enumerate(pitches)]


def score_of(notes: Sequence[Note], meter: tuple[int, int] = (4, 4),
             chords: Sequence[tuple[int, str]] = (), extra: Sequence[Track] = ()) -> Score:
    return Score(
        tracks=[Track("melody", 73, notes=list(notes)), *extra],
        time_signatures=[TimeSignature(0, *meter)],
        chords=[ChordSymbol(t, f) for t, f in chords],
    )


def test_every_metric_is_documented_and_returned_in_order() -> None:
    m = metrics(score_of(line(C_MAJOR)))
    assert tuple(m) == METRIC_NAMES
    assert all(info.doc and info.label for info in METRICS)


def test_c_major_scale_is_fully_in_scale_with_entropy_log2_7() -> None:
    m = metrics(score_of(line([*C_MAJOR, 72])))  # 8 notes, C twice
    assert m["scale_consistency"] == 1.0
    m7 = metrics(score_of(line(C_MAJOR)))
    assert m7["pitch_class_entropy"] == pytest.approx(math.log2(7))
    assert m7["pitch_range"] == 11.0
    assert m7["mean_abs_interval"] == pytest.approx(11 / 6)


def test_chromatic_line_has_maximal_entropy_and_partial_scale_consistency() -> None:
    m = metrics(score_of(line(range(60, 72))))
    assert m["pitch_class_entropy"] == pytest.approx(math.log2(12))
    assert m["scale_consistency"] == pytest.approx(7 / 12)


def test_harmonic_minor_counts_its_leading_tone() -> None:
    a_minor = [69, 71, 72, 74, 76, 77, 80, 81]  # G# is in A harmonic minor, in no major scale with F
    assert metrics(score_of(line(a_minor)))["scale_consistency"] == 1.0


def test_one_bar_pattern_repeated_is_perfectly_consistent_and_repetitive() -> None:
    bar = [(0, 60), (2 * S, 64), (3 * S, 67), (8 * S, 72), (12 * S, 67)]
    notes = [Note(p, b * 4 * Q + t, S) for b in range(8) for t, p in bar]
    m = metrics(score_of(notes))
    assert m["groove_consistency"] == 1.0
    assert m["bar_repetition"] == pytest.approx(7 / 8)
    assert m["self_similarity"] == pytest.approx(1.0)


def test_transposed_bars_count_as_repetition_but_not_as_pitch_similarity() -> None:
    bar = [(0, 0), (Q, 4), (2 * Q, 7), (3 * Q, 4)]
    notes = [Note(60 + 2 * b + p, b * 4 * Q + t, Q) for b in range(4) for t, p in bar]
    m = metrics(score_of(notes))
    assert m["bar_repetition"] == pytest.approx(3 / 4)
    assert m["self_similarity"] < 0.9


def test_groove_distance_is_the_hamming_distance_on_the_sixteenth_grid() -> None:
    # Bar 1: onsets on the four beats; bar 2: the same plus 4 off-beat sixteenths (4 of 16 differ).
    one = [Note(60, t * Q, Q) for t in range(4)]
    two = [Note(62, 4 * Q + t * Q, S) for t in range(4)]
    two += [Note(64, 4 * Q + t * Q + 2 * S, S) for t in range(4)]
    m = metrics(score_of(one + two))
    assert m["groove_consistency"] == pytest.approx(1 - 4 / 16)
    assert m["bar_repetition"] == 0.0


def test_chord_tones_on_strong_beats_give_in_chord_ratio_one() -> None:
    # C chord in bar 1, G in bar 2; strong beats 1 and 3 carry chord tones, weak beats carry others.
    pitches = [60, 62, 67, 65, 71, 69, 74, 72]
    chords = [(0, "C"), (4 * Q, "G")]
    assert metrics(score_of(line(pitches), chords=chords))["in_chord_ratio"] == 1.0
    # Swap the chords: now C (bar 1 beats) are tested against G and B/D against C.
    swapped = [(0, "G"), (4 * Q, "C")]
    assert metrics(score_of(line(pitches), chords=swapped))["in_chord_ratio"] == pytest.approx(1 / 4)


def test_strong_beats_follow_the_meter() -> None:
    # 6/8: strong on eighths 1 and 4 (ticks 0 and 720). A chord tone there, non-chord tones elsewhere.
    e = Q // 2
    pitches = [60, 62, 62, 64, 65, 65]
    m = metrics(score_of(line(pitches, e), meter=(6, 8), chords=[(0, "C")]))
    assert m["in_chord_ratio"] == 1.0
    # 3/4: only beat 1 is strong; beat 3 (a D) does not count.
    m34 = metrics(score_of(line([60, 65, 62]), meter=(3, 4), chords=[(0, "C")]))
    assert m34["in_chord_ratio"] == 1.0


def test_held_notes_count_on_the_strong_beat_they_sound_through() -> None:
    notes = [Note(60, 0, Q), Note(64, Q, 3 * Q)]  # E held across beat 3
    assert metrics(score_of(notes, chords=[(0, "C")]))["in_chord_ratio"] == 1.0


def test_chords_are_recognised_from_the_accompaniment_without_symbols() -> None:
    melody = line([64, 65, 67, 69], Q) + line([71, 72, 74, 72], Q, start=4 * Q)
    comp = Track("piano", 0, notes=[Note(p, 0, 4 * Q) for p in (48, 52, 55)]
                 + [Note(p, 4 * Q, 4 * Q) for p in (43, 47, 50)])
    m = metrics(score_of(melody, extra=[comp]))
    assert m["in_chord_ratio"] == 1.0
    # The same melody over the chords in the other order: E and G over G major, B and D over C.
    moved = [Note(n.pitch, (n.start + 4 * Q) % (8 * Q), n.duration) for n in comp.notes]
    swapped = Track("piano", 0, notes=moved)
    assert metrics(score_of(melody, extra=[swapped]))["in_chord_ratio"] == pytest.approx(1 / 4)


def test_no_chords_and_no_accompaniment_leave_in_chord_ratio_undefined() -> None:
    assert math.isnan(metrics(score_of(line(C_MAJOR)))["in_chord_ratio"])


def test_empty_beats_are_counted_across_all_tracks() -> None:
    # 2 bars of 4/4 = 8 beats. Melody on beats 1, 2 (bar 1); bass on beat 5; beat 8 has a note too.
    melody = [Note(60, 0, Q), Note(62, Q, Q), Note(67, 7 * Q, Q)]
    bass = Track("bass", 33, notes=[Note(36, 4 * Q, Q)])
    m = metrics(score_of(melody, extra=[bass]))
    assert m["empty_beat_rate"] == pytest.approx(4 / 8)  # beats 3, 4, 6, 7 are silent
    # A note held over beats 3 and 4 fills them.
    held = Track("pad", 89, notes=[Note(55, 2 * Q - S, 2 * Q)])
    assert metrics(score_of(melody, extra=[bass, held]))["empty_beat_rate"] == pytest.approx(2 / 8)


def test_empty_beats_use_dotted_beats_in_compound_meter() -> None:
    e = Q // 2
    notes = [Note(60, 0, e), Note(62, 6 * e, e)]  # 6/8: beats of 3 eighths; bar 2 beat 2 missing
    m = metrics(score_of([*notes, Note(64, 9 * e, e)], meter=(6, 8)))
    assert m["empty_beat_rate"] == pytest.approx(1 / 4)


def test_note_density_is_melody_notes_per_quarter() -> None:
    m = metrics(score_of(line(C_MAJOR * 2, step=Q // 2)))  # 14 eighths over 7 quarters
    assert m["note_density"] == pytest.approx(2.0)


def test_melody_is_the_named_track_or_the_highest() -> None:
    low = Track("bass", 33, notes=line([36, 38, 40, 41]))
    high = Track("flute", 73, notes=line([72, 79, 72, 79]))
    s = Score(tracks=[low, high])
    assert metrics(s)["pitch_range"] == 7.0
    assert metrics(s, track="bass")["pitch_range"] == 5.0


def test_empty_score_gives_nans_not_errors() -> None:
    m = metrics(Score())
    assert all(math.isnan(v) for v in m.values())


def test_unreadable_and_no_chord_symbols_are_skipped() -> None:
    assert chord_pcs("N.C.") is None
    assert chord_pcs("not a chord") is None
    assert chord_pcs("Am7") == frozenset({9, 0, 4, 7})


def test_metrics_table_gives_mean_and_std_skipping_nans() -> None:
    a = score_of(line(C_MAJOR))  # range 11
    b = score_of(line([60, 67]))  # range 7
    table = metrics_table([a, b])
    assert table["pitch_range"].mean == pytest.approx(9.0)
    assert table["pitch_range"].std == pytest.approx(2.0)
    assert table["pitch_range"].count == 2
    assert table["in_chord_ratio"].count == 0
    assert str(table["in_chord_ratio"]) == "—"
    assert str(table["pitch_range"]) == "9.000 ± 2.000"
    assert summarize([{"x": 1.0}, {"x": float("nan")}])["x"].count == 1
