"""The bar grid and pickup detection."""

from __future__ import annotations

from tunesmith.evaluate.melody import bars, pickup_ticks
from tunesmith.evaluate.metrics import metrics
from tunesmith.score import ChordSymbol, Note, Score, TimeSignature, Track

Q = 480


def test_pickup_found_from_the_first_chord_or_a_meter_change() -> None:
    notes = [Note(64, 0, Q)] + [Note(67, Q + i * Q, Q) for i in range(9)]
    three = TimeSignature(0, 3, 4)
    with_chords = Score(tracks=[Track(notes=notes)], time_signatures=[three],
                        chords=[ChordSymbol(Q, "C"), ChordSymbol(4 * Q, "G")])
    assert pickup_ticks(with_chords) == Q
    assert [b[0] for b in bars(with_chords, 10 * Q)] == [Q, 4 * Q, 7 * Q]
    short_bar = Score(tracks=[Track(notes=notes)],
                      time_signatures=[three, TimeSignature(7 * Q, 2, 4), TimeSignature(9 * Q, 3, 4)])
    assert pickup_ticks(short_bar) == Q
    assert [(b[0], b[1]) for b in bars(short_bar, 11 * Q)] == [(Q, 3 * Q), (4 * Q, 3 * Q), (7 * Q, 2 * Q),
                                                               (9 * Q, 3 * Q)]
    plain = Score(tracks=[Track(notes=notes)], time_signatures=[three], chords=[ChordSymbol(0, "C")])
    assert pickup_ticks(plain) == 0
    assert bars(plain, 1)[0][0] == 0


def test_in_chord_ratio_reads_strong_beats_after_the_pickup() -> None:
    # 3/4 with a one-beat pickup: downbeats at 1, 4, 7 quarters carry chord tones, the beats that
    # would be downbeats without the pickup (0, 3, 6) carry non-chord tones.
    pitches = [62, 60, 65, 62, 67, 65, 69, 64]
    notes = [Note(p, i * Q, Q) for i, p in enumerate(pitches)]
    score = Score(tracks=[Track("melody", notes=notes)], time_signatures=[TimeSignature(0, 3, 4)],
                  chords=[ChordSymbol(Q, "C"), ChordSymbol(4 * Q, "C"), ChordSymbol(7 * Q, "C")])
    assert metrics(score)["in_chord_ratio"] == 1.0
