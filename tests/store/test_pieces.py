from __future__ import annotations

import pytest

from tunesmith.errors import ControlError, NotFoundError
from tunesmith.store.db import Store
from tunesmith.store.models import Fingerprint, Rating, Tag
from tunesmith.store.pieces import (
    add_piece,
    content_hash,
    find_corpus_piece,
    get_piece,
    key_name,
    list_pieces,
    remove_piece,
)
from tunesmith.store.ratings import rate

from .conftest import make_score


def test_add_piece_records_summary_and_tags(store: Store) -> None:
    with store.session() as s:
        piece, created = add_piece(s, make_score([67, 69, 71, 72]), source="library", tags=["Folk", "calm"],
                                   path="/music/a.abc", fmt=".abc", file_data=b"X:1")
        assert created
    with store.session() as s:
        piece = get_piece(s, piece.id)
        assert (piece.title, piece.key, piece.meter, piece.tempo) == ("Tune", "G major", "3/4", 100.0)
        assert (piece.note_count, piece.bars, piece.seconds) == (4, 2, 2.4)
        assert piece.tag_names == ["calm", "folk"]
        assert piece.file_data == b"X:1"


def test_same_content_is_not_duplicated_but_gains_tags(store: Store) -> None:
    with store.session() as s:
        first, created1 = add_piece(s, make_score([60, 62, 64], "One"), source="library", tags=["folk"])
        same = make_score([60, 62, 64], "Other title")
        again, created2 = add_piece(s, same, source="library", tags=["calm"])
        other, created3 = add_piece(s, make_score([60, 62, 65]), source="library")
    assert (created1, created2, created3) == (True, False, True)
    assert again.id == first.id and other.id != first.id
    with store.session() as s:
        assert len(list_pieces(s)) == 2
        assert get_piece(s, first.id).tag_names == ["calm", "folk"]
        assert [p.id for p in list_pieces(s, tag="calm")] == [first.id]
        assert s.query(Tag).count() == 2


def test_content_hash_ignores_title_but_not_notes_or_chords() -> None:
    a = make_score([60, 62])
    b = make_score([60, 62], "Different")
    assert content_hash(a) == content_hash(b)
    b.chords.clear()
    assert content_hash(a) != content_hash(b)
    c = make_score([60, 63])
    assert content_hash(a) != content_hash(c)


def test_corpus_and_generated_pieces(store: Store) -> None:
    with store.session() as s:
        corpus, _ = add_piece(s, make_score([60]), source="corpus", collection="nottingham",
                              corpus_ref="nottingham/jigs.abc#3")
        gen, _ = add_piece(s, make_score([61]), source="generated", controls={"style": "folk", "bars": 16})
    with store.session() as s:
        assert find_corpus_piece(s, "nottingham/jigs.abc#3").id == corpus.id  # type: ignore[union-attr]
        assert get_piece(s, gen.id).controls == {"style": "folk", "bars": 16}
        assert [p.id for p in list_pieces(s, source="corpus")] == [corpus.id]
        assert [p.id for p in list_pieces(s, collection="nottingham")] == [corpus.id]
        with pytest.raises(ControlError, match="source"):
            add_piece(s, make_score([62]), source="downloaded")


def test_remove_piece_cascades(store: Store) -> None:
    with store.session() as s:
        piece, _ = add_piece(s, make_score([60, 64]), source="library", tags=["folk"])
        rate(s, "ann", piece.id, 5)
        s.add(Fingerprint(piece_id=piece.id, kind="interval-ngrams", data=b"\x01\x02"))
    with store.session() as s:
        remove_piece(s, piece.id)
    with store.session() as s:
        assert list_pieces(s) == []
        assert s.query(Rating).count() == 0 and s.query(Fingerprint).count() == 0
        assert s.query(Tag).count() == 1  # tags stay for other pieces
        with pytest.raises(NotFoundError, match="no piece with id"):
            remove_piece(s, piece.id)


def test_key_names() -> None:
    assert key_name(0, "major") == "C major"
    assert key_name(-3, "minor") == "C minor"
    assert key_name(2, "minor") == "B minor"
    assert key_name(-7, "major") == "Cb major"
