"""Recommendations for a user of the store: their ratings, everyone's, and the pieces' features."""

from __future__ import annotations

import json
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
    return [
        p
        for p in pieces
        if p.owner_id is None or p.owner_id == user_id or (p.source == "generated" and not p.private)
    ]


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
    candidates = list(by_id)
    if user_id is not None and ratings.get(user_id):
        families = {compose_family(session.get(Piece, pid)) for pid in ratings[user_id]} - {None}
        candidates = [pid for pid in candidates if compose_family(by_id[pid]) not in families]
    result = recommend(key, ratings, features, candidates, limit)
    return [(by_id[int(s.item)], s) for s in result]  # type: ignore[call-overload]


def compose_family(piece: Piece | None) -> str | None:
    """What the candidates of one compose job share: their resolved request (seed included). A
    listener who rated one candidate has heard that job, so its siblings are not recommended."""
    if piece is None or piece.source != "generated" or not piece.controls:
        return None
    request = piece.controls.get("request")
    return json.dumps(request, sort_keys=True) if isinstance(request, dict) else None
