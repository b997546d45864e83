"""Recommendations for a user of the store: their ratings, everyone's, and the pieces' features."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tunesmith.feedback.features import FEATURES, stored_features
from tunesmith.recommend.hybrid import Scored, recommend
from tunesmith.store.models import Piece, Rating, User


def visible_pieces(session: Session, user_id: int | None) -> list[Piece]:
    """Pieces a user may be recommended: shared ones (corpus, generated, CLI imports) and their uploads."""
    query = select(Piece).order_by(Piece.id)
    pieces = list(session.scalars(query))
    return [p for p in pieces if p.owner_id is None or p.owner_id == user_id or p.source == "generated"]


def recommend_for(
    session: Session,
    user_name: str,
    limit: int = 10,
    *,
    pieces: Sequence[Piece] | None = None,
    features_of: Callable[[Session, Piece], dict[str, float] | None] = stored_features,
    max_feature_pieces: int = 3000,
) -> list[tuple[Piece, Scored]]:
    """The best ``limit`` pieces for ``user_name`` (a user with no ratings gets popular pieces)."""
    user = session.scalar(select(User).where(User.name == user_name))
    user_id = user.id if user is not None else None
    pool = list(pieces) if pieces is not None else visible_pieces(session, user_id)
    by_id = {p.id: p for p in pool}
    ratings: dict[int, dict[int, float]] = {}
    for r in session.scalars(select(Rating)):
        ratings.setdefault(r.user_id, {})[r.piece_id] = float(r.stars)
    features: dict[int, list[float]] = {}
    if user_id is not None and ratings.get(user_id):
        wanted = list(by_id.values())[:max_feature_pieces]
        rated = [session.get(Piece, pid) for pid in ratings[user_id]]
        for piece in [*wanted, *(p for p in rated if p is not None)]:
            # The listener's own rated pieces always count: they make the profile.
            values = stored_features(session, piece) if piece.id in ratings[user_id] else features_of(
                session, piece)
            if values is not None:
                features[piece.id] = [values.get(n, float("nan")) for n in FEATURES]
    key = user_id if user_id is not None else -1
    result = recommend(key, ratings, features, list(by_id), limit)
    return [(by_id[int(s.item)], s) for s in result]  # type: ignore[call-overload]
