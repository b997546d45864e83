"""Identify audio: name the stored piece (or added recording) a clip comes from, and where.

Fingerprints live in the store: rendered pieces as 'audio-landmarks' rows of the fingerprints table
(added when the composer registers a rendered piece), audio a user adds
in ``audio_recordings``. The searchable index is rebuilt from them when they change (kept in memory
per process, keyed by what the tables hold).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.errors import ControlError
from tunesmith.originality import audioprint as ap
from tunesmith.store.models import AudioRecording, Fingerprint, Piece

if TYPE_CHECKING:
    from tunesmith.store.db import Store

AUDIO_KIND = "audio-landmarks"
_CACHE: dict[tuple[str, tuple[Any, ...]], ap.AudioIndex] = {}


def audio_index(store: Store) -> ap.AudioIndex:
    from sqlalchemy import func, select

    with store.session() as session:
        state = (
            session.scalar(
                select(func.count()).select_from(Fingerprint).where(Fingerprint.kind == AUDIO_KIND)
            ),
            session.scalar(select(func.max(Fingerprint.id)).where(Fingerprint.kind == AUDIO_KIND)),
            session.scalar(select(func.count()).select_from(AudioRecording)),
            session.scalar(select(func.max(AudioRecording.id))),
        )
        key = (store.url, state)
        if key in _CACHE:
            return _CACHE[key]
        prints, ids, titles, seconds = [], [], [], []
        for fp, piece in session.execute(
            select(Fingerprint, Piece)
            .join(Piece, Piece.id == Fingerprint.piece_id)
            .where(Fingerprint.kind == AUDIO_KIND)
            .order_by(Fingerprint.id)
        ).all():
            prints.append(fp.data)
            ids.append(f"piece:{piece.id}")
            titles.append(piece.title or f"piece {piece.id}")
            seconds.append(piece.seconds or 0.0)
        for rec in session.scalars(select(AudioRecording).order_by(AudioRecording.id)):
            prints.append(rec.landmarks)
            ids.append(f"recording:{rec.id}")
            titles.append(rec.title)
            seconds.append(rec.seconds)
    index = ap.AudioIndex.build(prints, ids, titles, seconds)
    _CACHE.clear()
    _CACHE[key] = index
    return index


def identify_samples(samples: Any, store: Store) -> dict[str, Any] | None:
    index = audio_index(store)
    if len(index) == 0:
        raise ControlError(
            "audio",
            "no audio is fingerprinted in the store yet: render pieces with "
            "`tunesmith compose` or add recordings with `tunesmith identify --add`",
        )
    hit = index.identify(samples)
    if hit is None:
        return None
    kind, _, number = hit.id.partition(":")
    return {
        "id": hit.id,
        "title": hit.title,
        "piece_id": int(number) if kind == "piece" else None,
        "recording_id": int(number) if kind == "recording" else None,
        "offset_seconds": round(hit.offset_seconds, 2),
        "matches": hit.matches,
        "runner_up": hit.runner_up,
        "peaks_on_piece": hit.peaks_on_piece,
        "query_peaks": hit.query_peaks,
        "chance": round(hit.chance, 1),
        "score": round(hit.score, 2),
        "speed": hit.speed,
        "threshold": ap.MIN_SCORE,
    }


def identify_file(path: str | Path, store: Store) -> dict[str, Any] | None:
    """The piece and offset ``path`` comes from, or None when nothing matches."""
    return identify_samples(ap.read_audio(path), store)


def add_recording(
    path: str | Path, store: Store, title: str | None = None, owner_id: int | None = None
) -> tuple[int, bool]:
    """Fingerprint an audio file into the store; returns (recording id, created)."""
    from sqlalchemy import select

    p = Path(path)
    samples = ap.read_audio(p)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    with store.session() as session:
        existing = session.scalar(select(AudioRecording).where(AudioRecording.sha256 == digest))
        if existing is not None:
            return existing.id, False
        rec = AudioRecording(
            title=(title or p.stem)[:300],
            sha256=digest,
            seconds=len(samples) / ap.SAMPLE_RATE,
            landmarks=ap.fingerprint(samples),
            owner_id=owner_id,
        )
        session.add(rec)
        session.flush()
        return rec.id, True
