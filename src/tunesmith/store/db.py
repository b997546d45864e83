"""Open the store: an engine for the configured URL, migrated to the latest schema.

The URL is ``--db URL``, else ``$TUNESMITH_DB_URL``, else SQLite in the user's data dir
(tunesmith.paths.database_url). Every database failure surfaces as a one-line StoreError.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tunesmith.errors import StoreError
from tunesmith.paths import database_url
from tunesmith.store.migrations import LATEST_VERSION, current_version, migrate


def _describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None)
    msg = str(orig if orig is not None else err).strip()
    return msg.splitlines()[0] if msg else type(err).__name__


class Store:
    """An open database: ``with store.session() as s:`` commits on success, rolls back on error."""

    def __init__(self, url: str, engine: Engine, schema_version: int) -> None:
        self.url = url
        self.engine = engine
        self.schema_version = schema_version
        self.session_factory = sessionmaker(engine, expire_on_commit=False)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as err:
            session.rollback()
            raise StoreError(f"{_describe(self.url)}: database error ({_first_line(err)})") from err
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores ON DELETE CASCADE without it
    cursor.close()


def open_store(url: str | None = None, *, upgrade_to: int = LATEST_VERSION) -> Store:
    """Open (creating if needed) and migrate the store at ``url`` (see tunesmith.paths.database_url).

    ``upgrade_to`` is for tests that need an old schema; normal callers leave it alone.
    """
    resolved = database_url(url)
    shown = _describe(resolved)
    try:
        parsed = make_url(resolved)
    except ArgumentError as err:
        raise StoreError(f"{resolved}: not a database URL (e.g. sqlite:///path/tunesmith.db)") from err
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).expanduser().parent
        if not folder.is_dir():
            raise StoreError(f"{shown}: folder {folder} does not exist")
    try:
        engine = create_engine(resolved)
    except (ArgumentError, NoSuchModuleError, ImportError) as err:
        raise StoreError(f"{shown}: cannot use this database ({_first_line(err)})") from err
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    try:
        migrate(engine, upgrade_to)
        with engine.connect() as conn:
            version = current_version(conn)
    except StoreError as err:
        engine.dispose()
        raise StoreError(f"{shown}: {err}") from err
    except SQLAlchemyError as err:
        engine.dispose()
        problem = _first_line(err)
        if "not a database" in problem or "malformed" in problem:
            problem = f"the file is not a valid SQLite database ({problem})"
        raise StoreError(f"{shown}: cannot open the store: {problem}") from err
    return Store(resolved, engine, version)
