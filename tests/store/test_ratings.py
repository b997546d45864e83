from __future__ import annotations

import pytest

from tunesmith.errors import ControlError, NotFoundError
from tunesmith.store.db import Store
from tunesmith.store.pieces import add_piece
from tunesmith.store.ratings import (
    average_stars,
    get_or_create_user,
    rate,
    ratings_by_user,
    ratings_for_piece,
)

from .conftest import make_score


def test_rating_again_replaces_the_users_rating(store: Store) -> None:
    with store.session() as s:
        piece, _ = add_piece(s, make_score([60, 62]), source="generated")
        rate(s, "ann", piece.id, 3, "ok")
        rate(s, "bob", piece.id, 5)
        rate(s, "ann", piece.id, 4, "better on second listen")
    with store.session() as s:
        ratings = ratings_for_piece(s, piece.id)
        assert [(r.user.name, r.stars, r.comment) for r in ratings] == [
            ("ann", 4, "better on second listen"),
            ("bob", 5, ""),
        ]
        assert average_stars(s, piece.id) == 4.5
        assert [r.piece_id for r in ratings_by_user(s, "ann")] == [piece.id]


def test_rating_validation(store: Store) -> None:
    with store.session() as s:
        piece, _ = add_piece(s, make_score([60]), source="generated")
        for bad in (0, 6, 2.5):
            with pytest.raises(ControlError, match="stars"):
                rate(s, "ann", piece.id, bad)  # type: ignore[arg-type]
        with pytest.raises(NotFoundError):
            rate(s, "ann", 999, 3)
        with pytest.raises(ControlError, match="user"):
            get_or_create_user(s, "  ")
        with pytest.raises(NotFoundError, match="no user"):
            ratings_by_user(s, "nobody")
        assert average_stars(s, piece.id) is None
