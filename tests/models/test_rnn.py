"""Melody LSTM: forward/loss, the fast step runner, sampling with seeds, primers and constraints,
and the train -> save -> load -> generate path on a debug-size model."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from tunesmith.errors import ControlError, ModelError
from tunesmith.io import load
from tunesmith.models.checkpoint import load_checkpoint
from tunesmith.models.rnn import api
from tunesmith.models.rnn.rnn import ConditionedLSTM, melody_config
from tunesmith.models.rnn.train import fit
from tunesmith.models.sampling import (
    SamplingOptions,
    StepLSTM,
    _keep_group_mass,
    draw,
    sequence_log_likelihood,
)
from tunesmith.models.train import TrainConfig
from tunesmith.paths import PACKAGE_DATA
from tunesmith.score import Note, Score
from tunesmith.theory.key import Key
from tunesmith.theory.melodyline import melody_track, top_line
from tunesmith.tokens import melody as mt
from tunesmith.tokens.chords import STEP_TICKS

WALTZES = PACKAGE_DATA / "nottingham" / "waltzes.abc"


@pytest.fixture(scope="module")
def waltzes() -> list[Score]:
    return load(WALTZES)[:16]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, waltzes: list[Score]) -> tuple[Path, api.LoadedModel]:
    """A debug-size melody model trained for two epochs on 16 Nottingham waltzes."""
    out = tmp_path_factory.mktemp("melody") / "melody.pt"
    result, _ = fit("melody", waltzes, out, size="debug",
                    config=TrainConfig(epochs=2, batch_size=16, progress=False, patience=5))
    assert out.is_file() and len(result.history) == 2
    return out, api.load_melody_model(out)


CHORDS = [("G", 1440), ("D7", 1440), ("Em", 1440), ("C", 1440)]


def test_forward_returns_logits_and_a_loss_that_ignores_padding() -> None:
    torch.manual_seed(0)
    model = ConditionedLSTM(melody_config("debug"))
    B, T = 3, 10
    batch = {
        "inputs": torch.randint(2, mt.N_EVENTS, (B, T)), "targets": torch.randint(2, mt.N_EVENTS, (B, T)),
        "chords": torch.randint(0, 73, (B, T)), "positions": torch.randint(0, 16, (B, T)),
        "phrase": torch.randint(0, mt.PHRASE_BARS, (B, T)),
        "meter": torch.zeros(B, dtype=torch.long), "mode": torch.ones(B, dtype=torch.long),
        "style": torch.zeros(B, dtype=torch.long),
        **{mt.lookback_name(k): torch.randint(0, mt.N_EVENTS, (B, T)) for k in mt.LOOKBACK_BARS},
    }
    logits, loss = model(**batch)
    assert logits.shape == (B, T, mt.N_EVENTS) and loss is not None and loss.item() > 0
    padded = dict(batch, targets=batch["targets"].clone())
    padded["targets"][:, 5:] = mt.PAD
    _, loss_pad = model(**padded)
    manual = torch.nn.functional.cross_entropy(
        logits[:, :5].reshape(-1, mt.N_EVENTS), batch["targets"][:, :5].reshape(-1)
    )
    assert loss_pad is not None and torch.allclose(loss_pad, manual, atol=1e-5)


def test_step_runner_matches_the_torch_lstm() -> None:
    torch.manual_seed(1)
    cfg = melody_config("debug")
    cfg.layers = 2
    model = ConditionedLSTM(cfg).eval()
    T = 12
    conds = {"chords": torch.randint(0, 73, (1, T)), "positions": torch.arange(T)[None] % 16,
             "phrase": torch.arange(T)[None] // 16 % mt.PHRASE_BARS,
             "meter": torch.tensor([1]), "mode": torch.tensor([0]), "style": torch.tensor([2])}
    tokens = torch.randint(2, mt.N_EVENTS, (1, T))
    for k in mt.LOOKBACK_BARS:  # all PAD: T is under a bar, as the step runner assumes below
        conds[mt.lookback_name(k)] = torch.zeros(1, T, dtype=torch.long)
    with torch.no_grad():
        logits, _ = model(tokens, **conds)
    runner = StepLSTM(model)
    cond = runner.condition_projection(model.condition_inputs(conds, lookbacks=False))
    state = runner.initial_state()
    for t in range(T):
        row = cond[t] + runner.lookback_row(t, [int(x) for x in tokens[0]], 16, mt.PAD)
        step_logits = runner.step(int(tokens[0, t]), row, state)
        np.testing.assert_allclose(step_logits, logits[0, t].numpy(), atol=1e-4)


def test_top_p_keeps_only_the_nucleus() -> None:
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    rng = np.random.default_rng(0)
    drawn = {draw(logits, SamplingOptions(1.0, 0.6, 0), rng) for _ in range(300)}
    assert drawn == {0, 1}
    drawn_all = {draw(logits, SamplingOptions(1.0, 1.0, 0), rng) for _ in range(2000)}
    assert drawn_all == {0, 1, 2, 3}
    assert {draw(logits, SamplingOptions(1.0, 0.01, 0), rng) for _ in range(50)} == {0}


def test_top_p_among_pitches_keeps_the_rhythm_tokens_share() -> None:
    # HOLD 0.5, REST 0.1, four pitches 0.25/0.1/0.03/0.02: a plain nucleus of 0.7 keeps HOLD and one
    # pitch (onsets 1/3 of the draws); trimming only the pitches keeps onsets at their 0.4.
    p = np.array([0.5, 0.1, 0.25, 0.1, 0.03, 0.02])
    logits = np.log(p)
    untrimmed = np.array([True, True, False, False, False, False])
    rng = np.random.default_rng(1)
    options = SamplingOptions(1.0, 0.7, 0)
    drawn = np.array([draw(logits, options, rng, untrimmed) for _ in range(6000)])
    assert set(drawn.tolist()) == {0, 1, 2, 3}  # the pitch nucleus: 0.35 of the pitches' 0.4 mass
    assert abs((drawn >= 2).mean() - 0.4) < 0.03
    assert abs((drawn == 1).mean() - 0.1) < 0.02
    plain = np.array([draw(logits, options, rng) for _ in range(3000)])
    assert set(plain.tolist()) == {0, 2}


def test_a_pitch_mask_moves_mass_onto_allowed_pitches_not_onto_hold() -> None:
    raw = np.log(np.array([0.5, 0.1, 0.2, 0.2]))
    masked = raw + np.array([0.0, 0.0, 0.0, -np.inf])
    group = np.array([False, False, True, True])
    kept = _keep_group_mass(raw, masked, group)
    p = np.exp(kept - kept.max())
    p /= p.sum()
    assert np.allclose(p, [0.5, 0.1, 0.4, 0.0])
    every = raw + np.array([0.0, 0.0, -np.inf, -np.inf])
    assert np.array_equal(_keep_group_mass(raw, every, group), every)  # nothing left to rescale


def test_seed_reproduces_and_changes_output(trained: tuple[Path, api.LoadedModel]) -> None:
    _, model = trained
    a = api.generate_melody(CHORDS, Key.parse("G"), "3/4", 8, "waltz", seed=7, model=model)
    b = api.generate_melody(CHORDS, Key.parse("G"), "3/4", 8, "waltz", seed=7, model=model)
    c = api.generate_melody(CHORDS, Key.parse("G"), "3/4", 8, "waltz", seed=8, model=model)
    assert a.notes == b.notes and a.log_likelihood == b.log_likelihood
    assert a.notes != c.notes
    assert a.notes and all(n.start >= 0 and n.end <= 8 * 1440 for n in a.notes)
    assert -np.log(mt.N_EVENTS) * 3 < a.log_likelihood < 0


def test_pitch_range_and_in_scale_constraints_hold(trained: tuple[Path, api.LoadedModel]) -> None:
    _, model = trained
    key = Key.parse("E minor")
    allowed = set(key.scale_pcs()) | {(key.tonic + 11) % 12}
    for seed in range(4):
        mel = api.generate_melody(CHORDS, key, "4/4", 4, "folk", seed=seed, temperature=2.0, top_p=1.0,
                                  pitch_range=(62, 74), in_scale=True, model=model)
        assert mel.notes
        assert all(62 <= n.pitch <= 74 for n in mel.notes)
        assert all(n.pitch % 12 in allowed for n in mel.notes)
    with pytest.raises(ControlError, match="pitch-range"):
        api.generate_melody(CHORDS, key, "4/4", 2, pitch_range=(61, 61), in_scale=True, model=model)


@pytest.mark.parametrize("density", [0.5, 1.0, 2.0])
def test_density_bounds_the_gaps_between_onsets(
    trained: tuple[Path, api.LoadedModel], density: float
) -> None:
    _, model = trained
    mel = api.generate_melody(CHORDS, "G", "4/4", 8, seed=3, temperature=1.5, top_p=1.0, density=density,
                              model=model)
    min_gap = round(4 / density) * STEP_TICKS
    onsets = [n.start for n in mel.notes]
    gaps = np.diff(onsets)
    assert len(onsets) >= 8 * 4 * density / 4
    assert (gaps >= min_gap).all() and (gaps <= 4 * min_gap).all()


def test_onset_bias_adds_notes_and_keeps_the_models_own_likelihood(
    trained: tuple[Path, api.LoadedModel],
) -> None:
    _, model = trained
    plain = [api.generate_melody(CHORDS, "G", "2/4", 8, seed=s, top_p=1.0, model=model) for s in range(6)]
    def biased(bias: float) -> list[api.GeneratedMelody]:
        return [api.generate_melody(CHORDS, "G", "2/4", 8, seed=s, top_p=1.0, onset_bias=bias, model=model)
                for s in range(6)]  # fmt: skip

    def count(melodies: list[api.GeneratedMelody]) -> int:
        return sum(len(m.notes) for m in melodies)

    # (the small test model already writes nearly a note a step, so the sparser side shows more)
    assert count(biased(-2.0)) < 0.9 * count(plain) <= count(biased(1.5))
    # the reported likelihood is the model's, not the biased sampler's: the line scores the same
    line = biased(-2.0)[0]
    assert line.log_likelihood == pytest.approx(
        api.melody_log_likelihood(line.notes, CHORDS, "G", "2/4", model=model), abs=1e-4
    )
    with pytest.raises(ControlError, match="onset-bias"):
        api.generate_melody(CHORDS, "G", "2/4", 2, onset_bias=5.0, model=model)


def test_repeat_rule_marks_only_a_fourth_strike_of_one_pitch() -> None:
    rule = api.repeat_rule(2.0)
    a, b = mt.NOTE_BASE + 10, mt.NOTE_BASE + 12
    assert rule(0, []) is None
    assert rule(3, [a, mt.HOLD, a]) is None  # two strikes
    three = rule(6, [a, mt.HOLD, mt.REST, a, a, mt.HOLD])  # rests and holds do not break a run
    assert three is not None and three[a] == -2.0 and np.count_nonzero(three) == 1
    assert rule(4, [a, a, b, a]) is None  # the run was broken by another pitch
    assert rule(4, [b, a, a, a]) is not None


def test_repeat_penalty_thins_runs_of_one_pitch(trained: tuple[Path, api.LoadedModel]) -> None:
    shipped = api.load_melody_model()  # the debug model never strikes a note four times running

    def runs(penalty: float) -> int:
        count = 0
        for s in range(12):
            pitches = [n.pitch for n in api.generate_melody(
                CHORDS, "G", "4/4", 16, seed=s, top_p=1.0, repeat_penalty=penalty, model=shipped).notes]
            count += sum(len(set(pitches[i : i + 4])) == 1 for i in range(len(pitches) - 3))
        return count

    plain = runs(0.0)
    assert plain > 0 and runs(10.0) <= 0.2 * plain
    _, model = trained
    for bad in (-1.0, 11.0, float("nan")):
        with pytest.raises(ControlError, match="repeat-penalty"):
            api.generate_melody(CHORDS, "G", "2/4", 2, repeat_penalty=bad, model=model)


def test_leap_rule_forbids_the_intervals_from_the_last_note() -> None:
    rule = api.leap_rule([6, 11])
    a = mt.NOTE_BASE + 20
    assert rule(0, []) is None and rule(1, [mt.REST]) is None
    mask = rule(3, [a, mt.HOLD, mt.REST])  # the last note counts across a rest
    assert mask is not None
    banned = {int(e) - a for e in np.flatnonzero(np.isinf(mask))}
    assert banned == {-11, -6, 6, 11}


def test_forbidden_leaps_are_never_sung(trained: tuple[Path, api.LoadedModel]) -> None:
    shipped = api.load_melody_model()
    for s in range(6):
        line = api.generate_melody(CHORDS, "G", "4/4", 8, "chorale", seed=s, top_p=1.0,
                                   forbidden_leaps=[6, 10, 11], model=shipped).notes
        assert not [b.pitch - a.pitch for a, b in itertools.pairwise(line)
                    if abs(b.pitch - a.pitch) in (6, 10, 11)]
    _, model = trained
    for bad in ([0], [25], [True], [2.5]):
        with pytest.raises(ControlError, match="forbidden-leaps"):
            api.generate_melody(CHORDS, "G", "2/4", 2, forbidden_leaps=bad, model=model)  # type: ignore[arg-type]


def test_primer_is_continued_not_changed(trained: tuple[Path, api.LoadedModel]) -> None:
    _, model = trained
    primer = [Note(67, 0, 480), Note(71, 480, 480), Note(74, 960, 960)]  # one 3/4 bar + one beat
    mel = api.generate_melody(CHORDS, "G", "3/4", 2, "waltz", seed=1, primer=primer, model=model)
    assert mel.notes and min(n.start for n in mel.notes) >= 1920
    assert max(n.end for n in mel.notes) <= 1920 + 2 * 1440
    # the log-likelihood API scores any melody; the generated continuation scores like the sampler said
    score = api.melody_log_likelihood(primer + mel.notes, CHORDS, "G", "3/4", "waltz", model=model)
    assert -np.log(mt.N_EVENTS) * 3 < score < 0


def test_log_likelihood_prefers_corpus_like_melodies(
    trained: tuple[Path, api.LoadedModel], waltzes: list[Score]
) -> None:
    """A tune from the training data scores higher than random pitches with the same rhythm."""
    _, model = trained
    tune = waltzes[0]
    key = mt.score_key(tune)
    notes = [n for n in top_line(melody_track(tune).notes, cut=True) if n.end <= 16 * 1440]
    rng = np.random.default_rng(0)
    noise = [Note(int(rng.integers(48, 90)), n.start, n.duration) for n in notes]
    chords = [c for c in tune.chords if c.tick < 16 * 1440]
    good = api.melody_log_likelihood(notes, chords, key, "3/4", "waltz", model=model)
    bad = api.melody_log_likelihood(noise, chords, key, "3/4", "waltz", model=model)
    assert good > bad


def test_checkpoint_rebuilds_the_exact_model(trained: tuple[Path, api.LoadedModel]) -> None:
    path, model = trained
    net, ckpt = load_checkpoint(path, "melody")
    assert {"config", "model", "optimizer", "step", "epoch", "vocab", "history", "data"} <= set(ckpt)
    assert ckpt["vocab"]["events"]["n_events"] == mt.N_EVENTS
    assert ckpt["config"]["hidden"] == melody_config("debug").hidden
    for (k, v), (k2, v2) in zip(net.state_dict().items(), model.net.state_dict().items(), strict=True):
        assert k == k2 and torch.equal(v, v2)
    conds = {"chords": torch.zeros(1, 4, dtype=torch.long), "positions": torch.arange(4)[None],
             "phrase": torch.zeros(1, 4, dtype=torch.long),
             "meter": torch.tensor([0]), "mode": torch.tensor([0]), "style": torch.tensor([0]),
             **{mt.lookback_name(k): torch.zeros(1, 4, dtype=torch.long) for k in mt.LOOKBACK_BARS}}
    assert sequence_log_likelihood(net, conds, [4 + 24, 2, 2, 3], mt.BOS) == pytest.approx(
        sequence_log_likelihood(model.net, conds, [4 + 24, 2, 2, 3], mt.BOS))
    with pytest.raises(ModelError, match="expected 'chords'"):
        load_checkpoint(path, "chords")


def test_bad_checkpoints_are_model_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        api.load_melody_model(tmp_path / "missing.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="not a readable checkpoint"):
        api.load_melody_model(junk)


def test_unseen_styles_fall_back_and_unknown_styles_fail(trained: tuple[Path, api.LoadedModel]) -> None:
    _, model = trained
    assert model.styles_seen == ("waltz",)
    assert model.style("lullaby") == "waltz"
    with pytest.raises(ControlError, match="unknown style"):
        model.style("metal")
    with pytest.raises(ControlError, match="bad chord symbol"):
        api.generate_melody([("Q7", 480)], "C", model=model)
    with pytest.raises(ControlError, match="temperature"):
        api.generate_melody(CHORDS, "C", temperature=0.0, model=model)


def test_bar_origin_shifts_the_bar_positions() -> None:
    symbols = api.layout_chords([("C", 1920)], 1920)
    plain = api._melody_conditions(symbols, Key(0), "4/4", "folk", 8)
    pickup = api._melody_conditions(symbols, Key(0), "4/4", "folk", 8, bar_origin=240)  # 2-step pickup
    assert plain["positions"][0, :3].tolist() == [0, 1, 2]
    assert pickup["positions"][0, :3].tolist() == [14, 15, 0]


def test_melody_only_pieces_can_be_labelled_with_chords(waltzes: list[Score]) -> None:
    from tunesmith.models.rnn.data import melody_dataset
    from tunesmith.models.rnn.train import label_missing_chords

    bare = [Score(tracks=s.tracks, time_signatures=s.time_signatures, key_signatures=s.key_signatures,
                  metadata=s.metadata) for s in waltzes[:6]]
    with pytest.raises(Exception, match="not enough training data"):
        melody_dataset(bare, length=32, stride=32)
    labelled = list(label_missing_chords(bare))
    assert all(s.chords for s in labelled)
    data = melody_dataset(labelled, length=32, stride=32)
    assert data.info["pieces"]["train"] + data.info["pieces"]["val"] == 6
    assert (data.train["chords"] > 0).mean() > 0.5
