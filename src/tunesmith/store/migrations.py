"""Schema migrations: an explicit version number and ordered upgrade functions.

``schema_version`` holds one row with the version a database is at. ``MIGRATIONS[i]`` upgrades a
database from version ``i`` to ``i + 1``; each runs in its own transaction together with the version
bump, so a failed upgrade leaves the database at the last good version. Migrations describe their
tables with frozen Core definitions (never the ORM models, which always show the latest schema), so
an old migration keeps doing exactly what it did when it was released.

To change the schema: edit store/models.py, append a function here that brings version N to N + 1
(ALTER TABLE / CREATE TABLE / data moves), and extend the upgrade test.

History:
  1  pieces, tags, piece_tags, users, ratings
  2  fingerprints table; pieces.corpus_ref (corpus pieces point at their cache entry), pieces.controls
     (a generated piece's request); ratings.updated_at
  3  sessions table (web sign-in tokens, stored hashed, with expiry); pieces.owner_id (who uploaded
     or composed a piece; NULL for the shared corpus), pieces.features (cached musical features for
     the feedback model and recommendations)
  4  registry_entries (the append-only, hash-chained log of generated works) and audio_recordings
     (audio a user adds for identification, with its landmark fingerprint)
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    JSON,
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


MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4_originality_registry]
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
    """Upgrade the database to ``target``; returns (version before, version after)."""
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
