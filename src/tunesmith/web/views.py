"""How a piece looks to a signed-in user: visibility and the PieceOut body (files, ratings)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import func, select

from tunesmith.errors import NotFoundError
from tunesmith.store.models import Piece, Rating, User
from tunesmith.web.schemas import PieceOut, PieceSource
from tunesmith.web.service import KINDS

RatingFacts = tuple[dict[int, int], dict[int, tuple[float, int]]]


def visible(piece: Piece | None, user: User) -> Piece:
    """The piece if ``user`` may see it (the corpus, generated pieces, their own uploads)."""
    if piece is None or (piece.owner_id not in (None, user.id) and piece.source != "generated"):
        raise NotFoundError("no such piece")
    return piece


def rating_facts(s: Any, ids: list[int], user: User) -> RatingFacts:
    """Your stars and everyone's (mean, count) for ``ids``, in two queries for a whole page."""
    mine = dict(
        s.execute(
            select(Rating.piece_id, Rating.stars).where(Rating.piece_id.in_(ids), Rating.user_id == user.id)
        ).all()
    )
    stats = {
        pid: (float(mean), int(n))
        for pid, mean, n in s.execute(
            select(Rating.piece_id, func.avg(Rating.stars), func.count(Rating.id))
            .where(Rating.piece_id.in_(ids))
            .group_by(Rating.piece_id)
        ).all()
    }
    return mine, stats


def piece_out(
    s: Any, piece: Piece, user: User, detail: bool = False, facts: RatingFacts | None = None
) -> PieceOut:
    my_stars, stats = facts if facts is not None else rating_facts(s, [piece.id], user)
    mine = my_stars.get(piece.id)
    mean, count = stats.get(piece.id, (None, 0))
    web_files = (piece.controls or {}).get("web_files", {})
    kinds = (
        [k for k in KINDS if k in web_files]
        if web_files
        else ["mid", "musicxml", "png", "wav", "flac", "mp3"]
    )
    if web_files:  # converted on demand beyond what the job wrote
        kinds += [k for k in KINDS if k not in kinds]
    controls = None
    if detail and piece.controls:
        controls = {k: v for k, v in piece.controls.items() if k != "web_files"}
    return PieceOut(
        id=piece.id,
        title=piece.title,
        source=cast(PieceSource, piece.source),  # the store's check constraint keeps it one of these
        collection=piece.collection,
        key=piece.key,
        meter=piece.meter,
        tempo=piece.tempo,
        bars=piece.bars,
        seconds=piece.seconds,
        tags=piece.tag_names,
        mine=piece.owner_id == user.id,
        my_rating=mine,
        mean_rating=round(mean, 2) if mean is not None else None,
        ratings=count,
        files={k: f"/api/pieces/{piece.id}/files/{k}" for k in kinds},
        controls=controls,
    )
