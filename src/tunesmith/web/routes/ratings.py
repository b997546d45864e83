"""A user's star ratings of pieces (they feed the preference model)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from tunesmith.errors import ControlError, NotFoundError
from tunesmith.store.models import Piece, Rating, utcnow
from tunesmith.web.context import Ctx, Me
from tunesmith.web.schemas import PieceId, RatingBody, RatingOut
from tunesmith.web.views import visible

router = APIRouter(prefix="/api", tags=["ratings"])


def _out(rating: Rating, title: str) -> RatingOut:
    return RatingOut(
        piece_id=rating.piece_id,
        title=title,
        stars=rating.stars,
        comment=rating.comment,
        updated=(rating.updated_at or rating.created_at).isoformat(),
    )


@router.put("/pieces/{piece_id}/rating", response_model=RatingOut)
def rate(piece_id: PieceId, body: RatingBody, user: Me, ctx: Ctx) -> RatingOut:
    """Rate a piece 1-5 stars (rating again replaces your earlier rating)."""
    if not 1 <= body.stars <= 5:
        raise ControlError("stars", f"{body.stars} is out of range; allowed: a whole number 1-5")
    with ctx.write_lock, ctx.store.session() as s:
        piece = visible(s.get(Piece, piece_id), user)
        rating = s.scalar(select(Rating).where(Rating.piece_id == piece.id, Rating.user_id == user.id))
        if rating is None:
            rating = Rating(user_id=user.id, piece_id=piece.id, stars=body.stars, comment=body.comment)
            s.add(rating)
        else:
            rating.stars, rating.comment, rating.updated_at = body.stars, body.comment, utcnow()
        s.flush()
        out = _out(rating, piece.title)
    ctx.prefs_stale = True
    return out


@router.delete("/pieces/{piece_id}/rating", status_code=204)
def unrate(piece_id: PieceId, user: Me, ctx: Ctx) -> Response:
    with ctx.write_lock, ctx.store.session() as s:
        rating = s.scalar(select(Rating).where(Rating.piece_id == piece_id, Rating.user_id == user.id))
        if rating is None:
            raise NotFoundError(f"you have not rated piece {piece_id}")
        s.delete(rating)
    ctx.prefs_stale = True
    return Response(status_code=204)


@router.get("/ratings", response_model=list[RatingOut])
def my_ratings(user: Me, ctx: Ctx) -> list[RatingOut]:
    """Your ratings, newest first (nobody else's)."""
    with ctx.store.session() as s:
        rows = s.scalars(select(Rating).where(Rating.user_id == user.id).order_by(Rating.id.desc()))
        return [_out(r, r.piece.title) for r in rows]
