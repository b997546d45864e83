from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from tunesmith.errors import StoreError
from tunesmith.store.db import open_store
from tunesmith.store.migrations import LATEST_VERSION
from tunesmith.store.pieces import list_pieces
from tunesmith.store.ratings import average_stars, rate, ratings_for_piece


def test_version_1_database_upgrades_without_loss(db_url: str) -> None:
    url = db_url  # SQLite and PostgreSQL: the same hand-written migrations run on both
    with open_store(url, upgrade_to=1) as old:
        assert old.schema_version == 1
        assert "fingerprints" not in inspect(old.engine).get_table_names()
        with old.engine.begin() as conn:  # data as a version-1 tunesmith wrote it
            conn.execute(text(
                "INSERT INTO pieces (id, title, source, content_hash, path, format, file_data, key, "
                "note_count, created_at) VALUES (1, 'Old Tune', 'library', :h, '/x/old.abc', '.abc', "
                ":data, 'G major', 12, '2026-01-01 10:00:00')"
            ), {"h": "a" * 64, "data": b"X:1\nK:G\nGABc|\n"})
            conn.execute(text("INSERT INTO tags (id, name) VALUES (1, 'folk')"))
            conn.execute(text("INSERT INTO piece_tags (piece_id, tag_id) VALUES (1, 1)"))
            conn.execute(text("INSERT INTO users (id, name, created_at) VALUES (1, 'ann', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO ratings (user_id, piece_id, stars, comment, created_at) "
                "VALUES (1, 1, 4, 'nice', '2026-01-02')"
            ))

    with open_store(url) as new:
        assert new.schema_version == LATEST_VERSION
        assert "fingerprints" in inspect(new.engine).get_table_names()
        with new.session() as s:
            (piece,) = list_pieces(s, tag="folk")
            assert (piece.title, piece.key, piece.note_count) == ("Old Tune", "G major", 12)
            assert piece.file_data == b"X:1\nK:G\nGABc|\n"
            assert piece.corpus_ref is None and piece.controls is None
            (rating,) = ratings_for_piece(s, piece.id)
            assert (rating.user.name, rating.stars, rating.comment) == ("ann", 4, "nice")
            rate(s, "ann", piece.id, 2)  # the new column works on migrated rows
        with new.session() as s:
            (rating,) = ratings_for_piece(s, 1)
            assert rating.stars == 2 and rating.updated_at is not None
            assert average_stars(s, 1) == 2.0


def test_newer_database_is_refused(db_url: str) -> None:
    url = db_url
    open_store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = :v"), {"v": LATEST_VERSION + 1})
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this tunesmith knows"):
        open_store(url)


def test_processes_starting_together_on_a_fresh_store_migrate_once(db_url: str) -> None:
    """Web processes and workers on several machines may open a fresh store at the same moment."""
    import threading

    versions: list[int] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            with open_store(db_url) as store:
                versions.append(store.schema_version)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and versions == [LATEST_VERSION] * 4
