"""Pieces recommended for the signed-in user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tunesmith.store.models import Piece
from tunesmith.web.context import Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import Recommendation
from tunesmith.web.views import piece_out

router = APIRouter(prefix="/api", tags=["recommendations"])


@router.get("/recommendations", response_model=list[Recommendation], responses=errors(401, 422))
def recommendations(
    user: Me, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> list[Recommendation]:
    """Pieces for you: like what you rated highly, and what listeners like you liked."""
    from tunesmith.recommend.store import recommend_for

    with ctx.write_lock, ctx.store.session() as s:  # features are cached on first use (a write)
        found = recommend_for(s, user.name, limit, features_of=features_now)
        return [
            Recommendation(piece=piece_out(s, p, user), score=sc.score, reason=sc.reason) for p, sc in found
        ]


def features_now(session: Any, piece: Piece) -> dict[str, float] | None:
    """Features for a recommendation request: cached ones, and computed ones only for the few
    pieces that are not corpus pieces (the corpus is done in the background at start-up)."""
    from tunesmith.feedback.features import stored_features

    if piece.source == "corpus" and not piece.features:
        return None
    return stored_features(session, piece)
