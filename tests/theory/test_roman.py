import pytest

from tunesmith.errors import ControlError
from tunesmith.theory.chord import QUALITIES, Chord, parse_chord
from tunesmith.theory.key import Key
from tunesmith.theory.roman import chord_to_roman, progression, roman_to_chord

C = Key.parse("C")
A_MINOR = Key.parse("Am")


@pytest.mark.parametrize(
    ("numeral", "key", "figure"),
    [
        ("I", "C", "C"),
        ("ii", "C", "Dm"),
        ("iii", "C", "Em"),
        ("IV", "C", "F"),
        ("V", "C", "G"),
        ("vi", "C", "Am"),
        ("vii°", "C", "Bdim"),
        ("viio", "C", "Bdim"),
        ("V7", "C", "G7"),
        ("V7", "Eb", "Bb7"),
        ("IM7", "F", "Fmaj7"),
        ("ii7", "Bb", "Cm7"),
        ("viiø7", "C", "Bm7b5"),
        ("bVII", "C", "Bb"),
        ("bIII", "D", "F"),
        ("#iv°", "C", "F#dim"),
        ("V/V", "C", "D"),
        ("V7/V", "G", "A7"),
        ("V7/ii", "C", "A7"),
        ("vii°7/V", "C", "F#dim7"),
        ("I6", "C", "C/E"),
        ("I64", "C", "C/G"),
        ("V65", "C", "G7/B"),
        ("V43", "C", "G7/D"),
        ("V42", "C", "G7/F"),
        ("i", "Am", "Am"),
        ("iv", "Am", "Dm"),
        ("V7", "Am", "E7"),
        ("vii°", "Am", "G#dim"),
        ("vii°7", "Cm", "Bdim7"),
        ("VII", "Am", "G"),
        ("III", "Cm", "Eb"),
        ("VI", "F#m", "D"),
        ("V", "F#", "C#"),
        ("IV", "Gb", "Cb"),
    ],
)
def test_roman_to_chord(numeral, key, figure):
    chord = roman_to_chord(numeral, Key.parse(key))
    assert chord == parse_chord(figure)
    assert chord.figure == figure  # spelled for the key


@pytest.mark.parametrize(
    ("figure", "key", "numeral"),
    [
        ("C", "C", "I"),
        ("Am", "C", "vi"),
        ("G7", "C", "V7"),
        ("Bdim", "C", "vii°"),
        ("F#dim", "G", "vii°"),
        ("Bb", "C", "bVII"),
        ("Ab", "C", "bVI"),
        ("D7", "C", "V7/V"),
        ("E7", "C", "V7/vi"),
        ("D", "C", "V/V"),
        ("C/E", "C", "I6"),
        ("G7/B", "C", "V65"),
        ("E", "Am", "V"),
        ("G#dim7", "Am", "vii°7"),
        ("C", "Am", "III"),
        ("Dm7b5", "Cm", "iiø7"),
        ("Bm7", "D", "vi7"),
    ],
)
def test_chord_to_roman(figure, key, numeral):
    assert chord_to_roman(parse_chord(figure), Key.parse(key)) == numeral


def test_round_trip_every_quality_and_degree():
    for key in (C, A_MINOR, Key.parse("Eb"), Key.parse("F#m")):
        for rel in range(12):
            for quality in QUALITIES:
                chord = Chord(key.tonic + rel, quality)
                numeral = chord_to_roman(chord, key)
                assert roman_to_chord(numeral, key) == chord, (key.name, chord.figure, numeral)


def test_progression():
    assert [c.figure for c in progression("I vi IV V", Key.parse("Eb"))] == ["Eb", "Cm", "Ab", "Bb"]
    assert [c.figure for c in progression("i-iv-V7-i", Key.parse("F#m"))] == ["F#m", "Bm", "C#7", "F#m"]
    assert [c.figure for c in progression("ii7 | V7 | Imaj7", C)] == ["Dm7", "G7", "Cmaj7"]


@pytest.mark.parametrize("bad", ["", "X", "IIII", "V7x", "Vq", "iv/Z"])
def test_bad_numerals(bad):
    with pytest.raises(ControlError):
        roman_to_chord(bad, C)
    with pytest.raises(ControlError):
        progression("   ", C)
