"""MusicXML files: chord symbols as <harmony>, timing notation cannot express, broken files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tunesmith.errors import CorruptFileError
from tunesmith.io.musicxml import (
    musicxml_bytes_to_score,
    read_musicxml,
    score_to_musicxml_bytes,
    write_musicxml,
)
from tunesmith.score import ChordSymbol, Note, Score, TimeSignature, Track

DATA = Path(__file__).resolve().parent.parent / "data"


def test_reads_music21_written_fixture() -> None:
    score = read_musicxml(DATA / "two_parts.musicxml")
    assert [(t.name, t.program) for t in score.tracks] == [("Violin", 40), ("Violoncello", 42)]
    violin = [(n.pitch, n.start, n.duration) for n in score.tracks[0].notes]
    assert (82, 1440, 1440) in violin  # the tied B-flat across the bar line is one note
    assert [(c.tick, c.figure) for c in score.chords] == [(0, "F"), (1440, "C7"), (2880, "Dm")]


def test_chord_symbols_are_harmony_elements_with_the_written_kind_text() -> None:
    score = Score(tracks=[Track("Tune", 0, False, [Note(60, 0, 960), Note(62, 960, 960)])],
                  chords=[ChordSymbol(0, "Cd"), ChordSymbol(960, "Bbm7")],
                  time_signatures=[TimeSignature(0, 4, 4)])
    xml = score_to_musicxml_bytes(score).decode()
    assert xml.count("<harmony") == 2
    assert 'text="d"' in xml and "<root-alter>-1</root-alter>" in xml


def test_performance_timing_is_written_on_the_sixteenth_grid(tmp_path: Path) -> None:
    notes = [Note(60 + i % 12, i * 487 + 3, 301, 90) for i in range(12)]
    written = write_musicxml(Score(tracks=[Track("Played", 0, False, notes)]), tmp_path / "x.musicxml")
    assert written == (12, 0)
    again = read_musicxml(tmp_path / "x.musicxml").tracks[0].notes
    assert len(again) == 12
    for i, (a, b) in enumerate(zip(notes, again, strict=True)):
        assert a.pitch == b.pitch and abs(a.start - b.start) <= 60
        assert b.start % 120 == 0 and b.duration % 120 == 0
        # written at full value: a short gap up to the next note or the end of the beat is closed
        closed = (i + 1 < len(again) and b.end == again[i + 1].start) or b.end % 480 == 0
        assert abs(a.end - b.end) <= 60 or closed


def test_mxl_without_container_and_bad_archives(tmp_path: Path) -> None:
    path = tmp_path / "bare.mxl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("score.xml", (DATA / "two_parts.musicxml").read_bytes())
    assert read_musicxml(path).metadata.title == "Two Parts"
    with pytest.raises(CorruptFileError, match="mxl"):
        musicxml_bytes_to_score(b"PK\x03\x04garbage", "x.mxl", compressed=True)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<score-partwise><part-list>", "malformed XML"),
        (b"just text", "not a MusicXML file"),
        (b"<?xml version='1.0'?><svg></svg>", "not a MusicXML score"),
    ],
)
def test_broken_musicxml(data: bytes, problem: str) -> None:
    with pytest.raises(CorruptFileError, match=problem):
        musicxml_bytes_to_score(data, "x.musicxml")


def test_absurd_numbers_are_refused_before_music21_sees_them() -> None:
    xml = (DATA / "two_parts.musicxml").read_bytes()
    huge_meter = xml.replace(b"<beats>6</beats>", b"<beats>2147483648</beats>", 1)
    assert huge_meter != xml
    with pytest.raises(CorruptFileError, match="<beats> value 2147483648 is out of range"):
        musicxml_bytes_to_score(huge_meter, "x.musicxml")


def test_chord_inside_a_held_note_keeps_one_voice_and_drums_get_a_percussion_clef(tmp_path: Path) -> None:
    from tunesmith.io import load_one, save
    from tunesmith.score import ChordSymbol, Note, Score, TimeSignature, Track

    melody = Track("melody", 40, False, [Note(67, 0, 1440), Note(69, 1440, 480)])
    drums = Track("drums", 0, True, [Note(36, 0, 120), Note(38, 960, 120)])
    score = Score(
        tracks=[melody, drums],
        time_signatures=[TimeSignature(0, 4, 4)],
        chords=[ChordSymbol(0, "C"), ChordSymbol(960, "G7")],  # G7 falls inside the held G
    )
    path = tmp_path / "held.musicxml"
    save(score, path)
    text = path.read_text()
    assert "<voice>2</voice>" not in text and "<voice>0</voice>" not in text
    assert "<sign>percussion</sign>" in text
    back = load_one(path)
    assert [(n.pitch, n.start, n.duration) for n in back.tracks[0].notes] == [(67, 0, 1440), (69, 1440, 480)]
    assert [(c.tick, c.figure) for c in back.chords] == [(0, "C"), (960, "G7")]
