"""Chord-progression model: cadence masks, cadence rate, and generation on a debug-size model."""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import ControlError
from tunesmith.io import load
from tunesmith.models.rnn import api
from tunesmith.models.rnn.chords import (
    cadence_mask,
    cadence_rate,
    dominant_tokens,
    phrase_plan,
    predominant_tokens,
    tonic_tokens,
)
from tunesmith.models.rnn.data import chord_beats
from tunesmith.models.rnn.train import fit
from tunesmith.models.train import TrainConfig
from tunesmith.paths import PACKAGE_DATA
from tunesmith.score import ChordSymbol, Score
from tunesmith.theory.chord import parse_chord
from tunesmith.theory.key import Key
from tunesmith.tokens import chords as ct


@pytest.fixture(scope="module")
def tunes() -> list[Score]:
    return load(PACKAGE_DATA / "nottingham" / "morris.abc")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, tunes: list[Score]) -> api.LoadedModel:
    """A debug-size chord model trained for two epochs on the 31 Nottingham morris tunes."""
    out = tmp_path_factory.mktemp("chords") / "chords.pt"
    fit("chords", tunes, out, size="debug", config=TrainConfig(epochs=2, batch_size=16, progress=False))
    return api.load_chord_model(out)


def test_phrase_plan_alternates_half_and_authentic_cadences() -> None:
    assert phrase_plan(16, 4, "alternate") == [(3, "half"), (7, "authentic"), (11, "half"), (15, "authentic")]
    assert phrase_plan(4, 4, "alternate") == [(3, "authentic")]
    assert phrase_plan(6, 4, "authentic") == [(3, "authentic"), (5, "authentic")]
    assert phrase_plan(8, 4, "none") == []
    with pytest.raises(ControlError, match="cadences"):
        phrase_plan(8, 4, "sometimes")


def test_cadence_mask_allows_only_cadence_chords_at_phrase_ends() -> None:
    mask = cadence_mask("4/4", "minor", 8, 4, "alternate")
    assert mask.shape == (32, ct.N_CHORD_TOKENS)
    allowed = [set(np.flatnonzero(np.isfinite(row))) for row in mask]
    assert allowed[0] == tonic_tokens("minor")
    assert all(allowed[b] == dominant_tokens() for b in range(12, 16))  # bar 4: half cadence
    assert allowed[27] == predominant_tokens("minor")  # beat before the last bar
    assert all(allowed[b] == tonic_tokens("minor") for b in range(28, 32))
    assert len(allowed[5]) == ct.N_CHORD_TOKENS - 2  # free inside phrases (no PAD/BOS)


@pytest.mark.parametrize("meter", ct.METERS)
@pytest.mark.parametrize("mode", ["major", "minor"])
def test_generated_progressions_end_phrases_on_cadences(
    model: api.LoadedModel, meter: str, mode: str
) -> None:
    key = Key(7, mode)  # G major / G minor
    prog = api.generate_chords("folk", mode, meter, 8, seed=3, key=key, model=model)
    bar = ct.STEPS_PER_BAR[meter] * ct.STEP_TICKS
    assert sum(d for _, d in prog) == 8 * bar
    for figure, _ in prog:
        if figure != "N.C.":
            parse_chord(figure)
    tokens = ct.beat_tokens(_symbols(prog), key, meter, 0, 8 * ct.BEATS_PER_BAR[meter])
    assert cadence_rate(tokens, meter, mode) == 1.0
    assert prog[0][0] == ("G" if mode == "major" else "Gm")
    assert prog[-1][0] == ("G" if mode == "major" else "Gm")


def _symbols(prog: list[tuple[str, int]]) -> list[ChordSymbol]:
    out, tick = [], 0
    for figure, duration in prog:
        out.append(ChordSymbol(tick, figure))
        tick += duration
    return out


def test_seeds_reproduce_and_differ(model: api.LoadedModel) -> None:
    a = api.generate_chords("folk", "major", "6/8", 16, seed=1, model=model)
    assert a == api.generate_chords("folk", "major", "6/8", 16, seed=1, model=model)
    assert a != api.generate_chords("folk", "major", "6/8", 16, seed=2, model=model)


def test_cadence_rate_of_corpus_tunes(tunes: list[Score]) -> None:
    """On real tunes the rate is a share in [0, 1], and most Nottingham phrases end on cadences."""
    rates = []
    for tune in (t for t in tunes if t.chords):
        tokens, _, seq = chord_beats(tune)
        meter = ct.METERS[seq["meter"]]
        rate = cadence_rate(tokens, meter, "minor" if seq["mode"] else "major")
        if not np.isnan(rate):
            rates.append(rate)
    assert rates and 0.3 < float(np.mean(rates)) <= 1.0


def test_bad_controls(model: api.LoadedModel) -> None:
    with pytest.raises(ControlError, match="meter"):
        api.generate_chords("folk", "major", "5/4", 8, model=model)
    with pytest.raises(ControlError, match="mode"):
        api.generate_chords("folk", "lydian", "4/4", 8, model=model)
    with pytest.raises(ControlError, match="style"):
        api.generate_chords("metal", "major", "4/4", 8, model=model)
    with pytest.raises(ControlError, match="bars"):
        api.generate_chords("folk", "major", "4/4", 0, model=model)


@pytest.mark.parametrize("meter", ["4/4", "3/4", "6/8", "2/4"])
def test_cadence_masks_always_leave_a_chord_for_every_length(meter: str) -> None:
    # Regression: 27- or 30-bar pieces got a one-bar last phrase whose cadence rules collided.
    import itertools

    import numpy as np

    from tunesmith.models.rnn.chords import cadence_mask, phrase_plan

    for bars in range(1, 41):
        for phrase_bars in (2, 4, 8):
            for plan_name in ("alternate", "authentic"):
                mask = cadence_mask(meter, "major", bars, phrase_bars, plan_name)
                assert np.isfinite(mask).any(axis=1).all(), (bars, phrase_bars, plan_name)
                ends = [end for end, _ in phrase_plan(bars, phrase_bars, plan_name)]
                assert ends[-1] == bars - 1
                assert all(b - a >= 2 for a, b in itertools.pairwise(ends))


def test_a_style_vocabulary_limits_every_chord(model: api.LoadedModel) -> None:
    vocabulary = ["I", "V5", "vi", "II5"]
    for seed in range(3):
        progression = api.generate_chords(
            "chinese", "major", "2/4", 8, seed, key="C", model=model, vocabulary=vocabulary
        )
        assert {figure for figure, _ in progression} <= {"C", "G5", "Am", "D5"}, progression


def test_cadences_missing_from_a_vocabulary_use_its_chords_on_the_same_root() -> None:
    from tunesmith.models.rnn.chords import vocabulary_classes

    classes = vocabulary_classes(["I", "V5", "vi"], Key(0, "major"))
    assert set(classes.values()) == {"C", "G5", "Am"}
    mask = cadence_mask("4/4", "major", 8, 4, "alternate", vocabulary=set(classes))
    half = np.flatnonzero(np.isfinite(mask[3 * 4]))  # the antecedent's last bar: V asked for
    assert {ct.class_figure(ct.class_of_token(int(t)), Key(0, "major")) for t in half} == {"Gsus4"}
    assert np.isfinite(mask).any(axis=-1).all()
