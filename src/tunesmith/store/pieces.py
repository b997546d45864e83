"""Read and write pieces and their tags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tunesmith.errors import ControlError, NotFoundError
from tunesmith.score import Score
from tunesmith.store.models import SOURCES, Piece, Tag

MAX_ID = 2**63 - 1
_MAJOR_BY_FIFTHS = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"]
_MINOR_BY_FIFTHS = ["Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#"]


def key_name(fifths: int, mode: str) -> str:
    """'G major', 'E minor' ... from a key signature's fifths (-7..7) and mode."""
    names = _MINOR_BY_FIFTHS if mode == "minor" else _MAJOR_BY_FIFTHS
    tonic = names[fifths + 7] if -7 <= fifths <= 7 else f"{fifths:+d} fifths"
    return f"{tonic} {'minor' if mode == 'minor' else 'major'}"


def content_hash(score: Score) -> str:
    """sha256 of the canonical musical content: every note (track, pitch, onset, duration, velocity),
    the meter, key and chord maps. Titles and file formats do not count, so the same tune read from
    an ABC and a MIDI file of it (same notes) is recognised as one piece."""
    notes = sorted(
        (ti, n.pitch, n.start, n.duration, n.velocity) for ti, t in enumerate(score.tracks) for n in t.notes
    )
    canonical = {
        "notes": notes,
        "drums": [t.is_drum for t in score.tracks],
        "meters": sorted((t.tick, t.numerator, t.denominator) for t in score.time_signatures),
        "keys": sorted((k.tick, k.fifths, k.mode) for k in score.key_signatures),
        "chords": sorted((c.tick, c.figure) for c in score.chords),
    }
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


def summary_fields(score: Score) -> dict[str, Any]:
    """The summary columns of ``pieces`` for a score: key, meter, tempo, bars, seconds, note count."""
    key = score.key_signatures[0] if score.key_signatures else None
    meter = score.time_signatures[0] if score.time_signatures else None
    return {
        "key": key_name(key.fifths, key.mode) if key else None,
        "meter": str(meter) if meter else None,
        "tempo": score.tempos[0].bpm if score.tempos else None,
        "bars": score.bar_count(),
        "seconds": round(score.duration_seconds(), 3),
        "note_count": sum(len(t.notes) for t in score.tracks),
    }


def normalise_tag(tag: str) -> str:
    clean = "-".join(tag.strip().lower().split())
    if not clean or len(clean) > 100:
        raise ControlError("tag", f"{tag!r} is empty or longer than 100 characters")
    return clean


def ensure_tags(session: Session, names: Iterable[str]) -> list[Tag]:
    """The Tag rows for ``names`` (normalised: lower case, spaces to '-'), created when missing."""
    out: list[Tag] = []
    for name in dict.fromkeys(normalise_tag(n) for n in names):
        tag = session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
        out.append(tag)
    return out


def add_tags(session: Session, piece: Piece, names: Iterable[str]) -> list[str]:
    """Attach tags to ``piece``; returns the names that were new to it."""
    added = []
    for tag in ensure_tags(session, names):
        if tag not in piece.tags:
            piece.tags.append(tag)
            added.append(tag.name)
    return added


def owned_content_key(score: Score, owner_id: int) -> str:
    """The identity of ``score`` uploaded by user ``owner_id``: the same music uploaded by two users
    is two private pieces, so an upload neither reveals nor joins anyone else's."""
    return hashlib.sha256(f"upload:{int(owner_id)}:{content_hash(score)}".encode()).hexdigest()


def find_by_hash(session: Session, digest: str) -> Piece | None:
    return session.scalar(select(Piece).where(Piece.content_hash == digest))


def add_piece(
    session: Session,
    score: Score,
    *,
    source: str,
    tags: Sequence[str] = (),
    title: str | None = None,
    collection: str | None = None,
    corpus_ref: str | None = None,
    path: str | None = None,
    fmt: str | None = None,
    file_data: bytes | None = None,
    controls: dict[str, Any] | None = None,
    content_key: str | None = None,
) -> tuple[Piece, bool]:
    """Store ``score`` unless a piece with the same content exists; either way attach ``tags``.

    Returns (piece, created). ``file_data``/``fmt`` keep a copy of the source so the piece can be
    re-read after its original file is gone. Corpus pieces give ``collection`` and ``corpus_ref``.
    ``content_key`` replaces the content hash as the identity (a user's upload is theirs alone:
    see :func:`owned_content_key`).
    """
    if source not in SOURCES:
        raise ControlError("source", f"{source!r} is not one of {', '.join(SOURCES)}")
    digest = content_key or content_hash(score)
    piece = find_by_hash(session, digest)
    created = piece is None
    if piece is None:
        piece = Piece(
            title=title if title is not None else score.metadata.title,
            source=source,
            collection=collection,
            corpus_ref=corpus_ref,
            content_hash=digest,
            path=path,
            format=fmt,
            file_data=file_data,
            controls=controls,
            **summary_fields(score),
        )
        session.add(piece)
    add_tags(session, piece, tags)
    session.flush()
    return piece, created


def get_piece(session: Session, piece_id: int) -> Piece:
    if not 0 <= piece_id <= MAX_ID:  # the database's integers are 64-bit: larger cannot exist
        raise NotFoundError(f"no piece with id {piece_id} in the store")
    piece = session.get(Piece, piece_id)
    if piece is None:
        raise NotFoundError(f"no piece with id {piece_id} in the store")
    return piece


def find_corpus_piece(session: Session, corpus_ref: str) -> Piece | None:
    return session.scalar(select(Piece).where(Piece.corpus_ref == corpus_ref))


def list_pieces(
    session: Session, *, tag: str | None = None, source: str | None = None, collection: str | None = None
) -> list[Piece]:
    """Pieces in id order, optionally only those with ``tag``, from ``source`` or ``collection``."""
    query = select(Piece).order_by(Piece.id)
    if tag:
        query = query.where(Piece.tags.any(Tag.name == normalise_tag(tag)))
    if source:
        query = query.where(Piece.source == source)
    if collection:
        query = query.where(Piece.collection == collection)
    return list(session.scalars(query))


def remove_piece(session: Session, piece_id: int) -> Piece:
    """Delete a piece (its tag links, ratings and fingerprints go with it); returns the removed row."""
    piece = get_piece(session, piece_id)
    session.delete(piece)
    session.flush()
    return piece
