import pytest

from tunesmith.errors import ControlError
from tunesmith.score import KeySignature, Note, Score, TimeSignature, Track
from tunesmith.theory.chord import parse_chord
from tunesmith.theory.chordrec import chords_per_bar, recognize_chord
from tunesmith.theory.key import Key
from tunesmith.theory.pitch import parse_pitch_name

BAR = 1920


def _pairs(text: str, weight: float = 1.0) -> list[tuple[int, float]]:
    return [(parse_pitch_name(name), weight) for name in text.split()]


@pytest.mark.parametrize(
    ("voicing", "figure"),
    [
        ("C3 G3 C4 E4", "C"),
        ("C3 E4 G4 C5", "C"),
        ("A2 E3 A3 C4", "Am"),
        ("G2 B3 D4 F4", "G7"),
        ("D3 F3 A3 C4", "Dm7"),
        ("B2 D3 F3 A3", "Bm7b5"),
        ("B2 D3 F3 Ab3", "Bdim7"),
        ("F3 A3 C4 E4", "Fmaj7"),
        ("F#3 A3 C4", "F#dim"),
        ("C3 F3 G3", "Csus4"),
        ("D3 E3 A3", "Dsus2"),
        ("C3 E3 G#3", "Caug"),
        ("C3 E3 G3 A3", "C6"),
        ("A2 C3 E3 G3", "Am7"),  # same notes as C6: the bass decides
        ("E3 C4 G4", "C"),  # first inversion
        ("G2 C4 E4", "C"),  # second inversion
        ("F2 G3 B3 D4", "G7"),  # third inversion
        ("D3 B3 G4", "G"),
        ("C4 E4", "C"),  # bare third: the lower note is the root
        ("A3 C4", "Am"),
    ],
)
def test_known_voicings_and_inversions(voicing, figure):
    assert recognize_chord(_pairs(voicing)) == parse_chord(figure)


def test_inversions_as_slash_chords():
    assert recognize_chord(_pairs("E3 C4 G4"), with_bass=True).figure == "C/E"
    assert recognize_chord(_pairs("F2 G3 B3 D4"), with_bass=True).figure == "G7/F"
    assert recognize_chord(_pairs("C3 E4 G4"), with_bass=True).figure == "C"


def test_passing_tones_and_weights():
    # a C major bar of melody with a short passing D and F: still C
    notes = [Note(60, 0, 480), Note(62, 480, 120), Note(64, 600, 360), Note(65, 960, 120)]
    notes.append(Note(67, 1080, 840))
    assert recognize_chord(notes) == parse_chord("C")
    # a faint upper D does not turn Em into Em7; a strong one does
    assert recognize_chord([(64, 4.0), (67, 4.0), (71, 4.0), (74, 0.3)]) == parse_chord("Em")
    assert recognize_chord([(64, 4.0), (67, 4.0), (71, 4.0), (74, 3.0)]) == parse_chord("Em7")


def test_key_spelling_and_preference():
    chord = recognize_chord(_pairs("Gb3 Bb3 Db4"), key=Key.parse("Db"))
    assert chord.figure == "Gb"
    chord = recognize_chord(_pairs("F#3 A#3 C#4"), key=Key.parse("B"))
    assert chord.figure == "F#"


def test_no_chord_from_a_single_pitch_class():
    assert recognize_chord(_pairs("C4 C5")) is None
    assert recognize_chord([]) is None


def _bar_chords(figures: list[str]) -> Score:
    """Score with one block chord per bar (bass + close voicing) plus a melody note on top."""
    notes = []
    for i, figure in enumerate(figures):
        chord = parse_chord(figure)
        start = i * BAR
        notes.append(Note(36 + chord.root, start, BAR))
        notes.extend(Note(60 + (pc - 0) % 12, start, BAR) for pc in chord.pitch_classes())
        notes.append(Note(72 + chord.pitch_classes()[1], start + 960, 960))
    return Score(
        tracks=[Track("piano", notes=notes)],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[KeySignature(0, 0, "major")],
    )


def test_chords_per_bar_merges_repeats_and_spells():
    score = _bar_chords(["C", "Am", "Am", "Dm7", "G7", "C"])
    labels = chords_per_bar(score)
    expected = [(0, "C"), (1, "Am"), (3, "Dm7"), (4, "G7"), (5, "C")]
    assert [(c.tick // BAR, c.figure) for c in labels] == expected


def test_chords_per_half_bar():
    notes = [Note(48, 0, 960), Note(64, 0, 960), Note(67, 0, 960), Note(43, 960, 960), Note(62, 960, 960),
             Note(65, 960, 960), Note(71, 960, 960)]  # fmt: skip
    score = Score(tracks=[Track("piano", notes=notes)])
    assert len(chords_per_bar(score, divisions=1)) == 1  # one label for the whole bar
    halves = chords_per_bar(score, divisions=2)
    assert [(c.tick, c.figure) for c in halves] == [(0, "C"), (960, "G7")]
    with pytest.raises(ControlError):
        chords_per_bar(score, divisions=0)


def test_empty_score():
    assert chords_per_bar(Score()) == []


def test_melody_mode():
    # "Twinkle" in C, one bar per chord: C C G G | A A G - | F F E E | D D C -
    pitches = [60, 60, 67, 67, 69, 69, 67, None, 65, 65, 64, 64, 62, 62, 60, None]
    notes = [Note(p, i * 480, 480) for i, p in enumerate(pitches) if p is not None]
    score = Score(tracks=[Track("melody", notes=notes)], key_signatures=[KeySignature(0, 0, "major")])
    labels = chords_per_bar(score, divisions=2)
    assert [c.figure for c in labels] == ["C", "F", "C", "F", "C", "G", "C"]
    # melody mode is chosen automatically for notes that never overlap
    assert recognize_chord(notes[:4], key=Key.parse("C")) == parse_chord("C")
    # a lone pitch class in a melody: the commonest diatonic triad holding it (with a key only)
    assert recognize_chord([Note(62, 0, 480)], key=Key.parse("C")) == parse_chord("G")
    assert recognize_chord([Note(62, 0, 480)]) is None
    assert recognize_chord([(62, 1.0)], key=Key.parse("C")) is None  # chord mode: no chord


def test_pickup_shifts_the_bar_grid():
    # 3/4 with a one-beat pickup: E | C E G (C) | B D G (G) | C
    pitches = [64, 60, 64, 67, 71, 74, 67, 72]
    notes = [Note(p, i * 480, 480) for i, p in enumerate(pitches)]
    score = Score(
        tracks=[Track("melody", notes=notes)],
        time_signatures=[TimeSignature(0, 3, 4)],
        key_signatures=[KeySignature(0, 0, "major")],
    )
    labels = chords_per_bar(score, pickup=480)
    assert [(c.tick, c.figure) for c in labels] == [(0, "C"), (1920, "G"), (3360, "C")]
    with pytest.raises(ControlError):
        chords_per_bar(score, pickup=-1)
