from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tunesmith.corpus.cache import FileEntry, decode_score, encode_score, read_collection, write_collection
from tunesmith.errors import CorruptFileError
from tunesmith.score import (
    ChordSymbol,
    KeySignature,
    Metadata,
    Note,
    Score,
    Section,
    TempoChange,
    TimeSignature,
    Track,
)


def rich_score() -> Score:
    return Score(
        tracks=[
            Track("Flute", 73, False, [Note(72, 0, 240, 90), Note(74, 240, 240, 91), Note(76, 960, 480, 60)]),
            Track("Bass", 33, False, [Note(36, 0, 960, 70), Note(43, 960, 960, 70)]),
            Track("Drums", 0, True, [Note(36, 0, 120, 100), Note(38, 480, 120, 100)]),
        ],
        tempos=[TempoChange(0, 96.0), TempoChange(960, 88.5)],
        time_signatures=[TimeSignature(0, 6, 8), TimeSignature(1440, 3, 4)],
        key_signatures=[KeySignature(0, -2, "minor"), KeySignature(960, 1, "major")],
        chords=[ChordSymbol(0, "Gm"), ChordSymbol(960, "Cd"), ChordSymbol(1200, "D7/f#")],
        sections=[Section(0, 960, "A"), Section(960, 1920, "B")],
        metadata=Metadata("Title", "Composer", "src", "CC0", ["folk", "irish"], "calm"),
    )


def test_encode_decode_round_trip_keeps_everything() -> None:
    score = rich_score()
    piece = encode_score(score)
    back = decode_score(piece.notes, piece.meta)
    assert back == score.sort()
    assert piece.meta["key"] == "-2:minor" and piece.meta["meter"] == "6/8"
    assert piece.meta["note_count"] == 7 and piece.meta["tempo"] == 96.0


def test_starts_are_delta_coded_and_sorted() -> None:
    piece = encode_score(rich_score())
    assert np.cumsum(piece.notes["start"]).tolist() == [0, 0, 0, 240, 480, 960, 960]


def test_encode_rejects_unstorable_notes() -> None:
    score = rich_score()
    score.tracks[0].notes.append(Note(200, 0, 10, 80))
    with pytest.raises(ValueError, match="pitch"):
        encode_score(score)


def test_collection_file_round_trip(tmp_path: Path) -> None:
    a, b = encode_score(rich_score()), encode_score(Score(tracks=[Track(notes=[Note(60, 5, 5, 5)])]))
    entries = [
        FileEntry("x.abc", "h1", [a, b], [{"index": 2, "title": "bad", "reason": "ValueError: no notes"}]),
        FileEntry("y.mid", "h2", [b]),
    ]
    path = tmp_path / "c.npz"
    assert write_collection(path, "c", entries) == 3
    loaded = read_collection(path)
    assert loaded.offsets.tolist() == [0, 7, 8, 9]
    assert loaded.score(0) == rich_score().sort()
    assert loaded.summary["title"] == ["Title", "", ""] and loaded.tags(0) == ["folk", "irish"]
    assert loaded.meta(2)["path"] == "y.mid" and loaded.meta(1)["index"] == 1
    reused = loaded.file_entries()
    assert [len(e.pieces) for e in reused.values()] == [2, 1]
    assert reused["x.abc"].sha256 == "h1" and reused["x.abc"].skipped[0]["title"] == "bad"


def test_damaged_cache_is_a_corrupt_file_error(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptFileError, match="unreadable corpus cache"):
        read_collection(path)
