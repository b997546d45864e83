"""Bar GAN: bar grids and conditions, straight-through one-hot fakes, the gradient penalty, and
train -> save -> load -> generate / score on a debug-size model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tunesmith.errors import ControlError, ModelError
from tunesmith.io import load
from tunesmith.models.checkpoint import load_checkpoint
from tunesmith.models.gan import api as gan_api
from tunesmith.models.gan.gan import (
    CHANNELS,
    HOLD_CH,
    REST_CH,
    BarGAN,
    conditions,
    gan_config,
    grid_events,
    grids,
)
from tunesmith.models.gan.train import fit_gan, gradient_penalty
from tunesmith.models.vae.phrases import SLOTS
from tunesmith.paths import PACKAGE_DATA
from tunesmith.score import Score
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

torch.set_num_threads(1)
WALTZES = PACKAGE_DATA / "nottingham" / "waltzes.abc"


@pytest.fixture(scope="module")
def waltzes() -> list[Score]:
    return load(WALTZES)[:8]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, waltzes: list[Score]) -> tuple[Path, gan_api.LoadedGAN]:
    out = tmp_path_factory.mktemp("gan") / "gan.pt"
    history = fit_gan(waltzes[:6], out, size="debug", epochs=2, batch_size=32, progress=False)
    assert len(history) == 2 and out.with_suffix(".loss.png").is_file()
    return out, gan_api.load_gan(out)


def test_bars_become_one_hot_grids_and_back() -> None:
    events = np.full((2, SLOTS), mt.PAD, dtype=np.int64)
    events[0, :12] = [mt.note_event(60), mt.HOLD, mt.REST, mt.note_event(95), *[mt.HOLD] * 8]
    events[1] = [mt.note_event(72 + i % 12) for i in range(SLOTS)]
    grid = grids(events)
    assert grid.shape == (2, CHANNELS, SLOTS)
    assert (grid[0, :, 12:] == 0).all() and (grid[0, :, :12].sum(0) == 1).all()
    assert grid[0, HOLD_CH, 1] == 1 and grid[0, REST_CH, 2] == 1
    assert (grid_events(grid[0], "3/4") == events[0]).all()
    assert (grid_events(grid[1], "4/4") == events[1]).all()
    low = grids(np.array([[mt.note_event(40)]]))  # below the window: folded up by octaves
    assert low[0, :, 0].argmax() == 4


def test_conditions_hold_chord_tones_slots_mode_and_meter() -> None:
    chords = np.full(SLOTS, 1 + 7 * ct.N_QUALITIES + ct.QUALITY_CLASSES.index("dom7"), dtype=np.int64)  # V7
    cond = conditions(chords, "3/4", 1)
    assert cond.shape[-1] == SLOTS
    assert set(np.nonzero(cond[:12, 0])[0]) == {7, 11, 2, 5}
    assert (cond[12, :12] == 1).all() and (cond[12, 12:] == 0).all()
    assert cond[13 + 1, 0] == 1 and cond[13 + 2 + ct.METERS.index("3/4"), 0] == 1


def test_fakes_are_one_hot_in_used_slots_and_the_penalty_is_differentiable() -> None:
    torch.manual_seed(0)
    model = BarGAN(gan_config("debug"))
    cond = torch.from_numpy(conditions(np.ones((4, SLOTS), np.int64), "3/4", 0))
    prev = torch.zeros(4, CHANNELS, SLOTS)
    fake = model.fake(torch.randn(4, model.config.z_dim), cond, prev)
    assert (fake[:, :, :12].sum(1) == 1).all() and (fake[:, :, 12:] == 0).all()
    real = torch.from_numpy(grids(np.full((4, SLOTS), mt.REST, np.int64))) * cond[:, 12:13]
    gp = gradient_penalty(model.critic, real, fake.detach(), cond, prev)
    gp.backward()
    assert torch.isfinite(gp) and model.critic.c1.weight.grad is not None
    assert model.critic(real, cond, prev).shape == (4,)


@pytest.mark.slow
def test_generated_melodies_fill_the_bars_and_follow_the_seed(
    trained: tuple[Path, gan_api.LoadedGAN],
) -> None:
    _, model = trained
    chords = [("Am", 1920), ("F", 1920), ("C", 1920), ("G", 1920)]
    a = gan_api.generate_melody(chords, "A minor", "4/4", 8, seed=3, model=model)
    b = gan_api.generate_melody(chords, "A minor", "4/4", 8, seed=3, model=model)
    c = gan_api.generate_melody(chords, "A minor", "4/4", 8, seed=4, model=model)
    assert a == b and a != c
    assert a and all(n.start >= 0 and n.end <= 8 * 1920 for n in a)
    waltz = gan_api.generate_melody([("G", 1440), ("D7", 1440)], "G", "3/4", 4, seed=1, model=model)
    assert all(n.end <= 4 * 1440 for n in waltz)
    with pytest.raises(ControlError, match="bars"):
        gan_api.generate_melody(chords, "C", "4/4", 0, model=model)


def test_sampling_never_holds_after_a_rest(trained: tuple[Path, gan_api.LoadedGAN]) -> None:
    _, model = trained
    cond = torch.from_numpy(conditions(np.ones((64, SLOTS), np.int64), "4/4", 0))
    prev = torch.from_numpy(grids(np.full((64, SLOTS), mt.REST, np.int64)))
    bars = model.net.sample(cond, prev, torch.Generator().manual_seed(0), temperature=3.0)
    events = grid_events(bars, "4/4")
    for row in events:
        before = [mt.REST, *row[:-1]]
        assert not any(e == mt.HOLD and p == mt.REST for e, p in zip(row, before, strict=True))


def test_score_is_a_standardised_critic_value(
    trained: tuple[Path, gan_api.LoadedGAN], waltzes: list[Score]
) -> None:
    path, model = trained
    per_bar = gan_api.bar_scores(waltzes[7], model)
    assert len(per_bar) > 8 and np.isfinite(per_bar).all()
    assert gan_api.score(waltzes[7], model) == pytest.approx(float(per_bar.mean()), rel=1e-5)
    _, ckpt = load_checkpoint(path, "gan")
    assert ckpt["critic_stats"]["std"] > 0 and model.critic_std == pytest.approx(ckpt["critic_stats"]["std"])


@pytest.mark.slow
def test_training_resumes_and_missing_checkpoints_are_named(waltzes: list[Score], tmp_path: Path) -> None:
    out = tmp_path / "gan.pt"
    fit_gan(waltzes[:3], out, size="debug", epochs=1, batch_size=32, progress=False)
    history = fit_gan(waltzes[:3], out, size="debug", epochs=2, batch_size=32, progress=False, resume=True)
    _, ckpt = load_checkpoint(out, "gan")
    assert len(history) == 2 and ckpt["epoch"] == 2 and set(ckpt["optimizer"]) == {"generator", "critic"}
    with pytest.raises(ModelError, match="not found"):
        gan_api.load_gan(tmp_path / "none.pt")


def test_the_composer_entry_point_scores_with_the_shipped_critic(waltzes: list[Score]) -> None:
    from tunesmith.compose import engines

    assert gan_api.available() and engines.family_available("gan")
    value = engines.critic_score(waltzes[0])
    assert value is not None and np.isfinite(value) and value == pytest.approx(gan_api.score(waltzes[0]))
