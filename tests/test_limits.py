"""The central limit check on loaded music, and repeat expansion that stops before it allocates."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.web import hostile

from tunesmith.errors import CorruptFileError, LimitError
from tunesmith.io import loads
from tunesmith.limits import ScoreLimits, check_score
from tunesmith.score import Note, Score, TempoChange, Track


def _score(notes: int, step: int = 480, tracks: int = 1) -> Score:
    line = [Note(60, i * step, step, 80) for i in range(notes)]
    parts = [Track(f"t{k}", 0, False, list(line)) for k in range(tracks)]
    return Score(tracks=parts, tempos=[TempoChange(0, 120)])


def test_each_limit_names_itself() -> None:
    limits = ScoreLimits(max_notes=100, max_seconds=60, max_tracks=2, max_bars=20)
    assert check_score(_score(50), limits).tracks
    with pytest.raises(LimitError, match="101 notes; allowed: at most 100"):
        check_score(_score(101, step=10), limits)
    with pytest.raises(LimitError, match="3 tracks; allowed: at most 2"):
        check_score(_score(1, tracks=3), limits)
    with pytest.raises(LimitError, match="minutes long; allowed: at most 1 minutes"):
        check_score(_score(70, step=960), limits)  # 70 half notes at 120 bpm: 70 s
    with pytest.raises(LimitError, match="bars; allowed: at most 20"):
        check_score(_score(90, step=480), ScoreLimits(max_notes=100, max_seconds=3600, max_bars=20))


def test_repeat_bomb_is_refused_while_expanding() -> None:
    with pytest.raises(CorruptFileError, match="repeats expand to more than 20,000 bars"):
        loads(hostile.repeat_bomb_abc(), ".abc", "bomb.abc")


def test_nested_repeats_are_refused_before_the_notes_are_copied() -> None:
    with pytest.raises(CorruptFileError, match="repeats expand to 402,200 notes; allowed: at most 200,000"):
        loads(hostile.nested_repeats_abc(), ".abc", "nested.abc")


def test_command_line_limits_refuse_what_no_music_needs() -> None:
    with pytest.raises(LimitError, match="notes; allowed: at most 200,000"):
        loads(hostile.many_notes_midi(200_001, step=10), ".mid", "big.mid")


def test_library_import_refuses_music_without_notes(tmp_path: Path) -> None:
    from tunesmith.corpus.library import import_paths
    from tunesmith.store import open_store

    (tmp_path / "header.mid").write_bytes(hostile.header_only_midi())
    (tmp_path / "unended.mid").write_bytes(hostile.unended_notes_midi())
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        report = import_paths(store, [tmp_path / "header.mid", tmp_path / "unended.mid"])
    assert report.imported == []
    assert {reason for _, reason in report.failed} == {
        "holds no notes (a file with only headers, or note-ons without note-offs)"
    }


def test_ids_beyond_64_bits_are_not_found_in_the_store(tmp_path: Path) -> None:
    from tunesmith.errors import NotFoundError
    from tunesmith.store import open_store
    from tunesmith.store.pieces import get_piece

    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, store.session() as session:
        for piece_id in (2**63, 10**30, -(2**63) - 1):
            with pytest.raises(NotFoundError):
                get_piece(session, piece_id)
