"""Recommendations from the store: visibility, exclusion of rated pieces, cold start."""

from __future__ import annotations

from pathlib import Path

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.io import save
from tunesmith.recommend.store import recommend_for, visible_pieces
from tunesmith.store import open_store
from tunesmith.store.pieces import add_piece
from tunesmith.store.ratings import get_or_create_user, rate


def test_recommend_for_a_user(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, store.session() as s:
        ids = []
        for seed, tempo in ((1, 180), (2, 176), (3, 60), (4, 64), (5, 170)):
            score = compose(
                ComposeRequest(
                    style="folk", bars=8, form="AB", candidates=1, model="rules", seed=seed, tempo=tempo
                )
            ).score
            save(score, tmp_path / "p.mid")
            piece, _ = add_piece(
                s, score, source="generated", fmt=".mid", file_data=(tmp_path / "p.mid").read_bytes()
            )
            ids.append(piece.id)
        other = get_or_create_user(s, "other")
        private, _ = add_piece(
            s,
            compose(
                ComposeRequest(style="waltz", bars=8, form="AB", candidates=1, model="rules", seed=9)
            ).score,
            source="library",
        )
        private.owner_id = other.id
        cold = recommend_for(s, "ann", limit=10)
        assert {p.id for p, _ in cold} == set(ids)  # not someone else's upload
        assert private not in visible_pieces(s, None)
        rate(s, "ann", ids[0], 5)
        rate(s, "ann", ids[2], 1)
        found = recommend_for(s, "ann", limit=3)
        got = [p.id for p, _ in found]
        assert ids[0] not in got and ids[2] not in got
        assert got.index(ids[1]) < got.index(ids[3])  # fast like the liked one, not slow
