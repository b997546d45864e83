"""Hybrid recommendation: content, collaborative, popularity, and how they combine."""

from __future__ import annotations

import pytest

from tunesmith.recommend.hybrid import (
    collaborative_scores,
    content_scores,
    neighbours,
    popularity,
    precision_at,
    recommend,
    standardise,
)

# Items a* are fast (feature 0 high), b* slow; feature 1 is noise.
FEATURES = {f"a{i}": [1.0 + 0.1 * i, (i * 7) % 3] for i in range(6)} | {
    f"b{i}": [-1.0 - 0.1 * i, (i * 5) % 3] for i in range(6)
}
ITEMS = sorted(FEATURES)


def test_cold_start_is_popularity_with_shrinkage() -> None:
    ratings = {
        "x": {"a0": 5.0},
        "y": {"a1": 4.0},
        "z": {"a1": 4.0, "b0": 4.0},
        "w": {"a1": 5.0},
        "v": {"b1": 1.0, "b2": 1.0, "b3": 1.0},
    }
    pop = popularity(ratings, ITEMS)
    assert pop["a1"] > pop["a0"]  # three good ratings beat one perfect one
    recs = recommend("newcomer", ratings, FEATURES, ITEMS, limit=3)
    assert recs[0].item == "a1" and all(r.reason == "popular" for r in recs)


def test_content_follows_what_was_rated_highly() -> None:
    mine = {"a0": 5.0, "b0": 1.0}
    vectors = standardise(FEATURES)
    scores = content_scores(mine, vectors, ITEMS)
    assert min(scores[f"a{i}"] for i in range(1, 6)) > max(scores[f"b{i}"] for i in range(1, 6))
    recs = recommend("me", {"me": mine}, FEATURES, ITEMS, limit=4)
    assert all(r.item.startswith("a") for r in recs) and "a0" not in [r.item for r in recs]


def test_collaborative_uses_similar_listeners() -> None:
    ratings = {
        "me": {"a0": 5.0, "a1": 5.0, "b0": 1.0},
        "twin": {"a0": 5.0, "a1": 4.0, "b0": 1.0, "b5": 5.0, "b4": 1.0},
        "opposite": {"a0": 1.0, "a1": 1.0, "b0": 5.0, "b4": 5.0},
    }
    sims = neighbours("me", ratings)
    assert sims["twin"] > 0 > sims["opposite"]
    collab = collaborative_scores("me", ratings, ["b5", "b4"])
    assert collab["b5"][0] > 0 > collab["b4"][0]
    # b5 sounds like what "me" dislikes, but the twin loved it: the collaborative signal lifts it.
    recs = recommend("me", ratings, FEATURES, ITEMS, limit=12)
    order = [r.item for r in recs]
    assert order.index("b5") < order.index("b4")
    assert any(r.reason == "liked by listeners like you" for r in recs)


def test_precision_at() -> None:
    assert precision_at(["a", "b", "c"], {"a", "c"}, k=2) == pytest.approx(0.5)
