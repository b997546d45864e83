import re
from pathlib import Path

import pytest

from tunesmith.errors import ControlError, TunesmithError
from tunesmith.theory.chord import QUALITIES, Chord, parse_chord, spell
from tunesmith.theory.key import Key

NOTTINGHAM = Path(__file__).resolve().parents[2] / "src" / "tunesmith" / "data" / "nottingham"


@pytest.mark.parametrize(
    ("figure", "root", "quality", "bass", "pcs", "canonical"),
    [
        ("C", 0, "maj", None, (0, 4, 7), "C"),
        ("Am7", 9, "min7", None, (9, 0, 4, 7), "Am7"),
        ("F#dim", 6, "dim", None, (6, 9, 0), "F#dim"),
        ("Bb/D", 10, "maj", 2, (10, 2, 5), "Bb/D"),
        ("Cmaj7", 0, "maj7", None, (0, 4, 7, 11), "Cmaj7"),
        ("G7", 7, "dom7", None, (7, 11, 2, 5), "G7"),
        ("Dm7b5", 2, "hdim7", None, (2, 5, 8, 0), "Dm7b5"),
        ("Esus4", 4, "sus4", None, (4, 9, 11), "Esus4"),
        ("Cd", 0, "dim", None, (0, 3, 6), "Cdim"),
        ("Ca", 0, "aug", None, (0, 4, 8), "Caug"),
        ("C/e", 0, "maj", 4, (0, 4, 7), "C/E"),
        ("D/f+", 2, "maj", 6, (2, 6, 9), "D/F#"),
        ("Gm/bb", 7, "min", 10, (7, 10, 2), "Gm/Bb"),
        ("Em/d+", 4, "min", 3, (4, 7, 11, 3), "Em/D#"),
        ("Am/g", 9, "min", 7, (9, 0, 4, 7), "Am/G"),
        ("Fa7", 5, "aug7", None, (5, 9, 1, 3), "Faug7"),
        ("E7b9", 4, "7b9", None, (4, 8, 11, 2, 5), "E7b9"),
        ("Ebd", 3, "dim", None, (3, 6, 9), "Ebdim"),
        ("(E7)", 4, "dom7", None, (4, 8, 11, 2), "E7"),
        ("D m", 2, "min", None, (2, 5, 9), "Dm"),
        (" B7", 11, "dom7", None, (11, 3, 6, 9), "B7"),
        ("CM7", 0, "maj7", None, (0, 4, 7, 11), "Cmaj7"),
        ("C-7", 0, "min7", None, (0, 3, 7, 10), "Cm7"),
        ("Bø7", 11, "hdim7", None, (11, 2, 5, 9), "Bm7b5"),
        ("Bdim7", 11, "dim7", None, (11, 2, 5, 8), "Bdim7"),
        ("Cadd9", 0, "add9", None, (0, 4, 7, 2), "Cadd9"),
        ("C6", 0, "6", None, (0, 4, 7, 9), "C6"),
        ("Cm6", 0, "min6", None, (0, 3, 7, 9), "Cm6"),
        ("G9", 7, "9", None, (7, 11, 2, 5, 9), "G9"),
        ("Dsus2", 2, "sus2", None, (2, 4, 9), "Dsus2"),
        ("C+", 0, "aug", None, (0, 4, 8), "Caug"),
        ("Db", 1, "maj", None, (1, 5, 8), "Db"),
        ("Cb", 11, "maj", None, (11, 3, 6), "Cb"),
        ("C/C", 0, "maj", None, (0, 4, 7), "C"),
    ],
)
def test_parse_known_figures(figure, root, quality, bass, pcs, canonical):
    chord = parse_chord(figure)
    assert (chord.root, chord.quality, chord.bass) == (root, quality, bass)
    assert chord.pitch_classes() == pcs
    assert chord.figure == canonical
    assert parse_chord(chord.figure) == chord


@pytest.mark.parametrize("bad", ["", " ", "H7", "Cxyz", "C/h", "N.C.", "From A.Train's song", "C//E", "7"])
def test_unparseable_figures_raise_tunesmith_error(bad):
    with pytest.raises(ControlError, match="chord"):
        parse_chord(bad)
    assert issubclass(ControlError, TunesmithError)


def test_spelling():
    assert spell(parse_chord("C")) == ["C", "E", "G"]
    assert spell(parse_chord("F#dim")) == ["F#", "A", "C"]
    assert spell(parse_chord("Bb/D")) == ["D", "Bb", "F"]
    assert spell(parse_chord("Cdim7")) == ["C", "Eb", "Gb", "Bbb"]
    assert spell(parse_chord("Ca")) == ["C", "E", "G#"]
    assert spell(parse_chord("Am/g")) == ["G", "A", "C", "E"]
    assert spell(parse_chord("Gb7")) == ["Gb", "Bb", "Db", "Fb"]
    d_major = Key.parse("D")
    assert spell(parse_chord("Gb"), d_major) == ["F#", "A#", "C#"]  # respelled for the key
    assert spell(parse_chord("Bb"), d_major) == ["Bb", "D", "F"]  # chromatic root: fewest accidentals
    assert spell(parse_chord("F#m"), Key.parse("Gb")) == ["Gb", "Bbb", "Db"]
    assert parse_chord("A#").respelled(Key.parse("F")).figure == "Bb"


def test_every_quality_round_trips_in_every_root():
    for quality in QUALITIES:
        for root in range(12):
            chord = Chord(root, quality, (root + 4) % 12)
            again = parse_chord(chord.figure)
            assert again == chord, chord.figure
            assert len(spell(again)) == len(again.pitch_classes())


def test_transpose_and_chroma():
    chord = parse_chord("Bb/D").transpose(2)
    assert chord.figure == "C/E"
    assert parse_chord("Am7").chroma() == (1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0)


def _nottingham_chord_figures() -> dict[str, int]:
    """Every quoted chord figure in the tune bodies of the bundled Nottingham ABC files."""
    counts: dict[str, int] = {}
    for path in sorted(NOTTINGHAM.glob("*.abc")):
        for line in path.read_text(encoding="latin-1").splitlines():
            if re.match(r"^[A-Za-z]:", line):  # header field such as T: or N:
                continue
            line = line.split("%", 1)[0]
            for figure in re.findall(r'"([^"]*)"', line):
                if not figure.strip() or figure[0] in "^_<>@":
                    continue  # annotations and blank placeholders are not chords
                counts[figure] = counts.get(figure, 0) + 1
    return counts


def test_every_nottingham_figure_parses():
    counts = _nottingham_chord_figures()
    assert sum(counts.values()) > 25000  # the whole bundled collection was read
    failures = []
    for figure in counts:
        try:
            parse_chord(figure)
        except ControlError as err:
            failures.append(str(err))
    assert failures == []
    assert parse_chord("Gd").quality == "dim"
    assert parse_chord("A7/c+").bass == 1
