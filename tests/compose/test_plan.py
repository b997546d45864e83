from __future__ import annotations

import statistics

import pytest

from tunesmith.compose.api import compose
from tunesmith.compose.plan import Meter, make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.errors import ControlError
from tunesmith.theory.keydetect import detect_key


def _melody_stats(valence: float, arousal: float, style: str = "folk") -> dict[str, float]:
    rows = []
    for seed in (1, 2, 3):
        piece = compose(
            ComposeRequest(
                style=style, valence=valence, arousal=arousal, model="rules", seed=seed, candidates=1
            )
        )
        melody = piece.score.tracks[0].notes
        rows.append(
            {
                "minor": float(piece.plan.key.is_minor),
                "detected_minor": float(detect_key(piece.score).is_minor),
                "tempo": piece.score.tempos[0].bpm,
                "pitch": statistics.mean(n.pitch for n in melody),
                "density": len(melody) / piece.plan.body_bars,
                "velocity": statistics.mean(n.velocity for n in melody),
            }
        )
    return {k: statistics.mean(r[k] for r in rows) for k in rows[0]}


def test_valence_moves_mode_and_register() -> None:
    low, high = _melody_stats(-0.9, 0.0), _melody_stats(0.9, 0.0)
    assert low["minor"] == 1.0 and high["minor"] == 0.0
    assert low["detected_minor"] == 1.0 and high["detected_minor"] == 0.0
    assert high["pitch"] > low["pitch"] + 2


def test_arousal_moves_tempo_density_and_dynamics() -> None:
    calm, excited = _melody_stats(0.3, -0.9, "pop"), _melody_stats(0.3, 0.9, "pop")
    assert excited["tempo"] > calm["tempo"]
    assert excited["density"] > calm["density"] * 1.15
    assert excited["velocity"] > calm["velocity"] + 10


def test_plan_resolves_style_defaults_and_obeys_explicit_controls() -> None:
    plan = make_plan(ComposeRequest(style="waltz", seed=5, model="rules"))
    assert str(plan.meter) == "3/4" and 96 <= plan.tempo <= 168
    assert [s.label for s in plan.sections] == ["A", "A", "B", "A"]
    assert plan.intro_bars == 4 and plan.body_bars == 32
    plan = make_plan(
        ComposeRequest(
            style="waltz", tempo=141.0, meter="6/8", bars=24, form="ABA", key="F#m", model="rules", seed=5
        )
    )
    assert plan.tempo == 141.0 and str(plan.meter) == "6/8"
    assert plan.key.name == "F# minor" and plan.body_bars == 24
    assert [s.bars for s in plan.sections] == [8, 8, 8]


def test_length_in_seconds_becomes_bars() -> None:
    plan = make_plan(ComposeRequest(style="pop", tempo=120.0, seconds=60.0, model="rules", seed=1))
    # 60 s at 120 bpm in 4/4 = 30 bars, of which the intro (4) and the ending (1) come off the form.
    assert plan.total_bars == 30


def test_unavailable_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from tunesmith.compose import plan as plan_module

    monkeypatch.setattr(plan_module, "model_available", lambda name: name == "rules")
    with pytest.raises(ControlError, match=r"model 'gan' is not available.*allowed now: rules"):
        make_plan(ComposeRequest(model="gan", seed=1))
    assert make_plan(ComposeRequest(seed=1)).model == "rules"  # the default falls back, never fails


def test_meter_beats() -> None:
    assert Meter.parse("6/8").beats == 2 and Meter.parse("6/8").beat_ticks == 720
    assert Meter.parse("3/4").strong_beats() == (0,)
    assert Meter.parse("4/4").strong_beats() == (0, 960)
