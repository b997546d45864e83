"""Melody choice, skyline, beat grid and pickup detection."""

from __future__ import annotations

import pytest

from tunesmith.errors import ControlError
from tunesmith.evaluate.melody import (
    bars,
    beat_ticks,
    melody_notes,
    melody_track,
    pickup_ticks,
    skyline,
    strong_beat_offsets,
)
from tunesmith.evaluate.metrics import metrics
from tunesmith.score import ChordSymbol, Note, Score, TimeSignature, Track

Q = 480


def test_melody_track_prefers_the_name_then_the_highest_pitched_track() -> None:
    bass = Track("bass", 33, notes=[Note(40, 0, Q)])
    piano = Track("piano", 0, notes=[Note(72, 0, Q)])
    lead = Track("Lead Vocal", 54, notes=[Note(64, 0, Q)])
    drums = Track("drums", 0, is_drum=True, notes=[Note(90, 0, Q)])
    assert melody_track(Score(tracks=[bass, piano, drums])) is piano
    assert melody_track(Score(tracks=[bass, piano, lead, drums])) is lead
    assert melody_track(Score(tracks=[bass, piano]), "BASS") is bass
    assert melody_track(Score(tracks=[drums])) is None
    with pytest.raises(ControlError, match="no track named 'flute'"):
        melody_track(Score(tracks=[bass]), "flute")


def test_skyline_keeps_the_highest_note_of_each_onset() -> None:
    notes = [Note(60, 0, Q), Note(67, 0, Q), Note(64, Q, Q), Note(55, Q, Q)]
    assert [n.pitch for n in skyline(notes)] == [67, 64]
    assert [n.pitch for n in melody_notes(Score(tracks=[Track(notes=notes)]))] == [67, 64]


@pytest.mark.parametrize(
    ("meter", "beat", "strong"),
    [
        ((4, 4), Q, [0, 2 * Q]),
        ((3, 4), Q, [0]),
        ((2, 4), Q, [0]),
        ((6, 8), 3 * Q // 2, [0, 3 * Q // 2]),
        ((9, 8), 3 * Q // 2, [0]),
        ((12, 8), 3 * Q // 2, [0, 3 * Q]),
        ((2, 2), 2 * Q, [0]),
    ],
)
def test_beats_and_strong_beats_per_meter(meter: tuple[int, int], beat: int, strong: list[int]) -> None:
    sig = TimeSignature(0, *meter)
    assert beat_ticks(sig) == beat
    assert strong_beat_offsets(sig) == strong


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
