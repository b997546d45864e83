"""music21 stream <-> Score conversion."""

from __future__ import annotations

from music21 import bar, corpus, harmony, key, meter, note, stream, tie

from tunesmith.io.m21 import (
    chord_symbol_to_m21,
    figure_from_m21,
    key_from_tonic,
    score_from_m21,
    score_to_m21,
)
from tunesmith.score import KeySignature, Note, Score, TempoChange, Track


def test_bach_chorale_parts_keys_meter_and_default_tempo() -> None:
    score = score_from_m21(corpus.parse("bach/bwv66.6"), "bach/bwv66.6")
    assert [t.name for t in score.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert score.key_signatures == [KeySignature(0, 3, "minor")]  # F# minor
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(4, 4)]
    assert score.metadata.source == "bach/bwv66.6"
    assert all(t.notes for t in score.tracks)
    assert all(1 <= n.velocity <= 127 and n.duration > 0 for t in score.tracks for n in t.notes)


def test_ties_are_merged_into_one_note() -> None:
    part = stream.Part()
    first, second = note.Note("C4", quarterLength=2), note.Note("C4", quarterLength=1)
    first.tie, second.tie = tie.Tie("start"), tie.Tie("stop")
    part.append([first, second, note.Note("D4", quarterLength=1)])
    score = score_from_m21(part)
    assert [(n.pitch, n.start, n.duration) for n in score.tracks[0].notes] == [(60, 0, 1440), (62, 1440, 480)]
    assert score.tempos == [TempoChange(0, 120.0)]


def test_repeats_are_expanded() -> None:
    first, second = stream.Measure(number=1), stream.Measure(number=2)
    first.append([meter.TimeSignature("2/4"), note.Note("C4"), note.Note("D4")])
    first.leftBarline, first.rightBarline = bar.Repeat(direction="start"), bar.Repeat(direction="end")
    second.append(note.Note("E4", quarterLength=2))
    part = stream.Part([first, second])
    score = score_from_m21(stream.Score([part]))
    assert [n.pitch for n in score.tracks[0].notes] == [60, 62, 60, 62, 64]


def test_modal_keys_map_to_major_or_minor_on_the_same_tonic() -> None:
    assert key_from_tonic(2, "dorian", 0) == (-1, "minor")  # D dorian -> D minor
    assert key_from_tonic(7, "mixolydian", 0) == (1, "major")  # G mixolydian -> G major
    assert key_from_tonic(6, "major", -6) == (-6, "major")  # Gb, not F#, when written with flats
    part = stream.Part()
    part.append([key.Key("E", "phrygian"), meter.TimeSignature("3/4"), note.Note("E4")])
    assert score_from_m21(part).key_signatures == [KeySignature(0, 1, "minor")]  # E minor


def test_chord_figures_survive_music21() -> None:
    for figure in ["C", "Am7", "Bb/D", "F#m7b5", "Cd", "Ca", "C/e", "D/f+", "Ebmaj7", "N.C."]:
        cs = chord_symbol_to_m21(figure)
        assert cs is not None
        assert figure_from_m21(cs) == figure
    assert figure_from_m21(harmony.ChordSymbol("B-m7")) == "Bbm7"


def test_score_to_m21_splits_overlaps_into_tied_chords_and_back() -> None:
    notes = [Note(60, 0, 960), Note(64, 480, 960), Note(67, 480, 480), Note(60, 1440, 480)]
    score = Score(tracks=[Track("Keys", 0, False, notes)])
    again = score_from_m21(score_to_m21(score))
    assert sorted((n.pitch, n.start, n.duration) for n in again.tracks[0].notes) == sorted(
        (n.pitch, n.start, n.duration) for n in notes)


def test_drum_tracks_and_programs_survive_music21() -> None:
    kit, sax = Track("Kit", 0, True, [Note(36, 0, 240)]), Track("Sax", 65, False, [Note(70, 0, 480)])
    score = Score(tracks=[kit, sax])
    again = score_from_m21(score_to_m21(score))
    assert [(t.name, t.program, t.is_drum) for t in again.tracks] == [("Kit", 0, True), ("Sax", 65, False)]
