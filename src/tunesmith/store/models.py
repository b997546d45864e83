"""The store's tables (latest schema) as SQLAlchemy 2 ORM classes.

The database is created and upgraded by the explicit, ordered migrations in store/migrations.py,
never by ``metadata.create_all``; a test checks that migrating an empty database gives exactly the
tables and columns declared here.

Ratings: one row per (user, piece); rating again updates stars/comment and ``updated_at``. History is
not kept because the feedback loop needs each listener's current opinion, not its past ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SOURCES = ("corpus", "library", "generated")
"""Where a piece came from: the built-in corpus, the user's library import, or the composer."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC: SQLite keeps no time zone


class Base(DeclarativeBase):
    pass


piece_tags = Table(
    "piece_tags",
    Base.metadata,
    Column("piece_id", ForeignKey("pieces.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class SchemaVersion(Base):
    """A single row holding the schema version the migrations brought the database to."""

    __tablename__ = "schema_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class Piece(Base):
    """A piece known to the store. ``content_hash`` (sha256 of the canonical note data) is unique,
    so the same music imported twice is one row. Library imports keep a copy of the source bytes
    in ``file_data`` so deleting the original file loses nothing."""

    __tablename__ = "pieces"
    __table_args__ = (
        CheckConstraint("source IN ('corpus', 'library', 'generated')", name="ck_pieces_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(16))
    collection: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    corpus_ref: Mapped[str | None] = mapped_column(String(500), nullable=True, index=True)
    """For corpus pieces: ``collection/path#index`` as tunesmith.corpus PieceInfo.ref gives it."""
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Where the piece was imported from (informational; the file may be gone)."""
    format: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """Suffix of ``file_data``'s format: '.mid', '.musicxml', '.mxl', '.abc'."""
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    meter: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tempo: Mapped[float | None] = mapped_column(Float, nullable=True)
    bars: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    note_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    controls: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """For generated pieces: the compose request that made it."""
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    """The user who uploaded or composed the piece; None for the shared corpus and CLI imports."""
    features: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    private: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    """True for a piece only its owner may see although its source is public (a piece composed from
    a private upload); NULL or False otherwise."""
    """Cached musical features (tunesmith.feedback.features) so ratings can be learned from quickly."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    tags: Mapped[list[Tag]] = relationship(secondary=piece_tags, back_populates="pieces", lazy="selectin")
    ratings: Mapped[list[Rating]] = relationship(
        back_populates="piece", cascade="all, delete-orphan", passive_deletes=True
    )
    fingerprints: Mapped[list[Fingerprint]] = relationship(
        back_populates="piece", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def tag_names(self) -> list[str]:
        return sorted(t.name for t in self.tags)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    pieces: Mapped[list[Piece]] = relationship(secondary=piece_tags, back_populates="tags")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ratings: Mapped[list[Rating]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Rating(Base):
    """A user's current opinion of a piece: 1-5 stars and an optional comment."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("user_id", "piece_id", name="uq_ratings_user_piece"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="ck_ratings_stars"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    user: Mapped[User] = relationship(back_populates="ratings")
    piece: Mapped[Piece] = relationship(back_populates="ratings")


class Fingerprint(Base):
    """Room for the originality checks: one blob per (piece, fingerprint kind)."""

    __tablename__ = "fingerprints"
    __table_args__ = (UniqueConstraint("piece_id", "kind", name="uq_fingerprints_piece_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    piece: Mapped[Piece] = relationship(back_populates="fingerprints")


class SessionToken(Base):
    """A web sign-in: only the sha256 of the random token is kept, so a leaked database signs no one in."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Job(Base):
    """A compose job. Its state lives here, not in a server's memory, so any web process can report
    it and any worker can run it; ``attempts`` counts the runs started, and a run may only finish
    the job while ``attempts`` still names it (tunesmith.store.jobs)."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="ck_jobs_status"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32), default="compose")
    status: Mapped[str] = mapped_column(String(16), index=True, default="queued")
    stage: Mapped[str] = mapped_column(String(200), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    outputs: Mapped[list[str]] = mapped_column(JSON)
    steer: Mapped[bool] = mapped_column(Boolean, default=False)
    primer_piece: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pieces: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_field: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """``host:pid`` of the process running (or that last ran) the job."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ExerciseResult(Base):
    """One graded answer of a learner: which exercise, its kind and level, and the score (0-1)."""

    __tablename__ = "exercise_results"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="ck_exercise_results_level"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PieceVersion(Base):
    """Co-creation: a revised piece, the piece it was revised from and the revision steps (the
    versions of a piece form a tree through parent_id)."""

    __tablename__ = "piece_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("pieces.id", ondelete="SET NULL"), nullable=True, index=True
    )
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RegistryEntry(Base):
    """One entry of the append-only registry of generated works (tunesmith.originality.registry):
    ``payload`` is the canonical JSON of the certificate body; ``leaf_hash`` = sha256(0x00 ‖ payload),
    ``chain_hash`` = sha256(previous chain_hash ‖ leaf_hash), ``tree_root`` the Merkle root of the log
    of ``seq`` entries right after this one was appended (the tree head a certificate quotes).
    ``piece_id`` is a plain integer: deleting a piece must never remove its entry."""

    __tablename__ = "registry_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    piece_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    payload: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    chain_hash: Mapped[str] = mapped_column(String(64))
    tree_root: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AudioRecording(Base):
    """Audio a user added so clips of it can be identified: its landmark fingerprint
    (tunesmith.originality.audioprint) and the sha256 of the file."""

    __tablename__ = "audio_recordings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    seconds: Mapped[float] = mapped_column(Float)
    landmarks: Mapped[bytes] = mapped_column(LargeBinary)
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
