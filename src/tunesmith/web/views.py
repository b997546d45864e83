"""How a piece looks to a signed-in user: visibility and the PieceOut body (files, ratings)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import and_, func, or_, select

from tunesmith.errors import NotFoundError
from tunesmith.store.models import Piece, Rating, User
from tunesmith.web.schemas import PieceOut, PieceSource
from tunesmith.web.service import KINDS, public_request

RatingFacts = tuple[dict[int, int], dict[int, tuple[float, int]]]


def visible(piece: Piece | None, user: User) -> Piece:
    """The piece if ``user`` may see it (the corpus, public generated pieces, their own pieces)."""
    if piece is None or not may_see(piece, user):
        raise NotFoundError("no such piece")
    return piece


def may_see(piece: Piece, user: User) -> bool:
    if piece.owner_id in (None, user.id):
        return True
    return piece.source == "generated" and not piece.private


def visible_clause(user: User) -> Any:
    """The SQL condition of :func:`may_see`, for queries over many pieces."""
    return or_(
        Piece.owner_id.is_(None),
        Piece.owner_id == user.id,
        and_(Piece.source == "generated", Piece.private.is_not(True)),
    )


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
        if isinstance(controls.get("request"), dict):  # pieces stored before paths were kept out

            controls["request"] = public_request(controls["request"], controls.get("primer_piece"))
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
