"""Hybrid recommendation over ratings and musical features.

- content: the listener's profile is the rating-weighted mean of the standardised feature vectors
  of what they rated (stars above their own mean pull toward a piece, below push away); a
  candidate scores the cosine of its vector with that profile.
- collaborative: listeners are similar when their mean-centred ratings of the pieces both rated
  agree (cosine, shrunk by how few pieces they share); a candidate scores the similarity-weighted
  mean of neighbours' centred ratings of it.
- hybrid: the collaborative part's weight grows with the similarity mass behind it, so a piece
  only similar listeners can vouch for, or one nobody near has rated, is still ranked sensibly.
- cold start (a listener with no ratings): popularity, the mean rating shrunk toward the overall
  mean by ``PRIOR`` pseudo-ratings, so one 5-star rating does not beat fifty 4-star ones.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

PRIOR = 3.0
SHRINK = 5.0
MIN_COMMON = 2

Ratings = Mapping[Any, Mapping[Any, float]]
"""{user: {item: stars}}"""


@dataclass(frozen=True)
class Scored:
    item: Hashable
    score: float
    reason: str


def standardise(features: Mapping[Any, Sequence[float]]) -> dict[Hashable, npt.NDArray[np.float64]]:
    """Feature vectors z-scored per column over all items; NaN (unmeasured) becomes 0 (average)."""
    if not features:
        return {}
    items = list(features)
    x = np.array([features[i] for i in items], dtype=np.float64)
    finite = np.where(np.isfinite(x), x, np.nan)
    mean = np.nanmean(finite, axis=0) if items else np.zeros(x.shape[1])
    std = np.nanstd(finite, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.where(np.isfinite(std) & (std > 1e-9), std, 1.0)
    z = np.where(np.isfinite(x), (x - mean) / std, 0.0)
    return {item: z[k] for k, item in enumerate(items)}


def content_scores(
    mine: Mapping[Hashable, float],
    vectors: Mapping[Hashable, npt.NDArray[np.float64]],
    candidates: Sequence[Hashable],
) -> dict[Hashable, float]:
    """Cosine of each candidate with the listener's profile (0 when no profile can be made)."""
    rated = [i for i in mine if i in vectors]
    if not rated:
        return {}
    mean = float(np.mean([mine[i] for i in rated]))
    weights = [mine[i] - mean if len(set(mine.values())) > 1 else mine[i] - 3.0 for i in rated]
    profile = sum(
        (w * vectors[i] for w, i in zip(weights, rated, strict=True)), np.zeros_like(vectors[rated[0]])
    )
    norm = float(np.linalg.norm(profile))
    if norm < 1e-9:
        return {}
    out = {}
    for item in candidates:
        v = vectors.get(item)
        if v is not None:
            vn = float(np.linalg.norm(v))
            out[item] = float(v @ profile) / (norm * vn) if vn > 1e-9 else 0.0
    return out


def neighbours(user: Hashable, ratings: Ratings) -> dict[Hashable, float]:
    """Similarity of every other listener to ``user`` (centred cosine over shared pieces, shrunk)."""
    mine = ratings.get(user, {})
    if not mine:
        return {}
    my_mean = sum(mine.values()) / len(mine)
    out = {}
    for other, theirs in ratings.items():
        if other == user:
            continue
        common = [i for i in mine if i in theirs]
        if len(common) < MIN_COMMON:
            continue
        their_mean = sum(theirs.values()) / len(theirs)
        a = np.array([mine[i] - my_mean for i in common])
        b = np.array([theirs[i] - their_mean for i in common])
        denom = float(np.linalg.norm(a) * np.linalg.norm(b))
        if denom < 1e-9:
            continue
        out[other] = float(a @ b) / denom * len(common) / (len(common) + SHRINK)
    return out


def collaborative_scores(
    user: Hashable, ratings: Ratings, candidates: Sequence[Hashable]
) -> dict[Hashable, tuple[float, float]]:
    """{item: (predicted centred stars, similarity mass behind it)} from positively similar listeners."""
    sims = {v: s for v, s in neighbours(user, ratings).items() if s > 0}
    if not sims:
        return {}
    means = {v: sum(ratings[v].values()) / len(ratings[v]) for v in sims}
    wanted = set(candidates)
    totals: dict[Hashable, list[float]] = {}
    for v, s in sims.items():
        for item, stars in ratings[v].items():
            if item in wanted:
                acc = totals.setdefault(item, [0.0, 0.0])
                acc[0] += s * (stars - means[v])
                acc[1] += s
    return {item: (num / mass, mass) for item, (num, mass) in totals.items() if mass > 0}


def popularity(ratings: Ratings, candidates: Sequence[Hashable]) -> dict[Hashable, float]:
    """Mean stars shrunk toward the overall mean by PRIOR pseudo-ratings (unrated: the overall mean)."""
    by_item: dict[Hashable, list[float]] = {}
    for theirs in ratings.values():
        for item, stars in theirs.items():
            by_item.setdefault(item, []).append(stars)
    every = [s for v in by_item.values() for s in v]
    overall = sum(every) / len(every) if every else 3.0
    return {
        item: (sum(by_item.get(item, [])) + PRIOR * overall) / (len(by_item.get(item, [])) + PRIOR)
        for item in candidates
    }


def recommend(
    user: Hashable,
    ratings: Ratings,
    features: Mapping[Any, Sequence[float]],
    candidates: Sequence[Hashable],
    limit: int = 10,
) -> list[Scored]:
    """The ``limit`` best unrated candidates for ``user``, best first, each with its main reason."""
    mine = ratings.get(user, {})
    pool = [c for c in candidates if c not in mine]
    popular = popularity(ratings, pool)
    order = {item: k for k, item in enumerate(pool)}
    if not mine:
        ranked = sorted(pool, key=lambda i: (-popular[i], order[i]))
        return [Scored(i, round(popular[i], 4), "popular") for i in ranked[:limit]]
    vectors = standardise({i: features[i] for i in set(pool) | set(mine) if i in features})
    content = content_scores(mine, vectors, pool)
    collab = collaborative_scores(user, ratings, pool)
    scored = []
    for item in pool:
        c = content.get(item, 0.0)
        pred, mass = collab.get(item, (0.0, 0.0))
        beta = mass / (mass + 1.0)
        value = (1.0 - beta) * c + beta * max(-1.0, min(1.0, pred / 2.0))
        # Popularity only breaks ties (a tiny share), so equal scores prefer well-liked pieces.
        value += 0.01 * (popular[item] - 3.0) / 2.0
        reason = (
            "liked by listeners like you"
            if beta * abs(pred / 2.0) > (1.0 - beta) * abs(c)
            else ("sounds like what you rated highly" if content else "popular")
        )
        scored.append(Scored(item, round(value, 4), reason))
    scored.sort(key=lambda s: (-s.score, order[s.item]))
    return scored[:limit]


def precision_at(recommended: Sequence[Hashable], relevant: set[Hashable], k: int = 10) -> float:
    top = list(recommended)[:k]
    return sum(i in relevant for i in top) / k if k else math.nan
