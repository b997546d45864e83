"""load/save dispatch by suffix and the one-line errors for files that cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.errors import CorruptFileError, InputFileError, OutputError, UnsupportedFormatError
from tunesmith.io import load, load_one, save
from tunesmith.score import Note, Score, Track

DATA = Path(__file__).resolve().parent.parent / "data"
MALFORMED_FIXTURES = [
    "empty.mid",
    "empty.abc",
    "not-midi.mid",
    "truncated.mid",
    "bad-chunk-length.mid",
    "truncated.musicxml",
    "not-a-score.xml",
    "bad-header.abc",
    "unterminated-chord-symbol.abc",
]


@pytest.mark.parametrize("fixture", MALFORMED_FIXTURES)
def test_malformed_fixture_gives_one_line_error_naming_the_file(fixture: str) -> None:
    with pytest.raises(CorruptFileError) as info:
        load(DATA / fixture)
    message = str(info.value)
    assert fixture in message and "\n" not in message
    assert len(message) < 300


def test_empty_file_says_empty() -> None:
    with pytest.raises(CorruptFileError, match="empty"):
        load(DATA / "empty.mid")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        load(tmp_path / "absent.mid")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "songs.mid"
    folder.mkdir()
    with pytest.raises(InputFileError, match="folder"):
        load(folder)


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("C D E")
    with pytest.raises(UnsupportedFormatError, match=r"\.txt"):
        load(path)


def test_abc_is_read_only(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match="write"):
        save(Score(), tmp_path / "x.abc")


def test_save_into_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        save(Score(tracks=[Track("p", 0, False, [Note(60, 0, 480)])]), tmp_path / "no" / "x.mid")


def test_load_one_gives_first_tune_and_load_gives_all() -> None:
    assert len(load(DATA / "tunes.abc")) == 3
    assert load_one(DATA / "tunes.abc").metadata.title == "Repeat And Endings"


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "LOUD.MID"
    path.write_bytes((DATA / "melody_chords.mid").read_bytes())
    assert len(load_one(path).tracks[0].notes) == 16


def test_mxl_is_compressed_and_readable(tmp_path: Path) -> None:
    score = load_one(DATA / "two_parts.musicxml")
    save(score, tmp_path / "x.mxl")
    assert (tmp_path / "x.mxl").read_bytes()[:2] == b"PK"
    assert load_one(tmp_path / "x.mxl").metadata.title == "Two Parts"


def test_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.mid"
    target.write_bytes(b"old")
    bad = Score(tracks=[Track("p", 0, False, [Note(60, 0, 480)])])
    bad.tracks[0].notes[0].velocity = 200  # would wrap to a negative byte in the file
    with pytest.raises(OutputError, match="velocity 200"):
        save(bad, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.mid"]


def test_implausibly_long_piece_is_refused() -> None:
    from tunesmith.io import MAX_TICKS, loads
    from tunesmith.io.midi import score_to_midi_bytes

    data = score_to_midi_bytes(Score(tracks=[Track("p", 0, False, [Note(60, MAX_TICKS, 480)])]))
    with pytest.raises(CorruptFileError, match="implausibly long"):
        loads(data, ".mid", "long.mid")
