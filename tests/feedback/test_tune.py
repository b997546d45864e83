"""Reward-weighted fine-tuning from ratings writes a new versioned checkpoint and keeps the old."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.errors import TunesmithError
from tunesmith.feedback.tune import tune_from_feedback
from tunesmith.io import save
from tunesmith.models.checkpoint import CHECKPOINT_FORMAT, save_checkpoint
from tunesmith.models.rnn import api
from tunesmith.models.rnn.rnn import ConditionedLSTM, melody_config
from tunesmith.store import open_store
from tunesmith.store.pieces import add_piece
from tunesmith.store.ratings import rate


@pytest.fixture
def base_checkpoint(tmp_path: Path) -> Path:
    """An untrained debug-size melody model in the checkpoint format the loader reads."""
    from dataclasses import asdict

    import torch

    torch.manual_seed(0)
    model = ConditionedLSTM(melody_config("debug"))
    path = tmp_path / "base.pt"
    save_checkpoint(
        path,
        {
            "format": CHECKPOINT_FORMAT,
            "kind": "melody",
            "architecture": "conditioned_lstm",
            "config": asdict(model.config),
            "model": model.state_dict(),
            "step": 0,
            "epoch": 0,
        },
    )
    return path


@pytest.mark.slow
def test_tune_from_feedback(tmp_path: Path, base_checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    with store.session() as s:
        for seed, stars in ((1, 5), (2, 4), (3, 2)):
            score = compose(
                ComposeRequest(style="folk", bars=8, form="AB", candidates=1, model="rules", seed=seed)
            ).score
            save(score, tmp_path / f"{seed}.mid")
            piece, _ = add_piece(
                s, score, source="generated", fmt=".mid", file_data=(tmp_path / f"{seed}.mid").read_bytes()
            )
            rate(s, "ann", piece.id, stars)
    folder = tmp_path / "ckpts"
    first = tune_from_feedback(store, base=base_checkpoint, folder=folder, epochs=4, lr=3e-3)
    assert first.pieces == 2 and first.windows >= 2 and first.mean_reward == pytest.approx(0.75, abs=0.25)
    assert first.loss_after < first.loss_before
    assert first.checkpoint == folder / "melody-feedback-v001.pt" and base_checkpoint.is_file()
    second = tune_from_feedback(store, folder=folder, epochs=1)
    assert second.previous == first.checkpoint and second.checkpoint.name == "melody-feedback-v002.pt"
    assert first.checkpoint.is_file()  # the previous checkpoint is kept
    assert api.current_melody_checkpoint(folder) == second.checkpoint
    loaded = api.load_melody_model(second.checkpoint)
    assert loaded.info["epoch"] == 0
    with pytest.raises(TunesmithError, match="no generated piece"):
        tune_from_feedback(store, user="nobody", folder=folder)
    with pytest.raises(TunesmithError, match="allowed: 4 or 5"):
        tune_from_feedback(store, min_stars=3, folder=folder)
    store.close()


def test_without_tuned_models_the_shipped_one_is_current(tmp_path: Path) -> None:
    assert api.current_melody_checkpoint(tmp_path) == api.MELODY_CHECKPOINT
