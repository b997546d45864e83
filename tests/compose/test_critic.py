"""The style critic (tunesmith.compose.critic): fit, file checks, and its part in the ranking."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tunesmith.compose import critic
from tunesmith.compose.api import compose
from tunesmith.compose.rank import WEIGHTS
from tunesmith.compose.request import ComposeRequest
from tunesmith.errors import ModelError
from tunesmith.evaluate.line_features import FEATURES

F = len(FEATURES)
DENSITY = FEATURES.index("notes_per_quarter")


def _rows(rng: np.random.Generator, n: int, density: float) -> list[list[float]]:
    x = rng.uniform(0.0, 1.0, size=(n, F))
    x[:, DENSITY] = rng.normal(density, 0.2, size=n)
    return x.tolist()


def _density_critic(style: str, sign: float = 1.0) -> critic.StyleCritic:
    """A critic that likes dense melodies (sign 1) or sparse ones (sign -1)."""
    rng = np.random.default_rng(0)
    return critic.fit(style, _rows(rng, 200, 2.0 + sign), _rows(rng, 300, 2.0 - sign))


def test_fit_learns_which_side_is_real() -> None:
    fitted = _density_critic("folk")
    dense, sparse = [0.5] * F, [0.5] * F
    dense[DENSITY], sparse[DENSITY] = 3.0, 1.0
    assert fitted.log_ratio(dense) > 2.0 > -2.0 > fitted.log_ratio(sparse)
    assert 0.9 < fitted.judge(dense) <= 1.0 and 0.0 <= fitted.judge(sparse) < 0.1
    # The prior of unequal set sizes is taken off: a melody between the two reads as even.
    middle = [0.5] * F
    middle[DENSITY] = 2.0
    assert abs(fitted.log_ratio(middle)) < 1.0
    assert fitted.info["real"] == 200 and fitted.info["composed"] == 300


def test_fit_needs_enough_melodies() -> None:
    with pytest.raises(ModelError, match="at least 20"):
        critic.fit("folk", [[0.0] * F] * 5, [[1.0] * F] * 50)


def test_save_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    first = _density_critic("folk")
    critic.save_critic(first, path)
    critic.save_critic(_density_critic("celtic", -1.0), path)  # a second style joins the file
    back = critic.read(path)
    assert sorted(back) == ["celtic", "folk"]
    probe = [0.3] * F
    assert back["folk"].log_ratio(probe) == pytest.approx(first.log_ratio(probe))
    assert not list(tmp_path.glob("*.tmp*"))  # written atomically, nothing left over


def _doc() -> dict[str, object]:
    return {"version": 1, "features": list(FEATURES), "critics": {"folk": _density_critic("folk").to_json()}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=7), "version-1"),
        (lambda d: d.update(features=["x"]), "other melody features"),
        (lambda d: d["critics"]["folk"].update(mean=[0.0] * 3), "'mean' must be a list of 32"),
        (lambda d: d["critics"]["folk"].update(weights=[True] * (2 * F + 1)), "'weights' must be a list"),
        (lambda d: d["critics"]["folk"]["scale"].__setitem__(0, -1.0), "'scale' must be positive"),
        (lambda d: d["critics"]["folk"]["mean"].__setitem__(0, math.nan), "not a finite number"),
        (lambda d: d["critics"]["folk"].update(log_prior="big"), "'log_prior' must be a finite"),
        (lambda d: d["critics"].update(folk=[1, 2]), "must be a table"),
    ],
)
def test_malformed_files_are_refused_clearly(change: object, message: str) -> None:
    doc = _doc()
    change(doc)  # type: ignore[operator]
    with pytest.raises(ModelError, match=message):
        critic.parse(json.dumps(doc), "c.json")


def test_not_json_and_oversized_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a style critic file"):
        critic.parse("{nope", "c.json")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (critic.MAX_FILE_BYTES + 1))
    with pytest.raises(ModelError, match="too large"):
        critic.read(big)


def test_the_data_dirs_critic_wins_style_by_style(private_home: Path) -> None:
    shipped = critic.read(critic.SHIPPED_PATH)
    mine = _density_critic("folk")
    critic.save_critic(mine, private_home / "critic" / critic.CRITIC_FILE)
    assert critic.load_critic("folk") is not None
    assert critic.load_critic("folk").info == mine.info  # type: ignore[union-attr]
    if "celtic" in shipped:  # other styles still come from the shipped file
        assert critic.load_critic("celtic").info == shipped["celtic"].info  # type: ignore[union-attr]
    assert critic.load_critic("no-such-style") is None


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_compose_keeps_the_candidate_the_critic_likes(private_home: Path, sign: float,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A critic that only cares for density decides among the candidates (its weight raised so the
    other checks cannot outvote it)."""
    assert WEIGHTS["style"] > 0
    monkeypatch.setitem(WEIGHTS, "style", 100.0)
    request = ComposeRequest(style="folk", seed=4, candidates=4, bars=16)
    before = [c.features[DENSITY] for c in compose(request).candidates if c.features is not None]
    assert len(before) == 4 and np.std(before) > 0
    mean, scale, weights = np.zeros(2 * F), np.ones(2 * F), np.zeros(2 * F + 1)
    mean[DENSITY], scale[DENSITY], weights[DENSITY] = np.mean(before), np.std(before), sign
    critic.save_critic(critic.StyleCritic("folk", mean, scale, weights, 0.0, {}),
                       private_home / "critic" / critic.CRITIC_FILE)
    comp = compose(request)
    densities = [c.features[DENSITY] for c in comp.candidates if c.features is not None]
    assert sorted(densities) == sorted(before)  # the same drafts, ranked otherwise
    best = comp.candidates[0]
    assert best.features is not None
    assert best.features[DENSITY] == (max(densities) if sign > 0 else min(densities))
    for c in comp.candidates:
        assert 0.0 <= c.components["style"] <= 1.0


def test_one_candidate_is_not_judged(private_home: Path) -> None:
    critic.save_critic(_density_critic("folk"), private_home / "critic" / critic.CRITIC_FILE)
    comp = compose(ComposeRequest(style="folk", seed=4, candidates=1, bars=16))
    assert "style" not in comp.candidates[0].components
    assert comp.candidates[0].features is not None and len(comp.candidates[0].features) == F


def test_a_corrupt_critic_file_is_a_clear_error(private_home: Path) -> None:
    path = private_home / "critic" / critic.CRITIC_FILE
    path.parent.mkdir(parents=True)
    path.write_text("garbage")
    with pytest.raises(ModelError, match="not a style critic file"):
        compose(ComposeRequest(style="folk", seed=4, candidates=2, bars=16))
