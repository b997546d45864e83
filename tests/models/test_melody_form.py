"""The melody model's form conditions and style condition on a debug-size model: generation with
lookbacks equals the teacher-forced model, the style reaches generation, the held-out split is by tune."""

from __future__ import annotations

import numpy as np
import torch

from tunesmith.models.rnn import api
from tunesmith.models.rnn.data import melody_fingerprint, melody_held_out
from tunesmith.models.rnn.rnn import ConditionedLSTM, melody_config
from tunesmith.models.sampling import SamplingOptions, sample
from tunesmith.score import Note
from tunesmith.theory.key import Key
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt


def _model(seed: int = 0) -> ConditionedLSTM:
    torch.manual_seed(seed)
    model = ConditionedLSTM(melody_config("debug")).eval()
    with torch.no_grad():  # make every condition matter, so a wrong one shows
        for emb in model.cond_embs.values():
            emb.weight.mul_(4.0)
    return model


def test_sampling_reads_its_own_tokens_bars_back_exactly_as_training_does() -> None:
    model = _model()
    n = 4 * 12  # four bars of 3/4
    conds = api._melody_conditions(api.layout_chords([("C", 1440)], n * 120), Key(0), "3/4", 0, n)
    tokens, loglik = sample(model, conds, n, mt.BOS, SamplingOptions(1.0, 1.0, 3), steps_per_bar=12)
    full = dict(conds)
    for k in mt.LOOKBACK_BARS:
        full[mt.lookback_name(k)] = torch.from_numpy(mt.lookback(tokens, "3/4", k))[None]
    with torch.no_grad():
        logits, _ = model(torch.tensor([[mt.BOS, *tokens[:-1]]]), **full)
    logp = torch.log_softmax(logits[0].double(), -1)[torch.arange(n), torch.tensor(tokens)]
    assert float(logp.mean()) == np.float64(loglik) or abs(float(logp.mean()) - loglik) < 1e-4
    # Without the lookbacks (all PAD) the teacher-forced model disagrees: they are really read.
    for k in mt.LOOKBACK_BARS:
        full[mt.lookback_name(k)] = torch.zeros(1, n, dtype=torch.long)
    with torch.no_grad():
        blind, _ = model(torch.tensor([[mt.BOS, *tokens[:-1]]]), **full)
    assert not torch.allclose(blind[0, 12:], logits[0, 12:], atol=1e-3)


def test_the_style_condition_reaches_generation_through_the_checkpoint_vocabulary(tmp_path) -> None:
    net = _model(1)
    loaded = api.LoadedModel(net, tmp_path / "m.pt", ("folk", "celtic"), style_names=("celtic", "folk"))
    assert loaded.style_id("folk") == 1 and loaded.style_id("celtic") == 0
    chords = [("G", 1440), ("D", 1440)]
    folk = api.generate_melody(chords, "G", "6/8", 4, "folk", seed=5, model=loaded)
    celtic = api.generate_melody(chords, "G", "6/8", 4, "celtic", seed=5, model=loaded)
    assert folk.notes != celtic.notes
    swapped = api.LoadedModel(net, tmp_path / "m.pt", ("folk", "celtic"), style_names=("folk", "celtic"))
    assert api.generate_melody(chords, "G", "6/8", 4, "celtic", seed=5, model=swapped).notes == folk.notes


def test_a_tune_filed_twice_lands_on_one_side_of_the_split() -> None:
    tune = [Note(60 + (i * 5) % 12, 480 + i * 240, 240) for i in range(32)]
    with_pickup = [Note(57, 0, 240), Note(59, 240, 240), *tune]
    other_key = [Note(n.pitch + 7, n.start - 480, n.duration) for n in tune]
    a = mt.encode_melody(with_pickup, [], Key(0), "4/4", bar_origin=480)
    b = mt.encode_melody(other_key, [], Key(7), "4/4")
    assert melody_fingerprint(a) == melody_fingerprint(b)
    assert melody_held_out(a, "Flop-eared Mule") == melody_held_out(b, "Flop Ear'd Mule")
    assert ct.STEPS_PER_BAR["4/4"] == 16
