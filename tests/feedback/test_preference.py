"""The preference model learns tastes from ratings, per user on top of a global model."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from tunesmith.errors import ModelError
from tunesmith.feedback.features import CONTROL_FEATURES, FEATURES
from tunesmith.feedback.preference import PreferenceModel, Preferences, RatingRow, fit_both, fit_preferences


def _rows(user: str, taste: str, n: int, seed: int) -> list[RatingRow]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        f = {name: rng.uniform(0, 1) for name in FEATURES}
        f["tempo"] = rng.uniform(60, 180)
        f["major"] = float(rng.random() < 0.5)
        liked = f["tempo"] > 120 if taste == "fast" else f["major"] == 0.0
        rows.append(RatingRow(user, f, 5.0 if liked else 1.0 + rng.random()))
    return rows


def test_needs_a_few_ratings() -> None:
    assert fit_preferences(_rows("a", "fast", 2, 0)) is None
    assert fit_preferences(_rows("a", "fast", 3, 0)) is not None


def test_each_user_gets_their_own_taste() -> None:
    model = fit_preferences(_rows("speedy", "fast", 60, 1) + _rows("sombre", "minor", 60, 2))
    assert model is not None
    fast_major = {**dict.fromkeys(FEATURES, 0.5), "tempo": 170.0, "major": 1.0}
    slow_minor = {**dict.fromkeys(FEATURES, 0.5), "tempo": 70.0, "major": 0.0}
    assert model.predict(fast_major, "speedy") > model.predict(slow_minor, "speedy") + 1.0
    assert model.predict(slow_minor, "sombre") > model.predict(fast_major, "sombre") + 1.0
    assert model.influence("speedy")["tempo"] > 0.5 and model.influence("sombre")["major"] < -0.5
    assert 0.0 <= model.score(fast_major, "speedy") <= 1.0
    # An unknown user falls back to the global model; NaN features count as average.
    assert 1.0 <= model.predict({**fast_major, "register": math.nan}, "stranger") <= 5.0


def test_few_ratings_lean_on_the_global_model() -> None:
    crowd = _rows("a", "fast", 40, 3) + _rows("b", "fast", 40, 4)
    newcomer = _rows("new", "minor", 3, 5)
    model = fit_preferences(crowd + newcomer)
    assert model is not None
    assert model.influence("new")["tempo"] > 0.2  # mostly the crowd's taste after three ratings


def test_round_trip_and_bad_file(tmp_path: Path) -> None:
    prefs = fit_both(_rows("a", "fast", 20, 6))
    assert prefs.controls is not None and prefs.controls.names == CONTROL_FEATURES
    prefs.save(tmp_path)
    loaded = Preferences.load(tmp_path)
    assert loaded.full is not None and loaded.full.to_dict() == prefs.full.to_dict()  # type: ignore[union-attr]
    (tmp_path / "broken.json").write_text('{"names": 1}')
    with pytest.raises(ModelError, match="malformed"):
        PreferenceModel.load(tmp_path / "broken.json")
    with pytest.raises(ModelError, match="cannot read"):
        PreferenceModel.load(tmp_path / "missing.json")
