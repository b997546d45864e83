"""Similar-work search over everything in the store: the built-in corpus (its cached index) plus the
library imports and generated pieces (their melodies, kept as 'melody-notes' fingerprints in the
store's fingerprints table and filled in lazily for pieces that lack one).

``check_score``/``check_file`` give the nearest works, each with a similarity (0..1), the aligned
passage (bars in both pieces) and an explanation (tunesmith.evaluate.similarity does the work).
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.errors import ControlError, NotFoundError, TunesmithError
from tunesmith.evaluate.similarity import (
    Match,
    Melody,
    MelodyIndex,
    corpus_melody_index,
    melody_of_score,
    search,
)
from tunesmith.io import load, loads
from tunesmith.score import Score
from tunesmith.store.models import Fingerprint, Piece

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tunesmith.store.db import Store

MELODY_KIND = "melody-notes"
MATCH_THRESHOLD = 0.86
"""A work at or above this similarity is reported as a match (near-copy): the 99th percentile of
300 held-out calibration tunes' best similarity (benchmarks/results/originality_search.md), never
fixed on the test tunes."""
MIN_QUERY_NOTES = 8
_MAGIC = b"TSM1"


def encode_melody(m: Melody) -> bytes:
    """A melody as stored bytes: pitches (int8), bars (int16), beat skeleton (int8)."""
    return (
        _MAGIC
        + struct.pack("<II", len(m.pitches), len(m.skeleton))
        + m.pitches.astype(np.int8).tobytes()
        + m.bars.astype("<i2").tobytes()
        + m.skeleton.astype(np.int8).tobytes()
    )


def decode_melody(data: bytes) -> Melody:
    if len(data) < 12 or data[:4] != _MAGIC:
        raise ControlError("fingerprint", "not a tunesmith melody fingerprint (bad header)")
    n, s = struct.unpack("<II", data[4:12])
    if len(data) != 12 + 3 * n + s:
        raise ControlError("fingerprint", f"truncated melody fingerprint ({len(data)} bytes)")
    pitches = np.frombuffer(data, np.int8, n, 12).astype(np.int16)
    bars = np.frombuffer(data, "<i2", n, 12 + n).astype(np.int32)
    skeleton = np.frombuffer(data, np.int8, s, 12 + 3 * n).astype(np.int16)
    return Melody(pitches, bars, skeleton)


def _melody_of_piece(piece: Any) -> Melody | None:
    """The melody of a stored piece from its kept file, or None when it has none readable."""
    if not piece.file_data or not piece.format:
        return None
    try:
        scores = loads(piece.file_data, piece.format, piece.path or f"piece {piece.id}")
    except TunesmithError:
        return None
    return melody_of_score(scores[0]) if scores else None


def store_index(session: Session, piece_ids: list[int] | None = None) -> MelodyIndex:
    """An index of the store's library and generated pieces (corpus pieces are in the corpus index),
    or only of ``piece_ids``."""
    from sqlalchemy import select

    rows = session.execute(
        select(Piece, Fingerprint.data)
        .outerjoin(Fingerprint, (Fingerprint.piece_id == Piece.id) & (Fingerprint.kind == MELODY_KIND))
        .where(Piece.source != "corpus" if piece_ids is None else Piece.id.in_(piece_ids))
        .order_by(Piece.id)
    ).all()
    melodies, ids, titles = [], [], []
    for piece, data in rows:
        melody = decode_melody(data) if data is not None else _melody_of_piece(piece)
        if melody is None:
            continue
        if data is None:  # filled in once, so the next search reads it straight from the table
            session.add(Fingerprint(piece_id=piece.id, kind=MELODY_KIND, data=encode_melody(melody)))
        melodies.append(melody)
        ids.append(f"piece:{piece.id}")
        titles.append(f"{piece.title or 'untitled'} ({piece.source})")
    return MelodyIndex.build(melodies, ids, titles)


def work_index(store: Store | None = None, *, corpus: bool = True) -> MelodyIndex:
    """Corpus + store pieces, one index (the corpus part is loaded from its cache: milliseconds)."""
    parts = []
    if corpus:
        with contextlib.suppress(NotFoundError):  # no corpus built here: the store is still searched
            parts.append(corpus_melody_index())
    if store is not None:
        with store.session() as session:
            parts.append(store_index(session))
    return MelodyIndex.merge(parts)


def check_score(
    score: Score,
    *,
    top: int = 5,
    store: Store | None = None,
    index: MelodyIndex | None = None,
    exclude: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The similar-work report of ``score``'s melody: {'notes', 'threshold', 'verdict', 'matches': [...]}."""
    if not 1 <= top <= 50:
        raise ControlError("top", f"must be 1..50, not {top}")
    melody = melody_of_score(score)
    if len(melody) < MIN_QUERY_NOTES:
        raise ControlError(
            "melody",
            f"has {len(melody)} notes; at least {MIN_QUERY_NOTES} are needed to compare it with other works",
        )
    if index is None:
        index = work_index(store)
    if len(index) == 0:
        raise NotFoundError("nothing to compare with: no corpus built and no pieces in the store")
    matches = search(index, melody, top, exclude=exclude)
    return report(melody, index, matches)


def report(melody: Melody, index: MelodyIndex, matches: list[Match]) -> dict[str, Any]:
    near = [m for m in matches if m.similarity >= MATCH_THRESHOLD]
    verdict = (
        f"near-copy of {near[0].title} (similarity {near[0].similarity:.2f})"
        if near
        else f"no work above the match threshold {MATCH_THRESHOLD}"
    )
    return {
        "notes": len(melody),
        "indexed_works": len(index),
        "threshold": MATCH_THRESHOLD,
        "verdict": verdict,
        "matches": [
            {
                "id": m.id,
                "title": m.title,
                "similarity": round(m.similarity, 4),
                "match": m.similarity >= MATCH_THRESHOLD,
                "alignment": asdict(m.alignment) if m.alignment else None,
                "explanation": m.explanation,
            }
            for m in matches
        ],
    }


def check_file(path: str | Path, *, top: int = 5, store: Store | None = None) -> dict[str, Any]:
    """:func:`check_score` of a MIDI, MusicXML or ABC file (its first piece)."""
    scores = load(path)
    if not scores:
        raise ControlError("file", f"{path} holds no piece")
    out = check_score(scores[0], top=top, store=store)
    out["file"] = str(path)
    return out
