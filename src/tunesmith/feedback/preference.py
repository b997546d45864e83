"""A preference model learned from ratings: predicted stars from a piece's features.

Ridge regression in numpy, fitted twice. The global model learns from every rating (each listener's
stars centred on their own mean, so a generous rater and a strict one teach the same thing). Each
user's model is a ridge regression pulled toward the global weights instead of toward zero
(``(XᵀX + λI) w = Xᵀy + λ w_global``): with few ratings a user gets the global taste, with many
their own. Features are standardised with the training set's mean and spread; a missing feature
(NaN) counts as average. ``controls_only`` fits the same over the control features alone, which is
what the composer can choose before any note exists.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.errors import ModelError
from tunesmith.feedback.features import CONTROL_FEATURES, FEATURES, stored_features
from tunesmith.feedback.implicit import revision_rows
from tunesmith.fileutil import write_text_atomic
from tunesmith.store.models import Rating

GLOBAL_L2 = 1.0
USER_L2 = 4.0
MIN_RATINGS = 3
"""Below this many ratings (all users together) there is nothing to learn: the model is empty."""


@dataclass(frozen=True)
class RatingRow:
    """One rating as the model sees it."""

    user: str
    features: Mapping[str, float]
    stars: float
    weight: float = 1.0
    relative: bool = False
    """``stars`` is an offset from the user's mean (a keep or redo: tunesmith.feedback.implicit)."""


@dataclass
class PreferenceModel:
    """Weights over standardised ``names``; ``users`` maps a user name to (weights, intercept)."""

    names: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    intercept: float
    users: dict[str, tuple[list[float], float]] = field(default_factory=dict)
    user_means: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def _row(self, features: Mapping[str, float]) -> npt.NDArray[np.float64]:
        raw = np.array([float(features.get(n, math.nan)) for n in self.names], dtype=np.float64)
        z = (raw - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.where(np.isfinite(z), z, 0.0)

    def predict(self, features: Mapping[str, float], user: str | None = None) -> float:
        """Predicted stars (1-5) of a piece with ``features`` for ``user`` (global when unknown)."""
        x = self._row(features)
        if user is not None and user in self.users:
            w, b = self.users[user]
            value = float(x @ np.asarray(w) + b) + self.user_means.get(user, 3.0)
        else:
            value = float(x @ np.asarray(self.weights) + self.intercept) + 3.0
        return min(5.0, max(1.0, value))

    def score(self, features: Mapping[str, float], user: str | None = None) -> float:
        """The prediction mapped to 0..1 (what the composer's ranking adds)."""
        return (self.predict(features, user) - 1.0) / 4.0

    def influence(self, user: str | None = None) -> dict[str, float]:
        """Weight per feature (stars per standard deviation): what this listener likes, signed."""
        w = self.users[user][0] if user is not None and user in self.users else self.weights
        return {n: round(float(v), 3) for n, v in zip(self.names, w, strict=True)}

    # ----- persistence --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "tunesmith_preference": 1,
            "names": list(self.names),
            "mean": self.mean,
            "scale": self.scale,
            "weights": self.weights,
            "intercept": self.intercept,
            "users": {u: [w, b] for u, (w, b) in self.users.items()},
            "user_means": self.user_means,
            "counts": self.counts,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreferenceModel:
        try:
            return cls(
                tuple(data["names"]),
                [float(v) for v in data["mean"]],
                [float(v) for v in data["scale"]],
                [float(v) for v in data["weights"]],
                float(data["intercept"]),
                {u: ([float(v) for v in wb[0]], float(wb[1])) for u, wb in data["users"].items()},
                {u: float(v) for u, v in data["user_means"].items()},
                {u: int(v) for u, v in data["counts"].items()},
            )
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise ModelError(f"preference model: malformed data ({err})") from err

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, json.dumps(self.to_dict(), indent=1))
        return target

    @classmethod
    def load(cls, path: str | Path) -> PreferenceModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ModelError(f"{path}: cannot read the preference model ({err})") from err
        return cls.from_dict(data)


def _ridge(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], l2: float, prior: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Ridge regression with an unpenalised intercept (last column of ``x`` is ones), pulled to ``prior``."""
    penalty = np.eye(x.shape[1]) * l2
    penalty[-1, -1] = 1e-6
    return np.asarray(np.linalg.solve(x.T @ x + penalty, x.T @ y + penalty @ prior), dtype=np.float64)


def fit_preferences(rows: Sequence[RatingRow], *, controls_only: bool = False) -> PreferenceModel | None:
    """Fit the global and per-user models; None when there are fewer than MIN_RATINGS ratings."""
    if len(rows) < MIN_RATINGS:
        return None
    names = CONTROL_FEATURES if controls_only else FEATURES
    raw = np.array([[float(r.features.get(n, math.nan)) for n in names] for r in rows], dtype=np.float64)
    with warnings.catch_warnings():  # a feature no row has (an excerpt's length) is all NaN: average
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(np.where(np.isfinite(raw), raw, np.nan), axis=0)
        mean = np.where(np.isfinite(mean), mean, 0.0)
        scale = np.nanstd(np.where(np.isfinite(raw), raw, np.nan), axis=0)
    scale = np.where(np.isfinite(scale) & (scale > 1e-9), scale, 1.0)
    z = (raw - mean) / scale
    z = np.where(np.isfinite(z), z, 0.0)
    users = sorted({r.user for r in rows})
    # A user's mean is over their ratings; keeps and redos are already relative to it.
    user_means = {}
    for u in users:
        own = [float(r.stars) for r in rows if r.user == u and not r.relative]
        user_means[u] = float(np.mean(own)) if own else 3.0
    centred = np.array(
        [r.stars if r.relative else r.stars - user_means[r.user] for r in rows], dtype=np.float64
    )
    # Weighted least squares: a row of weight w counts as w rows (sqrt(w) on both sides).
    root = np.sqrt(np.array([max(0.0, float(r.weight)) for r in rows]))
    x = np.hstack([z, np.ones((len(rows), 1))]) * root[:, None]
    centred = centred * root
    global_w = _ridge(x, centred, GLOBAL_L2 * len(names) ** 0.5, np.zeros(x.shape[1]))
    per_user: dict[str, tuple[list[float], float]] = {}
    counts: dict[str, int] = {}
    for u in users:
        mask = np.array([r.user == u for r in rows])
        w = _ridge(x[mask], centred[mask], USER_L2, global_w)
        per_user[u] = ([float(v) for v in w[:-1]], float(w[-1]))
        counts[u] = int(mask.sum())
    return PreferenceModel(
        names,
        [float(v) for v in mean],
        [float(v) for v in scale],
        [float(v) for v in global_w[:-1]],
        float(global_w[-1]),
        per_user,
        user_means,
        counts,
    )


def rows_from_store(session: Any, *, source: str | None = None, revisions: bool = True) -> list[RatingRow]:
    """Every rating in the store with its piece's (cached) features, and (``revisions``) the weak
    keep/redo rows of recent revisions (tunesmith.feedback.implicit)."""
    from sqlalchemy import select

    out = []
    for rating in session.scalars(select(Rating).order_by(Rating.id)):
        if source is not None and rating.piece.source != source:
            continue
        features = stored_features(session, rating.piece)
        if features is not None:
            out.append(RatingRow(rating.user.name, features, float(rating.stars)))
    if revisions and source in (None, "generated"):
        out.extend(RatingRow(user, features, offset, weight=weight, relative=True)
                   for user, features, offset, weight in revision_rows(session))
    return out


@dataclass
class Preferences:
    """Both fitted models: ``full`` ranks finished candidates, ``controls`` chooses unset controls."""

    full: PreferenceModel | None
    controls: PreferenceModel | None

    def save(self, folder: str | Path) -> None:
        for name, model in (("preference", self.full), ("preference-controls", self.controls)):
            if model is not None:
                model.save(Path(folder) / f"{name}.json")

    @classmethod
    def load(cls, folder: str | Path) -> Preferences:
        paths = [Path(folder) / f"{n}.json" for n in ("preference", "preference-controls")]
        models = [PreferenceModel.load(p) if p.is_file() else None for p in paths]
        return cls(models[0], models[1])


def fit_both(rows: Sequence[RatingRow]) -> Preferences:
    return Preferences(fit_preferences(rows), fit_preferences(rows, controls_only=True))


def learn_from_store(store: Any, folder: str | Path | None = None) -> Preferences:
    """Fit both models on the store's ratings (and save them in ``folder`` when given)."""
    with store.session() as session:
        rows = rows_from_store(session)
    prefs = fit_both(rows)
    if folder is not None:
        prefs.save(folder)
    return prefs
