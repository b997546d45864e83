from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from tunesmith.errors import StoreError
from tunesmith.store.db import open_store
from tunesmith.store.migrations import LATEST_VERSION
from tunesmith.store.models import Base, Piece


def test_default_url_is_sqlite_in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path))
    monkeypatch.delenv("TUNESMITH_DB_URL", raising=False)
    with open_store() as store:
        assert store.schema_version == LATEST_VERSION
    assert (tmp_path / "tunesmith.db").is_file()


def test_env_var_chooses_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere.db"
    monkeypatch.setenv("TUNESMITH_DB_URL", f"sqlite:///{target}")
    with open_store():
        pass
    assert target.is_file()


def test_migrated_schema_matches_models(db_url: str) -> None:
    with open_store(db_url) as store:
        insp = inspect(store.engine)
        tables = set(insp.get_table_names())
        assert tables == set(Base.metadata.tables)
        for name, table in Base.metadata.tables.items():
            assert {c["name"] for c in insp.get_columns(name)} == {c.name for c in table.columns}, name


def test_reopening_keeps_data(db_url: str) -> None:
    url = db_url
    with open_store(url) as store, store.session() as s:
        s.add(Piece(title="x", source="library", content_hash="h" * 64))
    with open_store(url) as store, store.session() as s:
        assert s.query(Piece).one().title == "x"


def test_corrupt_file_gives_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match=r"bad\.db.*not a valid SQLite database"):
        open_store(f"sqlite:///{bad}")


def test_missing_folder_and_bad_urls(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(f"sqlite:///{tmp_path / 'nope' / 'x.db'}")
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("this is no url")
    with pytest.raises(StoreError, match="cannot use this database"):
        open_store("nosuchdialect://host/db")


def test_unreachable_server_gives_store_error() -> None:
    # a PostgreSQL URL whose driver is missing or whose server does not answer: either way one line
    with pytest.raises(StoreError, match=r"127\.0\.0\.1") as info:
        open_store("postgresql://u:secret@127.0.0.1:1/db")
    assert "secret" not in str(info.value)
    assert "\n" not in str(info.value)


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE accounts (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="no tunesmith schema version"):
        open_store(f"sqlite:///{path}")


def test_failed_write_rolls_back_with_store_error(store) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        s.add(Piece(title="a", source="library", content_hash="1" * 64))
    with pytest.raises(StoreError, match="database error"), store.session() as s:
        s.add(Piece(title="dup", source="library", content_hash="1" * 64))
    with store.session() as s:
        assert [p.title for p in s.query(Piece)] == ["a"]
