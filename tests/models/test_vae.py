"""Phrase VAE: bar-slot phrases, decoder inputs, the free-bits objective, greedy decoding rules, and
train -> save -> load -> vary / interpolate / attribute moves on a debug-size model."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from tunesmith.errors import ControlError, ModelError
from tunesmith.io import load
from tunesmith.models.checkpoint import load_checkpoint
from tunesmith.models.train import TrainConfig
from tunesmith.models.vae import api as vae_api
from tunesmith.models.vae.phrases import SLOTS, from_slots, notes_to_slots, restrike_from, to_slots
from tunesmith.models.vae.train import attribute_vectors, fit_vae
from tunesmith.models.vae.vae import PhraseVAE, phrase_item, shifted_inputs, vae_config
from tunesmith.paths import PACKAGE_DATA
from tunesmith.score import ChordSymbol, Note, Score
from tunesmith.theory.key import Key
from tunesmith.tokens import melody as mt

torch.set_num_threads(1)
WALTZES = PACKAGE_DATA / "nottingham" / "waltzes.abc"
E = mt.note_event


@pytest.fixture(scope="module")
def waltzes() -> list[Score]:
    return load(WALTZES)[:12]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, waltzes: list[Score]) -> tuple[Path, vae_api.LoadedVAE]:
    out = tmp_path_factory.mktemp("vae") / "vae.pt"
    result = fit_vae(waltzes, out, size="debug", config=TrainConfig(epochs=2, batch_size=16, progress=False))
    assert len(result.history) == 2 and out.with_suffix(".loss.png").is_file()
    return out, vae_api.load_vae(out)


# A two-bar 3/4 phrase in G (bar 0 at tick 0): G A B | D. (dotted half)
PHRASE = [Note(67, 0, 480), Note(69, 480, 480), Note(71, 960, 480), Note(74, 1440, 1440)]
CHORDS = [ChordSymbol(0, "G"), ChordSymbol(1440, "D7")]


def test_slots_pad_short_meters_and_round_trip() -> None:
    flat = np.arange(24, dtype=np.int64) + 4
    slots = to_slots(flat, "3/4")
    assert slots.shape == (2, SLOTS) and (slots[:, 12:] == mt.PAD).all()
    assert (from_slots(slots, "3/4") == flat).all()


def test_a_note_carried_into_a_cut_is_struck_again() -> None:
    events = np.array([E(60), mt.HOLD, mt.HOLD, E(62), mt.REST, mt.HOLD], dtype=np.int64)
    assert list(restrike_from(events, 2)) == [E(60), E(62), mt.REST, mt.HOLD]
    assert restrike_from(events, 5)[0] == mt.REST


def test_decoder_inputs_carry_the_last_event_across_bar_lines() -> None:
    events, _ = notes_to_slots(PHRASE, [], 7, "major", "3/4", 2)
    inputs = shifted_inputs(np.concatenate([events, np.zeros((2, SLOTS), np.int64)]), 2)
    assert inputs[0, 0] == mt.BOS and inputs[0, 1] == events[0, 0]
    assert inputs[1, 0] == events[0, 11]  # the last used slot of bar 0, not its PAD slots
    assert (inputs[0, 12:] == mt.PAD).all() and (inputs[2:] == mt.PAD).all()


def _batch(model: PhraseVAE, n: int = 3) -> dict[str, torch.Tensor]:
    events, chords = notes_to_slots(PHRASE, CHORDS, 7, "major", "3/4", 2)
    items = [phrase_item(events, chords, "3/4", model.config.max_bars) for _ in range(n)]
    return {k: torch.from_numpy(np.stack([np.asarray(it[k]) for it in items])) for k in items[0]}


def test_loss_is_reconstruction_while_kl_is_under_the_free_bits() -> None:
    torch.manual_seed(0)
    model = PhraseVAE(vae_config("debug")).eval()
    batch = _batch(model)
    logits, loss = model(**batch)
    assert logits.shape == (3, model.config.max_bars, SLOTS, mt.N_EVENTS)
    keep = batch["targets"] != mt.PAD
    recon = torch.nn.functional.cross_entropy(logits[keep], batch["targets"][keep])
    mu, logvar = model.encode(batch["targets"], batch["chords"], batch["bars"])
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(-1)
    assert (kl < model.config.free_nats_per_bar * 2).all()  # a fresh model's posterior is near the prior
    assert torch.allclose(loss, recon, atol=1e-5)
    model.config.free_nats_per_bar = 0.0
    _, with_kl = model(**batch)
    expected = recon + model.config.beta * kl.sum() / keep.sum()
    assert torch.allclose(with_kl, expected, atol=1e-5)


def test_kl_weight_is_annealed_over_training_steps() -> None:
    model = PhraseVAE(vae_config("debug")).train()
    assert model.beta_now() == 0.0
    batch = _batch(model)
    for _ in range(5):
        model(**batch)
    assert model.beta_now() == pytest.approx(model.config.beta * 5 / model.config.anneal_steps)
    for _ in range(10):
        model(**batch)
    assert model.beta_now() == model.config.beta


def test_greedy_decoding_keeps_meter_slots_and_hold_rules() -> None:
    torch.manual_seed(3)
    model = PhraseVAE(vae_config("debug")).eval()
    z = torch.randn(6, model.config.z_dim) * 3
    chords = torch.zeros(6, 4, SLOTS, dtype=torch.long)
    meter = torch.tensor([1] * 3 + [0] * 3)  # 3/4 and 4/4
    out = model.decode(z, chords, meter, 4, temperature=2.0, generator=torch.Generator().manual_seed(0))
    assert (out[:3, :, 12:] == mt.PAD).all() and (out[3:] != mt.PAD).all()
    for row, per_bar in zip(out.numpy(), [12] * 3 + [16] * 3, strict=True):
        flat = row[:, :per_bar].reshape(-1)
        assert mt.BOS not in flat and mt.PAD not in flat
        prev = [mt.BOS, *flat[:-1]]
        assert all(not (e == mt.HOLD and p in (mt.REST, mt.BOS)) for e, p in zip(flat, prev, strict=True))


def test_greedy_numpy_decoding_matches_the_torch_decoder() -> None:
    torch.manual_seed(4)
    model = PhraseVAE(vae_config("debug")).eval()
    z = torch.randn(3, model.config.z_dim) * 2
    _, chords = notes_to_slots(PHRASE * 2, CHORDS, 7, "major", "4/4", 4)
    chord_t = torch.from_numpy(chords)[None].expand(3, -1, -1)
    out = model.decode(z, chord_t, torch.zeros(3, dtype=torch.long), 4)
    # Teacher-forcing the decoded events must make each of them the argmax of the torch decoder
    # (wherever HOLD is allowed; the greedy decoder masks it after a rest).
    conductor = model.conduct(z, 4)
    for b in range(4):
        inputs = torch.from_numpy(np.stack([shifted_inputs(np.asarray(o), 4)[b] for o in out.numpy()]))
        x = torch.cat(
            [
                model.token_emb(inputs),
                model.step_inputs(chord_t[:, b], torch.zeros(3, dtype=torch.long), conductor[:, b]),
            ],
            dim=-1,
        )
        h, _ = model.decoder(x, model.bar_state(conductor[:, b]))
        logits = model.head(h)
        logits[..., [mt.PAD, mt.BOS]] = -torch.inf
        hold_banned = ~((inputs == mt.HOLD) | (inputs >= mt.NOTE_BASE))
        logits[..., mt.HOLD] = torch.where(hold_banned, -torch.inf, logits[..., mt.HOLD])
        assert torch.equal(logits.argmax(-1), out[:, b])


@pytest.mark.slow
def test_amount_zero_gives_the_phrase_back_and_seeds_reproduce(
    trained: tuple[Path, vae_api.LoadedVAE],
) -> None:
    _, model = trained
    same = vae_api.variations(PHRASE, 2, "3/4", 0.0, 3, key="G", chords=CHORDS, model=model)
    assert all(v == PHRASE for v in same)
    a = vae_api.vary_phrase(PHRASE, 2, "3/4", 1.5, seed=4, key="G", chords=CHORDS, model=model)
    b = vae_api.vary_phrase(PHRASE, 2, "3/4", 1.5, seed=4, key="G", chords=CHORDS, model=model)
    many = vae_api.variations(PHRASE, 2, "3/4", 1.5, 8, seed=5, key="G", chords=CHORDS, model=model)
    assert a == b
    phrase = vae_api.make_phrase(PHRASE, 2, "3/4", key="G", chords=CHORDS)
    mu = vae_api.encode(phrase, model)
    noise = np.random.default_rng(5).standard_normal((8, len(mu)))
    expected = vae_api.decode(
        mu + 1.5 * noise, phrase, model,
        mask=vae_api.phrase_mask(phrase, keep_rhythm=False), forced=vae_api.anchor_events(phrase, (0,)),
    )  # fmt: skip
    assert many == [vae_api.phrase_notes(p) for p in expected]
    for v in many:
        assert all(n.start >= 0 and n.end <= 2 * 1440 for n in v)


def test_interpolation_starts_and_ends_on_the_two_phrases(trained: tuple[Path, vae_api.LoadedVAE]) -> None:
    _, model = trained
    other = [Note(71, 0, 960), Note(67, 960, 480), Note(62, 1440, 720), Note(67, 2160, 720)]
    frames = vae_api.interpolate_phrases(
        PHRASE, other, 2, "3/4", 5, key="G", key_b="G", chords=CHORDS, model=model
    )
    assert len(frames) == 5 and frames[0] == PHRASE and frames[-1] == other


def test_slerp_keeps_ends_and_norm() -> None:
    a, b = np.array([3.0, 0.0]), np.array([0.0, 3.0])
    assert np.allclose(vae_api.slerp(a, b, 0.0), a) and np.allclose(vae_api.slerp(a, b, 1.0), b)
    assert np.linalg.norm(vae_api.slerp(a, b, 0.5)) == pytest.approx(3.0)


def test_attribute_vectors_are_differences_of_mean_latents(trained: tuple[Path, vae_api.LoadedVAE]) -> None:
    _, model = trained
    items = [
        phrase_item(*notes_to_slots(PHRASE[:k], CHORDS, 7, "major", "3/4", 2), "3/4", 4) for k in (1, 2, 3, 4)
    ]
    arrays = {k: np.stack([np.asarray(it[k]) for it in items]) for k in items[0]}
    vectors = attribute_vectors(model.net, arrays, {"density": vae_api.attribute_values("density")})
    mus = [
        vae_api.encode(vae_api.make_phrase(PHRASE[:k], 2, "3/4", key="G", chords=CHORDS), model)
        for k in (1, 2, 3, 4)
    ]
    assert np.allclose(vectors["density"], mus[3] - mus[0], atol=1e-5)
    assert set(model.attributes) >= {"density", "range"}  # stored in the checkpoint by fit_vae
    moved = vae_api.vary_phrase(
        PHRASE, 2, "3/4", 0.0, key="G", chords=CHORDS, attributes={"density": 4.0}, model=model
    )
    assert all(0 <= n.start < 2 * 1440 for n in moved)


def test_bad_controls_are_named(trained: tuple[Path, vae_api.LoadedVAE], tmp_path: Path) -> None:
    _, model = trained
    with pytest.raises(ControlError, match="bars"):
        vae_api.vary_phrase(PHRASE, 3, "3/4", 0.3, model=model)
    with pytest.raises(ControlError, match="amount"):
        vae_api.vary_phrase(PHRASE, 2, "3/4", -1.0, model=model)
    with pytest.raises(ControlError, match="attribute"):
        vae_api.parse_attribute("loudness=+1")
    with pytest.raises(ControlError, match="not a number"):
        vae_api.parse_attribute("density=lots")
    assert vae_api.parse_attribute("range=-1") == ("range", -1.0)
    with pytest.raises(ControlError, match="melody"):
        vae_api.vary_phrase([Note(60, 99_999, 120)], 2, "3/4", 0.3, key="C", model=model)
    with pytest.raises(ModelError, match="not found"):
        vae_api.load_vae(tmp_path / "missing.pt")


@pytest.mark.slow
def test_training_resumes_where_it_stopped(waltzes: list[Score], tmp_path: Path) -> None:
    out = tmp_path / "vae.pt"
    config = TrainConfig(epochs=1, batch_size=32, progress=False)
    fit_vae(waltzes[:4], out, size="debug", config=config)
    _, first = load_checkpoint(out, "vae")
    config.epochs = 2
    fit_vae(waltzes[:4], out, size="debug", config=config, resume=True)
    _, second = load_checkpoint(out, "vae")
    assert first["epoch"] == 1 and len(second["history"]) == 2
    assert int(second["model"]["train_steps"]) > int(first["model"]["train_steps"]) > 0
    assert second["config"]["z_dim"] == vae_config("debug").z_dim and "optimizer" in second


@pytest.mark.slow
def test_a_weights_only_checkpoint_is_fine_tuned_with_a_fresh_optimiser(
    waltzes: list[Score], tmp_path: Path
) -> None:
    out = tmp_path / "vae.pt"
    fit_vae(waltzes[:3], out, size="debug", config=TrainConfig(epochs=1, batch_size=32, progress=False))
    ckpt = torch.load(out, weights_only=False)
    del ckpt["optimizer"]  # as shipped
    torch.save(ckpt, out)
    messages: list[str] = []
    fit_vae(
        waltzes[:3],
        out,
        size="debug",
        config=TrainConfig(epochs=1, batch_size=32, progress=False),
        resume=True,
        log=messages.append,
    )
    assert any("no optimiser state" in m for m in messages)
    _, tuned = load_checkpoint(out, "vae")
    assert "optimizer" in tuned and int(tuned["model"]["train_steps"]) > int(ckpt["model"]["train_steps"])


def test_the_composer_entry_point_varies_a_passage_in_place() -> None:
    vae = vae_api
    assert vae.available()  # the shipped checkpoint
    passage = [Note(n.pitch, n.start + 8 * 1440, n.duration) for n in PHRASE]  # bars 9-10 of a 3/4 piece
    same = vae.vary_notes(passage, key="G", meter="3/4", amount=0.0)
    assert same == passage
    varied = vae.vary_notes(
        passage,
        key="G",
        meter="3/4",
        amount=0.5,
        seed=2,
        chords=[ChordSymbol(8 * 1440, "G"), ChordSymbol(9 * 1440, "D7")],
    )
    assert varied and all(n.start >= 8 * 1440 and n.end <= 10 * 1440 for n in varied)
    eight = vae.vary_notes(passage, key="G", meter="3/4", amount=0.0, phrase_bars=8)  # falls back to 4
    assert eight == passage


# ----- vary and interpolate on the shipped model: what small amounts keep, how morphs move --------
TUNE = [  # 4 bars of 4/4 in D: a motif, its answer, a cadence on the tonic
    Note(62, 0, 240), Note(66, 240, 240), Note(69, 480, 480), Note(66, 960, 480), Note(64, 1440, 480),
    Note(62, 1920, 240), Note(66, 2160, 240), Note(69, 2400, 480), Note(71, 2880, 480), Note(69, 3360, 480),
    Note(67, 3840, 480), Note(66, 4320, 480), Note(64, 4800, 480), Note(62, 5280, 480),
    Note(61, 5760, 480), Note(64, 6240, 480), Note(62, 6720, 960),
]  # fmt: skip
OTHER = [
    Note(74, 0, 720), Note(73, 720, 240), Note(71, 960, 960), Note(69, 1920, 480), Note(71, 2400, 480),
    Note(73, 2880, 960), Note(74, 3840, 480), Note(76, 4320, 480), Note(78, 4800, 960),
    Note(76, 5760, 960), Note(74, 6720, 960),
]  # fmt: skip
D_CHORDS = [ChordSymbol(0, "D"), ChordSymbol(1920, "A"), ChordSymbol(3840, "G"), ChordSymbol(5760, "D")]


@pytest.fixture(scope="module")
def shipped() -> vae_api.LoadedVAE:
    if not vae_api.VAE_CHECKPOINT.is_file():
        pytest.skip("no shipped VAE checkpoint")
    return vae_api.load_vae()


def _onsets(notes: list[Note], lo: int, hi: int) -> set[tuple[int, int]]:
    return {(n.start, n.pitch) for n in notes if lo <= n.start < hi}


def test_a_close_variation_keeps_key_motif_rhythm_and_cadence(shipped: vae_api.LoadedVAE) -> None:
    bar = 1920
    for seed in range(2):
        varied = vae_api.vary_melody(TUNE, 4, "4/4", 0.3, seed, key="D", chords=D_CHORDS, model=shipped)
        assert _onsets(varied, 0, bar) == _onsets(TUNE, 0, bar)  # the opening motif
        assert _onsets(varied, 3 * bar, 4 * bar) == _onsets(TUNE, 3 * bar, 4 * bar)  # the cadence
        assert [n.start for n in varied] == [n.start for n in TUNE]  # the rhythm (below 0.5)
        assert all(n.pitch % 12 in Key.parse("D").scale_pcs() or n.pitch % 12 == 1 for n in varied)
        kept = len(_onsets(varied, 0, 4 * bar) & _onsets(TUNE, 0, 4 * bar)) / len(TUNE)
        assert 0.5 <= kept < 1.0, kept  # changed, but most notes stay


def test_variations_differ_from_each_other_and_grow_with_the_amount(shipped: vae_api.LoadedVAE) -> None:
    small = vae_api.variations(TUNE, 4, "4/4", 0.2, 4, seed=1, key="D", chords=D_CHORDS, model=shipped)
    assert len({tuple((n.start, n.pitch, n.duration) for n in v) for v in small}) == 4
    assert all(v != TUNE for v in small)
    big = vae_api.variations(TUNE, 4, "4/4", 0.8, 4, seed=1, key="D", chords=D_CHORDS, model=shipped)
    original = _onsets(TUNE, 0, 8000)

    def kept(vs: list[list[Note]]) -> float:
        return float(np.mean([len(_onsets(v, 0, 8000) & original) / len(original) for v in vs]))

    assert kept(big) < kept(small)


def test_interpolation_steps_are_distinct_and_move_monotonically(shipped: vae_api.LoadedVAE) -> None:
    for steps in (3, 6):
        frames = vae_api.interpolate_phrases(
            TUNE, OTHER, 4, "4/4", steps, key="D", key_b="D", chords=D_CHORDS, model=shipped
        )
        assert len(frames) == steps
        events = [vae_api.make_phrase(f, 4, "4/4", key="D", model=shipped).events for f in frames]
        assert len({e.tobytes() for e in events}) == steps
        to_a = [vae_api.event_distance(events[0], e) for e in events]
        to_b = [vae_api.event_distance(events[-1], e) for e in events]
        assert all(x < y for x, y in itertools.pairwise(to_a)), to_a
        assert all(x > y for x, y in itertools.pairwise(to_b)), to_b


def test_monotone_path_falls_back_to_the_cheapest_candidates() -> None:
    a = np.full((1, SLOTS), mt.REST)
    b = np.full((1, SLOTS), E(60))
    same = (a.copy(), 0.0)  # distance 0 to a: never strictly past the start
    chosen = vae_api._monotone_path(a, b, [[same]])
    assert np.array_equal(chosen[0], a)
