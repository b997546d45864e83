"""Schema migrations: an explicit version number and ordered upgrade functions.

``schema_version`` holds one row with the version a database is at. ``MIGRATIONS[i]`` upgrades a
database from version ``i`` to ``i + 1``; each runs in its own transaction together with the version
bump, so a failed upgrade leaves the database at the last good version. Migrations describe their
tables with frozen Core definitions (never the ORM models, which always show the latest schema), so
an old migration keeps doing exactly what it did when it was released.

To change the schema: edit store/models.py, append a function here that brings version N to N + 1
(ALTER TABLE / CREATE TABLE / data moves), and extend the upgrade test.

Why not alembic: the schema has a handful of tables and changes rarely; these functions run on
SQLite and PostgreSQL alike, are tested step by step (tests/store/test_migrations.py) and need no
migration environment, ini file or generated scripts shipped to users. alembic was pinned but never
used, so it was dropped from the dependencies (issue 11).

History:
  1  pieces, tags, piece_tags, users, ratings
  2  fingerprints table; pieces.corpus_ref (corpus pieces point at their cache entry), pieces.controls
     (a generated piece's request); ratings.updated_at
  3  sessions table (web sign-in tokens, stored hashed, with expiry); pieces.owner_id (who uploaded
     or composed a piece; NULL for the shared corpus), pieces.features (cached musical features for
     the feedback model and recommendations)
  4  jobs table (compose jobs: owner, status, progress, request, result, attempts, heartbeat), so a
     job outlives the process that accepted or ran it
  5  exercise_results (a learner's graded answers: kind, level, score 0-1; the next level follows them)
  6  pieces.private: a generated piece made from a private upload (a primer) is seen only by its
     owner, like the upload
  7  piece_versions table (co-creation: which piece a revised version came from, with the
     revision steps that made it)
  8  registry_entries (the append-only, hash-chained log of generated works) and audio_recordings
     (audio a user adds for identification, with its landmark fingerprint)
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)

from tunesmith.errors import StoreError


def _version_table(meta: MetaData) -> Table:
    return Table(
        "schema_version",
        meta,
        Column("id", Integer, primary_key=True),
        Column("version", Integer, nullable=False),
    )


def _v1(conn: Connection) -> None:
    meta = MetaData()
    _version_table(meta)
    Table(
        "pieces", meta,
        Column("id", Integer, primary_key=True),
        Column("title", String(300), nullable=False),
        Column("source", String(16), nullable=False),
        Column("collection", String(100), index=True),
        Column("content_hash", String(64), nullable=False, unique=True),
        Column("path", Text),
        Column("format", String(16)),
        Column("file_data", LargeBinary),
        Column("key", String(40)),
        Column("meter", String(16)),
        Column("tempo", Float),
        Column("bars", Integer),
        Column("seconds", Float),
        Column("note_count", Integer),
        Column("created_at", DateTime, nullable=False),
        CheckConstraint("source IN ('corpus', 'library', 'generated')", name="ck_pieces_source"),
    )
    Table(
        "tags", meta,
        Column("id", Integer, primary_key=True),
        Column("name", String(100), nullable=False, unique=True),
    )
    Table(
        "piece_tags", meta,
        Column("piece_id", ForeignKey("pieces.id", ondelete="CASCADE"), primary_key=True),
        Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    )
    Table(
        "users", meta,
        Column("id", Integer, primary_key=True),
        Column("name", String(100), nullable=False, unique=True),
        Column("password_hash", String(300)),
        Column("created_at", DateTime, nullable=False),
    )
    Table(
        "ratings", meta,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("piece_id", ForeignKey("pieces.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("stars", Integer, nullable=False),
        Column("comment", Text, nullable=False),
        Column("created_at", DateTime, nullable=False),
        UniqueConstraint("user_id", "piece_id", name="uq_ratings_user_piece"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="ck_ratings_stars"),
    )
    meta.create_all(conn)


def _add_column(conn: Connection, table: str, column: Column[object]) -> None:
    type_sql = column.type.compile(dialect=conn.dialect)
    conn.execute(text(f'ALTER TABLE {table} ADD COLUMN "{column.name}" {type_sql}'))


def _v2(conn: Connection) -> None:
    _add_column(conn, "pieces", Column("corpus_ref", String(500)))
    _add_column(conn, "pieces", Column("controls", JSON))
    _add_column(conn, "ratings", Column("updated_at", DateTime))
    meta = MetaData()
    meta.reflect(conn, only=["pieces"])
    Index("ix_pieces_corpus_ref", meta.tables["pieces"].c.corpus_ref).create(conn)
    fingerprints = Table(
        "fingerprints", meta,
        Column("id", Integer, primary_key=True),
        Column("piece_id", ForeignKey("pieces.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("kind", String(50), nullable=False),
        Column("data", LargeBinary, nullable=False),
        Column("created_at", DateTime, nullable=False),
        UniqueConstraint("piece_id", "kind", name="uq_fingerprints_piece_kind"),
    )
    fingerprints.create(conn)


def _v3(conn: Connection) -> None:
    # SQLite cannot add a foreign key with ALTER TABLE: owner_id is a plain integer column there
    # (the ORM still joins on it); deleting a user leaves their pieces with an owner nobody has.
    _add_column(conn, "pieces", Column("owner_id", Integer))
    _add_column(conn, "pieces", Column("features", JSON))
    meta = MetaData()
    meta.reflect(conn, only=["pieces", "users"])
    Index("ix_pieces_owner_id", meta.tables["pieces"].c.owner_id).create(conn)
    sessions = Table(
        "sessions", meta,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("token_hash", String(64), nullable=False, unique=True),
        Column("created_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
    )
    sessions.create(conn)


def _v4_jobs(conn: Connection) -> None:
    meta = MetaData()
    Table(
        "jobs", meta,
        Column("id", String(32), primary_key=True),
        Column("owner_id", Integer, nullable=False, index=True),
        Column("kind", String(32), nullable=False),
        Column("status", String(16), nullable=False, index=True),
        Column("stage", String(200), nullable=False),
        Column("progress", Float, nullable=False),
        Column("request", JSON, nullable=False),
        Column("outputs", JSON, nullable=False),
        Column("steer", Boolean, nullable=False),
        Column("primer_piece", Integer),
        Column("pieces", JSON),
        Column("error", Text),
        Column("error_field", String(100)),
        Column("attempts", Integer, nullable=False),
        Column("max_attempts", Integer, nullable=False),
        Column("worker", String(200)),
        Column("created_at", DateTime, nullable=False),
        Column("enqueued_at", DateTime, nullable=False),
        Column("started_at", DateTime),
        Column("heartbeat_at", DateTime),
        Column("finished_at", DateTime),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="ck_jobs_status"),
    )
    meta.create_all(conn)


def _exercise_results(conn: Connection) -> None:
    meta = MetaData()
    meta.reflect(conn, only=["users"])
    Table(
        "exercise_results", meta,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("exercise_id", String(32), nullable=False),
        Column("kind", String(40), nullable=False),
        Column("level", Integer, nullable=False),
        Column("score", Float, nullable=False),
        Column("created_at", DateTime, nullable=False),
        CheckConstraint("level BETWEEN 1 AND 5", name="ck_exercise_results_level"),
    ).create(conn)


def _private_pieces(conn: Connection) -> None:
    # NULL (every older row) reads as not private.
    _add_column(conn, "pieces", Column("private", Boolean))


def _cocreate_versions(conn: Connection) -> None:
    meta = MetaData()
    meta.reflect(conn, only=["pieces"])
    versions = Table(
        "piece_versions", meta,
        Column("id", Integer, primary_key=True),
        Column("piece_id", ForeignKey("pieces.id", ondelete="CASCADE"), nullable=False, unique=True),
        Column("parent_id", ForeignKey("pieces.id", ondelete="SET NULL"), nullable=True, index=True),
        Column("steps", JSON, nullable=False),
        Column("created_at", DateTime, nullable=False),
    )  # fmt: skip
    versions.create(conn)


def _v4_originality_registry(conn: Connection) -> None:
    meta = MetaData()
    Table(
        "registry_entries", meta,
        Column("seq", Integer, primary_key=True, autoincrement=False),
        Column("piece_id", Integer, nullable=True, index=True),
        Column("payload", Text, nullable=False),
        Column("leaf_hash", String(64), nullable=False, unique=True),
        Column("chain_hash", String(64), nullable=False),
        Column("tree_root", String(64), nullable=False),
        Column("created_at", DateTime, nullable=False),
    ).create(conn)
    Table(
        "audio_recordings", meta,
        Column("id", Integer, primary_key=True),
        Column("title", String(300), nullable=False),
        Column("sha256", String(64), nullable=False, unique=True),
        Column("seconds", Float, nullable=False),
        Column("landmarks", LargeBinary, nullable=False),
        Column("owner_id", Integer, nullable=True),
        Column("created_at", DateTime, nullable=False),
    ).create(conn)


MIGRATIONS: list[Callable[[Connection], None]] = [
    _v1, _v2, _v3, _v4_jobs, _exercise_results, _private_pieces, _cocreate_versions,
    _v4_originality_registry,
]
LATEST_VERSION = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    """Version of the database behind ``conn``: 0 when empty; StoreError if it is not ours."""
    tables = set(inspect(conn).get_table_names())
    if "schema_version" not in tables:
        if tables:
            raise StoreError(
                f"the database holds tables ({', '.join(sorted(tables)[:5])}) but no tunesmith schema "
                "version; point --db at an empty or tunesmith database"
            )
        return 0
    row = conn.execute(text("SELECT version FROM schema_version WHERE id = 1")).first()
    return int(row[0]) if row else 0


def migrate(engine: Engine, target: int = LATEST_VERSION) -> tuple[int, int]:
    """Upgrade the database to ``target``; returns (version before, version after).

    Processes that start together on a fresh database (several web processes, workers) migrate one
    after the other instead of racing: under an advisory lock on PostgreSQL, a lock file beside a
    SQLite file."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:"):
        with Path(f"{database}.migrate-lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return _migrate(engine, target)
    with engine.connect() as guard:
        locked = engine.dialect.name == "postgresql"
        if locked:
            guard.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
        try:
            return _migrate(engine, target)
        finally:
            if locked:
                guard.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})


_LOCK_KEY = 0x74756E65  # 'tune'


def _migrate(engine: Engine, target: int) -> tuple[int, int]:
    with engine.connect() as conn:
        before = current_version(conn)
    if before > LATEST_VERSION:
        raise StoreError(
            f"the database is at schema version {before}, newer than this tunesmith knows "
            f"({LATEST_VERSION}); upgrade tunesmith"
        )
    version = before
    while version < target:
        with engine.begin() as conn:
            MIGRATIONS[version](conn)
            if version == 0:
                conn.execute(text("INSERT INTO schema_version (id, version) VALUES (1, 1)"))
            else:
                conn.execute(text("UPDATE schema_version SET version = :v WHERE id = 1"), {"v": version + 1})
        version += 1
    return before, version
