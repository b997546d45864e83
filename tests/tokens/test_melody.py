"""Melody tokens: encode -> decode returns the original notes, for the fixtures and every meter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tunesmith.io import load, save
from tunesmith.score import ChordSymbol, KeySignature, Note, Score, TimeSignature, Track
from tunesmith.theory.key import Key
from tunesmith.theory.melodyline import melody_track, top_line
from tunesmith.tokens import melody as mt
from tunesmith.tokens.chords import METERS, STEP_TICKS, STEPS_PER_BAR, chord_class

DATA = Path(__file__).resolve().parent.parent / "data"


def _line(notes: list[Note]) -> list[tuple[int, int, int]]:
    return [(n.pitch, n.start, n.duration) for n in notes]


def _on_grid(notes: list[Note]) -> bool:
    return all(n.start % STEP_TICKS == 0 and n.duration % STEP_TICKS == 0 for n in notes)


def _melody(meter: str, seed: int) -> list[Note]:
    """A random on-grid monophonic line of 4 bars with rests, repeated notes and long notes."""
    rng = np.random.default_rng(seed)
    total = 4 * STEPS_PER_BAR[meter]
    notes = []
    step = int(rng.integers(0, 3))  # may start with a rest
    while step < total:
        length = int(rng.choice([1, 2, 3, 4, 6, 8]))
        length = min(length, total - step)
        notes.append(Note(int(rng.integers(55, 86)), step * STEP_TICKS, length * STEP_TICKS))
        step += length + int(rng.choice([0, 0, 0, 1, 2]))
    return notes


@pytest.mark.parametrize("meter", METERS)
@pytest.mark.parametrize("key_name", ["C", "G", "F# minor", "Bb", "Em"])
def test_every_meter_round_trips_in_every_key(meter: str, key_name: str) -> None:
    key = Key.parse(key_name)
    notes = _melody(meter, hash((meter, key_name)) % 1000)
    chords = [ChordSymbol(0, key.short_name), ChordSymbol(STEPS_PER_BAR[meter] * STEP_TICKS, "D7")]
    enc = mt.encode_melody(notes, chords, key, meter, "folk")
    assert len(enc) == notes[-1].end // STEP_TICKS
    assert _line(mt.decode(enc)) == _line(notes)
    # positions count steps within the bar; the chord condition changes at bar 2
    assert enc.positions.max() == STEPS_PER_BAR[meter] - 1
    assert enc.positions[STEPS_PER_BAR[meter]] == 0
    bar2 = STEPS_PER_BAR[meter]
    assert enc.chords[bar2 - 1] == chord_class(key.short_name, key.tonic)
    assert enc.chords[bar2] == chord_class("D7", key.tonic)
    assert enc.meter == meter and enc.mode == ("minor" if key.is_minor else "major")


def test_events_are_key_normalised() -> None:
    """The same tune in G and in C gives the same events: pitches are relative to the tonic (G moves
    up 5 semitones to C, the smaller shift)."""
    tune = [Note(67, 0, 240), Note(71, 240, 240), Note(74, 480, 480)]
    in_g = mt.encode_melody(tune, [ChordSymbol(0, "G")], Key.parse("G"), "4/4")
    in_c = mt.encode_melody(
        [Note(n.pitch + 5, n.start, n.duration) for n in tune], [ChordSymbol(0, "C")], Key.parse("C"), "4/4"
    )
    assert np.array_equal(in_g.events, in_c.events)
    assert np.array_equal(in_g.chords, in_c.chords)
    assert list(in_g.events[:4]) == [mt.note_event(72), mt.HOLD, mt.note_event(76), mt.HOLD]


def test_a_mode_is_read_in_the_key_its_corpus_tunes_are_written_in() -> None:
    """The Chinese collection's songs carry only their signature (read as major), so a G zhi tune
    (sol mode of C: G A C D E, final G) is encoded relative to C, like a C gong tune; the folk
    collections write dorian and mixolydian tunes under their signature's major key too; major and
    minor keep their own tonic."""
    assert mt.model_key(Key.parse("G zhi")) == Key(0, "gong")
    assert mt.model_key(Key.parse("A yu")) == Key(0, "gong")
    assert mt.model_key(Key.parse("D shang")) == Key(0, "gong")
    assert mt.model_key(Key.parse("E jue")) == Key(0, "gong")
    assert mt.model_key(Key.parse("D dorian")) == Key.parse("C")
    assert mt.model_key(Key.parse("D mixolydian")) == Key.parse("G")
    assert mt.model_key(Key.parse("E minor")) == Key.parse("E minor")
    assert mt.model_key(Key.parse("A")) == Key.parse("A")
    tune = [Note(67, 0, 240), Note(69, 240, 240), Note(72, 480, 240), Note(67, 720, 480)]
    zhi = mt.encode_melody(tune, [ChordSymbol(0, "G5")], Key.parse("G zhi"), "4/4", "chinese")
    gong = mt.encode_melody(tune, [ChordSymbol(0, "G5")], Key.parse("C gong"), "4/4", "chinese")
    assert np.array_equal(zhi.events, gong.events) and zhi.tonic == 0 and zhi.mode == "major"
    assert np.array_equal(zhi.chords, gong.chords)


def test_vocabulary_layout() -> None:
    assert mt.N_EVENTS == 65
    assert mt.event_pitch(mt.note_event(60)) == 60
    assert mt.note_event(20) == mt.note_event(44)  # folded up by octaves into 36..96
    assert mt.event_pitch(mt.REST) is None
    assert set(mt.vocabulary()["styles"]) == set(mt.STYLES)  # type: ignore[arg-type]


def test_polyphony_is_reduced_to_the_top_line() -> None:
    notes = [Note(60, 0, 960), Note(64, 0, 960), Note(67, 480, 480)]
    line = top_line(notes, cut=True)
    assert _line(line) == [(64, 0, 480), (67, 480, 480)]


def test_off_grid_notes_are_quantised_to_the_nearest_step() -> None:
    enc = mt.encode_melody([Note(60, 10, 230), Note(62, 250, 100)], [], Key(0), "4/4")
    assert _line(mt.decode(enc)) == [(60, 0, 240), (62, 240, 120)]


ON_GRID_FIXTURES = ["melody_chords.mid", "waltz_96ppq.mid", "two_parts.musicxml"]


@pytest.mark.parametrize("name", ON_GRID_FIXTURES)
def test_fixture_melodies_round_trip(name: str, tmp_path: Path) -> None:
    score = load(DATA / name)[0]
    track = melody_track(score)
    line = top_line(track.notes, cut=True)
    assert _on_grid(line), f"{name} is meant to be an on-grid fixture"
    enc = mt.encode_score(score)
    assert _line(mt.decode(enc)) == _line(line)
    # decode -> Score -> MIDI file -> Score -> encode gives the same tokens
    decoded = mt.decode_score(enc)
    original = sorted(score.chords, key=lambda c: c.tick)
    assert [c.figure for c in decoded.chords] == [c.figure for c in original]
    save(decoded, tmp_path / "m.mid")
    again = mt.encode_score(load(tmp_path / "m.mid")[0], style=enc.style)
    assert np.array_equal(again.events, enc.events)
    assert np.array_equal(again.chords, enc.chords)


def test_abc_fixture_tunes_round_trip_where_on_grid() -> None:
    """tunes.abc: X:1 (4/4 with endings) and X:3 (6/8) are on the grid; X:2 has a triplet, which is
    quantised, and then re-encoding its decoded notes is a fixed point."""
    tunes = load(DATA / "tunes.abc")
    checked = 0
    for score in tunes:
        try:
            enc = mt.encode_score(score)
        except Exception:  # a meter the models do not know
            continue
        line = top_line(melody_track(score).notes, cut=True)
        decoded = mt.decode(enc)
        if _on_grid(line):
            assert _line(decoded) == _line(line)
            checked += 1
        else:
            key = mt.score_key(score)
            end = len(enc) * STEP_TICKS
            again = mt.encode_melody(decoded, score.chords, key, enc.meter, start=0, end=end)
            assert np.array_equal(again.events, enc.events)
    assert checked >= 1


def test_pickup_bar_origin_comes_from_the_chords() -> None:
    """ABC tunes start with the pickup at tick 0; bar positions follow the chord changes."""
    score = Score(
        tracks=[Track("melody", 0, False, [Note(72, 0, 240), Note(74, 240, 960)])],
        time_signatures=[TimeSignature(0, 3, 4)],
        key_signatures=[KeySignature(0, 0, "major")],
        chords=[ChordSymbol(240, "C"), ChordSymbol(240 + 1440, "G")],
    )
    assert mt.bar_origin(score) == 240
    enc = mt.encode_score(score)
    assert enc.positions[0] == 10 and enc.positions[2] == 0


def test_unknown_meter_and_style_are_control_errors() -> None:
    from tunesmith.errors import ControlError

    with pytest.raises(ControlError, match="meter"):
        mt.encode_melody([Note(60, 0, 120)], [], Key(0), "5/4")
    with pytest.raises(ControlError, match="style"):
        mt.encode_melody([Note(60, 0, 120)], [], Key(0), "4/4", "metal")
    with pytest.raises(ControlError, match="no pitched notes"):
        melody_track(Score())
