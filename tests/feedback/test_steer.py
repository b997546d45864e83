"""The hooks: open mood chosen by predicted rating; candidates ranked with the full model."""

from __future__ import annotations

from dataclasses import replace

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.feedback.features import CONTROL_FEATURES, FEATURES
from tunesmith.feedback.preference import Preferences, RatingRow, fit_both
from tunesmith.feedback.steer import preference_scorer, steer_request

BASE = ComposeRequest(style="folk", bars=8, form="AB", candidates=3, model="rules", seed=9)


def _prefs(sign: float) -> Preferences:
    rows = []
    for k in range(30):
        tempo = 60.0 + 5 * k
        f = {**dict.fromkeys(FEATURES, 0.5), "tempo": tempo, "major": float(k % 2), "note_density": k / 10}
        rows.append(RatingRow("u", f, 3.0 + sign * (tempo - 132.5) / 40))
    return fit_both(rows)


def test_steer_fills_open_mood_toward_the_taste() -> None:
    fast = steer_request(BASE, _prefs(+1.0), "u")
    slow = steer_request(BASE, _prefs(-1.0), "u")
    assert fast.arousal is not None and slow.arousal is not None
    assert fast.arousal > slow.arousal  # tempo follows arousal in the planner
    assert fast.seed == BASE.seed
    chosen = replace(BASE, mood="sad")
    assert steer_request(chosen, _prefs(+1.0), "u") is chosen  # a set mood is never changed
    assert steer_request(BASE, Preferences(None, None), "u") is BASE


def test_scorer_joins_the_ranking() -> None:
    prefs = _prefs(+1.0)
    scorer = preference_scorer(prefs, "u")
    assert scorer is not None and preference_scorer(Preferences(None, None), "u") is None
    plain = compose(BASE)
    ranked = compose(BASE, preference=scorer)
    assert all("preference" in c.components for c in ranked.candidates)
    assert "preference" not in plain.candidates[0].components
    totals = [c.total for c in ranked.candidates]
    assert totals == sorted(totals, reverse=True)
    assert {c.seed for c in ranked.candidates} == {c.seed for c in plain.candidates}
    assert set(CONTROL_FEATURES) <= set(prefs.full.names)  # type: ignore[union-attr]
