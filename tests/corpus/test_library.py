from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tunesmith.corpus.library import import_paths, music_files, piece_score, store_corpus_piece
from tunesmith.corpus.load import load_corpus
from tunesmith.store.db import Store, open_store
from tunesmith.store.pieces import get_piece, list_pieces
from tunesmith.store.ratings import rate

from .conftest import DATA, tiny_collection


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'lib.db'}")
    yield s
    s.close()


def test_music_files_walks_folders_and_reports_missing(sources: Path) -> None:
    files, problems = music_files([sources, sources / "missing.mid"])
    assert sorted(p.name for p in files) == ["melody.mid", "tunes.abc", "two_parts.musicxml"]
    assert problems == [(str(sources / "missing.mid"), "no such file or folder")]


def test_import_folder_with_tags_dedups_and_keeps_copies(sources: Path, store: Store, tmp_path: Path) -> None:
    report = import_paths(store, [sources], ["Folk", "calm"])
    assert len(report.added) == 5  # 3 good ABC tunes + MIDI + MusicXML
    assert [where for where, _ in report.failed] == [f"{sources / 'tunes.abc'}#9"]
    with store.session() as s:
        pieces = list_pieces(s, tag="folk")
        assert len(pieces) == 5 and all(p.tag_names == ["calm", "folk"] for p in pieces)
        tune = next(p for p in pieces if p.title == "Waltz In Dorian")
        assert tune.format == ".abc" and tune.file_data is not None and b"X: 2" in tune.file_data
        assert tune.meter == "3/4" and tune.key == "A minor"

    copy = tmp_path / "copy.mid"
    shutil.copy(DATA / "melody_chords.mid", copy)
    again = import_paths(store, [copy], ["calm", "evening"])
    assert again.added == [] and [d.tags_added for d in again.duplicates] == [("evening",)]
    copy.unlink()  # the stored copy still reads after the original is gone
    with store.session() as s:
        midi = get_piece(s, again.duplicates[0].piece_id)
        assert midi.tag_names == ["calm", "evening", "folk"]
        score = piece_score(midi)
        assert len(score.tracks[0].notes) == midi.note_count
        assert len(list_pieces(s)) == 5


def test_unreadable_files_are_reported_not_fatal(tmp_path: Path, store: Store) -> None:
    good = tmp_path / "good.mid"
    shutil.copy(DATA / "melody_chords.mid", good)
    report = import_paths(store, [good, DATA / "truncated.mid", DATA / "empty.abc", tmp_path / "gone.xml"])
    assert len(report.added) == 1
    failed = dict(report.failed)
    assert set(failed) == {str(DATA / "truncated.mid"), str(DATA / "empty.abc"), str(tmp_path / "gone.xml")}
    assert failed[str(tmp_path / "gone.xml")] == "no such file or folder"


def test_corpus_piece_in_store_can_be_rated(tmp_path: Path, store: Store, sources: Path) -> None:
    from tunesmith.corpus.build import build_corpus

    build_corpus(collections=[tiny_collection(sources)], workers=1, progress=False, cache_dir=tmp_path / "c")
    corpus = load_corpus(["tiny"], cache_dir=tmp_path / "c")
    with store.session() as s:
        piece = store_corpus_piece(s, corpus, 3)
        assert store_corpus_piece(s, corpus, 3).id == piece.id
        rate(s, "ann", piece.id, 5)
        assert (piece.source, piece.collection, piece.corpus_ref) == ("corpus", "tiny", "tiny/tunes.abc#0")
        assert piece.title == "Repeat And Endings" and "reel" in piece.tag_names
