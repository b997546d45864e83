import pytest

from tunesmith.errors import ControlError
from tunesmith.score import KeySignature
from tunesmith.theory.key import MODES, Key, key_from_signature


@pytest.mark.parametrize(
    ("text", "tonic", "mode", "name"),
    [
        ("C", 0, "major", "C major"),
        ("Cm", 0, "minor", "C minor"),
        ("Bbm", 10, "minor", "Bb minor"),
        ("F# minor", 6, "minor", "F# minor"),
        ("f#", 6, "minor", "F# minor"),
        ("Gb major", 6, "major", "Gb major"),
        ("D dorian", 2, "dorian", "D dorian"),
        ("A mix", 9, "mixolydian", "A mixolydian"),
        ("Emin", 4, "minor", "E minor"),
        ("G gong", 7, "gong", "G gong"),
        ("A yu", 9, "yu", "A yu"),
        ("C harmonic minor", 0, "harmonic_minor", "C harmonic minor"),
    ],
)
def test_parse(text, tonic, mode, name):
    key = Key.parse(text)
    assert (key.tonic, key.mode, key.name) == (tonic, mode, name)
    assert Key.parse(key.short_name) == key


@pytest.mark.parametrize("bad", ["", "H", "C blues-ish", "Xm", "C#q"])
def test_parse_rejects(bad):
    with pytest.raises(ControlError, match="key"):
        Key.parse(bad)


def test_scales():
    assert Key.parse("D").scale_pcs() == (2, 4, 6, 7, 9, 11, 1)
    assert Key.parse("Am").scale_pcs() == (9, 11, 0, 2, 4, 5, 7)
    assert Key.parse("A harmonic minor").scale_pcs() == (9, 11, 0, 2, 4, 5, 8)
    assert Key.parse("A melodic minor").scale_pcs() == (9, 11, 0, 2, 4, 6, 8)
    assert Key.parse("C gong").scale_pcs() == (0, 2, 4, 7, 9)
    assert Key.parse("D shang").scale_pcs() == (2, 4, 7, 9, 0)
    assert Key.parse("E jue").scale_pcs() == (4, 7, 9, 0, 2)
    assert Key.parse("G zhi").scale_pcs() == (7, 9, 0, 2, 4)
    assert Key.parse("A yu").scale_pcs() == (9, 0, 2, 4, 7)
    assert Key.parse("A minor pentatonic").scale_pcs() == (9, 0, 2, 4, 7)
    # the five Chinese modes share one collection of pitch classes
    assert {frozenset(Key.parse(k).scale_pcs()) for k in ("C gong", "D shang", "E jue", "G zhi", "A yu")} == {
        frozenset({0, 2, 4, 7, 9})
    }


def test_scale_spelling():
    assert Key.parse("F#").scale_names() == ("F#", "G#", "A#", "B", "C#", "D#", "E#")
    assert Key.parse("Gb").scale_names() == ("Gb", "Ab", "Bb", "Cb", "Db", "Eb", "F")
    assert Key.parse("Ebm").scale_names() == ("Eb", "F", "Gb", "Ab", "Bb", "Cb", "Db")
    assert Key.parse("G gong").scale_names() == ("G", "A", "B", "D", "E")
    assert Key.parse("A yu").scale_names() == ("A", "C", "D", "E", "G")


def test_fifths_every_major_and_minor():
    majors = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"]
    minors = ["Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#"]
    for fifths, (major, minor) in enumerate(zip(majors, minors, strict=True), start=-7):
        assert Key.parse(major).fifths == fifths
        assert Key.parse(minor + "m").fifths == fifths
        assert Key.from_fifths(fifths).tonic_name == major
        assert Key.from_fifths(fifths, "minor").tonic_name == minor
        assert key_from_signature(KeySignature(0, fifths, "minor")) == Key.parse(minor + "m")
        assert Key.parse(major).to_signature() == KeySignature(0, fifths, "major")
    assert Key.parse("D dorian").fifths == 0
    assert Key.parse("E phrygian").fifths == 0
    assert Key.parse("A mixolydian").fifths == 2
    assert Key.parse("Bb lydian").fifths == -1
    assert Key.parse("D shang").fifths == 0
    assert Key.parse("E yu").fifths == 1


def test_default_spelling_prefers_fewer_accidentals():
    assert [Key(pc).tonic_name for pc in range(12)] == [
        "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
    ]
    assert [Key(pc, "minor").tonic_name for pc in range(12)] == [
        "C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B",
    ]


def test_relative_parallel_transpose():
    assert Key.parse("C").relative() == Key.parse("Am")
    assert Key.parse("F#m").relative() == Key.parse("A")
    assert Key.parse("Eb").relative().name == "C minor"
    assert Key.parse("C").parallel() == Key.parse("Cm")
    assert Key.parse("D").transpose(3) == Key.parse("F")
    assert Key.parse("Am").transpose(-2) == Key.parse("Gm")


def test_degrees_and_membership():
    key = Key.parse("Bb")
    assert [key.degree_pc(d) for d in range(1, 9)] == [10, 0, 2, 3, 5, 7, 9, 10]
    assert key.degree_pc(7, -1) == 8
    assert key.degree_of(3) == 4
    assert key.degree_of(4) is None
    assert 3 in key
    assert 4 not in key
    assert Key.parse("C gong").degree_pc(4) == 5  # pentatonic degrees read against the parent major
    with pytest.raises(ControlError):
        key.degree_pc(0)


def test_normalising_interval():
    for pc in range(12):
        major, minor = Key(pc), Key(pc, "minor")
        assert (major.tonic + major.normalising_interval()) % 12 == 0
        assert (minor.tonic + minor.normalising_interval()) % 12 == 9
        assert -5 <= major.normalising_interval() <= 6
    assert Key.parse("G").normalising_interval() == 5
    assert Key.parse("D").normalising_interval() == -2
    assert Key.parse("Em").normalising_interval() == 5


def test_spell_chromatic_tones():
    d = Key.parse("D")
    assert " ".join(d.spell(pc) for pc in range(12)) == "C C# D D# E F F# G G# A A# B"
    db = Key.parse("Db")
    assert " ".join(db.spell(pc) for pc in range(12)) == "C Db D Eb E F Gb G Ab A Bb B"
    assert Key.parse("Gm").spell(6) == "F#"
    assert Key.parse("Am").spell(8) == "G#"


def test_every_mode_constructs():
    for mode in MODES:
        key = Key(5, mode)
        assert len(key.scale_names()) == len(key.scale_pcs())
        assert Key.parse(key.name) == key
    with pytest.raises(ControlError):
        Key(0, "blues")
