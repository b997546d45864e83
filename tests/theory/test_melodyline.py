"""theory.melodyline: which track is the melody, and its top line."""

from __future__ import annotations

import pytest

from tunesmith.errors import ControlError
from tunesmith.score import Note, Score, Track
from tunesmith.theory.melodyline import find_melody_track, melody_notes, melody_track, top_line

Q = 480


def test_melody_track_prefers_the_name_then_the_highest_pitched_track() -> None:
    bass = Track("bass", 33, notes=[Note(40, 0, Q)])
    piano = Track("piano", 0, notes=[Note(72, 0, Q)])
    lead = Track("Lead Vocal", 54, notes=[Note(64, 0, Q)])
    drums = Track("drums", 0, is_drum=True, notes=[Note(90, 0, Q)])
    assert melody_track(Score(tracks=[bass, piano, drums])) is piano
    assert melody_track(Score(tracks=[bass, piano, lead, drums])) is lead
    assert melody_track(Score(tracks=[bass, piano]), "BASS") is bass
    canto = Track("Canto", 52, notes=[Note(67, 0, Q)])
    alto = Track("Alto", 52, notes=[Note(69, 0, Q)])  # the alto crosses above once: still not the tune
    assert melody_track(Score(tracks=[alto, canto])) is canto
    assert find_melody_track(Score(tracks=[drums])) is None
    with pytest.raises(ControlError, match="no pitched notes"):
        melody_track(Score(tracks=[drums, Track("empty")]))
    with pytest.raises(ControlError, match="flute"):
        find_melody_track(Score(tracks=[bass]), "flute")


def test_top_line_keeps_the_highest_note_of_each_onset() -> None:
    notes = [Note(60, 0, Q), Note(67, 0, 2 * Q), Note(64, Q, Q), Note(55, Q, Q), Note(90, 2 * Q, 0)]
    line = top_line(notes)
    assert [n.pitch for n in line] == [67, 64] and line[0] is notes[1]
    assert [(n.pitch, n.start, n.duration) for n in top_line(notes, cut=True)] == [(67, 0, Q), (64, Q, Q)]
    assert notes[1].duration == 2 * Q  # cutting makes new notes
    assert [n.pitch for n in melody_notes(Score(tracks=[Track(notes=notes)]))] == [67, 64]
