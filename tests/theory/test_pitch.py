import pytest

from tunesmith.errors import TunesmithError
from tunesmith.theory.key import Key
from tunesmith.theory.pitch import (
    fifths_name,
    name_fifths,
    name_to_pc,
    parse_pitch_name,
    pc_name,
    pitch_name,
)


def test_name_to_pc_known_values():
    assert [name_to_pc(n) for n in ("C", "C#", "Db", "D", "Eb", "E", "Fb", "E#", "F#", "Gb", "B", "Cb")] == [
        0, 1, 1, 2, 3, 4, 4, 5, 6, 6, 11, 11,
    ]
    assert name_to_pc("Bbb") == 9
    assert name_to_pc("Fx") == 7
    assert name_to_pc("b♭") == 10


def test_pc_name_sharps_and_flats():
    assert " ".join(pc_name(pc) for pc in range(12)) == "C C# D D# E F F# G G# A A# B"
    assert [pc_name(pc, prefer_flats=True) for pc in (1, 3, 6, 8, 10)] == ["Db", "Eb", "Gb", "Ab", "Bb"]
    assert pc_name(13) == "C#"


def test_parse_pitch_name():
    assert parse_pitch_name("C4") == 60
    assert parse_pitch_name("Bb4") == 70
    assert parse_pitch_name("A4") == 69
    assert parse_pitch_name("C-1") == 0
    assert parse_pitch_name("C#-1") == 1
    assert parse_pitch_name("G9") == 127
    assert parse_pitch_name("Cb4") == 59
    assert parse_pitch_name("B#3") == 60


@pytest.mark.parametrize("bad", ["", "H4", "C", "Bb", "C#x#q4", "G#9", "4C"])
def test_parse_pitch_name_rejects(bad):
    with pytest.raises(TunesmithError):
        parse_pitch_name(bad)


def test_pitch_name_spelled_for_key():
    assert pitch_name(60) == "C4"
    assert pitch_name(66, Key.parse("D")) == "F#4"
    assert pitch_name(66, Key.parse("Db")) == "Gb4"
    assert pitch_name(70, Key.parse("F")) == "Bb4"
    assert pitch_name(70, Key.parse("B")) == "A#4"
    assert pitch_name(71, Key.parse("Gb")) == "Cb5"  # octave follows the letter
    assert pitch_name(65, Key.parse("F#")) == "E#4"
    assert pitch_name(60, Key.parse("C#")) == "B#3"
    assert pitch_name(68, Key.parse("Am")) == "G#4"  # leading tone of A minor
    assert pitch_name(61, prefer_flats=True) == "Db4"


def test_midi_name_round_trip_every_pitch_every_key():
    keys = [Key(pc, mode) for pc in range(12) for mode in ("major", "minor", "dorian")]
    for key in keys:
        for midi in range(128):
            assert parse_pitch_name(pitch_name(midi, key)) == midi


def test_line_of_fifths():
    assert name_fifths("F#") == 6
    assert name_fifths("Gb") == -6
    assert name_fifths("Bb") == -2
    for fifths in range(-14, 15):
        assert name_fifths(fifths_name(fifths)) == fifths
