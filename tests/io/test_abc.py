"""The ABC reader against hand-worked expansions of tests/data/tunes.abc and small inline tunes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.errors import CorruptFileError
from tunesmith.io.abc import parse_abc, read_abc
from tunesmith.score import KeySignature, Score, Section, TempoChange, TimeSignature

DATA = Path(__file__).resolve().parent.parent / "data"
NOTTINGHAM = Path(__file__).resolve().parents[2] / "src" / "tunesmith" / "data" / "nottingham"


def notes(score: Score, track: int = 0) -> list[tuple[int, int, int]]:
    return [(n.pitch, n.start, n.duration) for n in score.tracks[track].notes]


def test_repeats_and_endings_expand_in_play_order() -> None:
    tune = read_abc(DATA / "tunes.abc")[0]
    q = 480
    a_first = [(67, 0), (69, q), (71, 2 * q), (72, 3 * q), (74, 4 * q), (72, 5 * q), (71, 6 * q), (69, 7 * q)]
    expected_starts = [p for p, _ in a_first] + [67, 69, 71, 72] + [p for p, _ in a_first] + [67]
    b_part = [74, 74, 76, 78, 76, 79]
    assert [p for p, _, _ in notes(tune)] == expected_starts + b_part + b_part
    assert tune.end_tick() == 10 * 1920  # A twice (3 bars each), B twice (2 bars each)
    assert notes(tune)[20] == (67, 9600, 1920)  # the second ending's G4
    assert [(c.tick, c.figure) for c in tune.chords] == [
        (0, "G"), (1920, "Cd"), (3840, "Ca"), (5760, "G"), (7680, "Cd"), (9600, "C/e"),
        (11520, "D7"), (13440, "G"), (15360, "D7"), (17280, "G"),
    ]
    assert tune.sections == [Section(0, 5760, "A"), Section(5760, 11520, "A"),
                             Section(11520, 15360, "B"), Section(15360, 19200, "B")]
    assert tune.tempos == [TempoChange(0, 110.0)]
    assert tune.key_signatures == [KeySignature(0, 1, "major")]
    assert (tune.metadata.title, tune.metadata.composer, tune.metadata.style_tags) == (
        "Repeat And Endings", "Fixture Maker", ["reel"])
    assert tune.metadata.source.endswith("tunes.abc#1")


def test_modes_triplets_broken_rhythm_chords_and_ties() -> None:
    tune = read_abc(DATA / "tunes.abc")[1]
    assert tune.key_signatures == [KeySignature(0, 0, "minor")]  # A dorian -> A minor, same tonic
    assert tune.time_signatures == [TimeSignature(0, 3, 4)]
    assert tune.tempos == [TempoChange(0, 120.0)]  # no Q: field
    assert notes(tune) == [
        (69, 0, 480), (72, 480, 480), (76, 960, 480),
        (74, 1440, 720), (76, 2160, 240), (78, 2400, 480),  # f is F# in A dorian
        (76, 2880, 960),
        (67, 4320, 1440), (71, 4320, 1440), (74, 4320, 1440),  # [GBd]6
        (79, 5760, 160), (78, 5920, 160), (76, 6080, 160), (74, 6240, 480), (71, 6720, 480),  # (3gfe
        (69, 7200, 360), (71, 7560, 120), (72, 7680, 120), (74, 7800, 360),  # A>B c<d
        (76, 8160, 1920),  # e2-|e6 tied into one note
    ]
    assert tune.chords[4].figure == "Em/g"


def test_inline_key_and_meter_changes() -> None:
    tune = read_abc(DATA / "tunes.abc")[2]
    assert tune.time_signatures == [TimeSignature(0, 6, 8), TimeSignature(2880, 3, 4)]
    assert tune.key_signatures == [KeySignature(0, 2, "major"), KeySignature(2880, -2, "major")]
    assert [p for p, _, _ in notes(tune)] == [74, 76, 78, 76, 74, 73, 74, 74, 70, 74, 77, 79]
    assert (tune.chords[2].tick, tune.chords[2].figure) == (1440, "D/f+")


def test_accidentals_last_to_the_bar_line() -> None:
    (tune,) = parse_abc("X:1\nL:1/4\nK:C\n^F F =F F|F\n")
    assert [p for p, _, _ in notes(tune)] == [66, 66, 65, 65, 65]


def test_octaves_rests_and_unit_length_default() -> None:
    (tune,) = parse_abc("X:1\nM:4/4\nK:C\nC,C c c' z2 C/ C//|\n")  # L defaults to 1/8 in 4/4
    assert notes(tune) == [(48, 0, 240), (60, 240, 240), (72, 480, 240), (84, 720, 240),
                           (60, 1440, 120), (60, 1560, 60)]


def test_third_ending_plays_on_third_pass() -> None:
    (tune,) = parse_abc("X:1\nL:1/4\nK:C\n|:C|[1D:|[2E:|[3F|]\n")
    assert [p for p, _, _ in notes(tune)] == [60, 62, 60, 64, 60, 65]


def test_double_colon_ends_one_repeat_and_starts_the_next() -> None:
    (tune,) = parse_abc("X:1\nL:1/4\nK:C\n|:C D::E F:|\n")
    assert [p for p, _, _ in notes(tune)] == [60, 62, 60, 62, 64, 65, 64, 65]


def test_voices_become_tracks() -> None:
    (tune,) = parse_abc('X:1\nL:1/4\nK:C\nV:1 name="Tune"\nCDEF|\nV:2 name="Bass"\nC,4|\n')
    assert [t.name for t in tune.tracks] == ["Tune", "Bass"]
    assert notes(tune, 1) == [(48, 0, 1920)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("X:1\nT:no key\nCDEF|\n", "before the K: field"),
        ("X:1\nK:H#\nCDEF|\n", "invalid key"),
        ("X:1\nM:3/5\nK:C\nCDEF|\n", "invalid meter"),
        ("X:1\nK:C\nC D $ E|\n", "unexpected character"),
        ("X:1\nK:C\nC/0 D|\n", "divided by zero"),
        ("X:1\nK:C\nc''''''''''|\n", "outside the MIDI range"),
        ("X:1\nK:C\n|:C|[99D:|\n", "ending"),
        ("no tune here\n", "no tune"),
    ],
)
def test_malformed_abc_is_a_corrupt_file_error(text: str, problem: str) -> None:
    with pytest.raises(CorruptFileError, match=problem) as info:
        parse_abc(text, "song.abc")
    assert str(info.value).startswith("song.abc: ")


@pytest.mark.slow
def test_every_nottingham_tune_parses_with_its_chords() -> None:
    tunes = [t for path in sorted(NOTTINGHAM.glob("*.abc")) for t in read_abc(path)]
    assert len(tunes) == 1034
    assert sum(1 for t in tunes if t.chords) == 1021
    assert all(t.key_signatures and t.time_signatures and t.tracks[0].notes for t in tunes)


def test_corpus_quirks_are_read() -> None:
    # O'Neill's "k" stress mark, an ABC 1.6 "!" line break, an ending number opening a new line,
    # Essen's free meter, accidentals glued to the key, a slur inside a chord
    text = "X:1\nM:FREI4/4\nL:1/4\nK:Dmix=c\n|:kA B!c d|[1 e4:|\n2 f4|[E(e]2 z2|\n"
    (tune,) = parse_abc(text)
    assert [p for p, _, _ in notes(tune)] == [69, 71, 72, 74, 76, 69, 71, 72, 74, 78, 64, 76]
    assert tune.time_signatures == [TimeSignature(0, 4, 4)]
    assert tune.key_signatures == [KeySignature(0, 2, "major")]  # D mixolydian -> D major


def test_music21_corpus_abc_collections_parse() -> None:
    from music21 import corpus

    path = corpus.getWork("ryansMammoth/ArbanaReel")  # uses U: redefinable decoration letters
    (tune,) = read_abc(path)
    assert tune.tracks[0].notes and tune.key_signatures
