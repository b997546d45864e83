"""The shared training loop: checkpoints, loss curve, early stopping, resume, time budget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tunesmith.errors import ModelError
from tunesmith.models.checkpoint import load_checkpoint
from tunesmith.models.rnn.rnn import ConditionedLSTM, LSTMConfig
from tunesmith.models.train import TrainConfig, evaluate, train


def _config() -> LSTMConfig:
    return LSTMConfig(vocab_size=6, step_conditions=[("positions", 4, 4)],
                      sequence_conditions=[("mode", 2, 2)], d_token=8, hidden=16, layers=1, dropout=0.0)


def _data(n: int, seed: int) -> dict[str, np.ndarray]:
    """A learnable toy language: tokens cycle 2,3,4,5 in mode 0 and 5,4,3,2 in mode 1."""
    rng = np.random.default_rng(seed)
    T = 12
    mode = rng.integers(0, 2, n)
    start = rng.integers(0, 4, n)
    steps = (start[:, None] + np.arange(T)[None]) % 4
    tokens = np.where(mode[:, None] == 0, 2 + steps, 5 - steps)
    inputs = np.concatenate([np.ones((n, 1), np.int64), tokens[:, :-1]], axis=1)
    return {"inputs": inputs.astype(np.int64), "targets": tokens.astype(np.int64),
            "positions": steps.astype(np.int64), "mode": mode.astype(np.int64)}


def _train(out: Path, epochs: int, resume: bool = False, **kw: object) -> object:
    torch.manual_seed(0)
    model = ConditionedLSTM(_config())
    cfg = TrainConfig(epochs=epochs, batch_size=16, lr=1e-2, progress=False, **kw)  # type: ignore[arg-type]
    return train(model, _data(128, 0), _data(32, 1), out, kind="toy", architecture="conditioned_lstm",
                 vocab={"tokens": 6}, config=cfg, resume=resume, data_info={"pieces": 3})


def test_training_learns_and_writes_checkpoint_and_curve(tmp_path: Path) -> None:
    out = tmp_path / "toy.pt"
    result = _train(out, 6)
    history = result.history  # type: ignore[attr-defined]
    assert len(history) == 6
    assert history[-1]["val_loss"] < 0.5 * history[0]["val_loss"]
    assert history[-1]["val_accuracy"] > 0.7
    assert out.with_suffix(".loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model, ckpt = load_checkpoint(out, "toy")
    assert ckpt["vocab"] == {"tokens": 6} and ckpt["data"] == {"pieces": 3}
    assert ckpt["step"] == ckpt["epoch"] * 8 and ckpt["optimizer"]["state"]
    assert ckpt["best_val"] == pytest.approx(min(h["val_loss"] for h in history))
    loss, _ = evaluate(model, _data(32, 1))
    assert loss == pytest.approx(ckpt["best_val"], rel=1e-5)  # the checkpoint holds the best weights


def test_resume_continues_from_the_stored_step(tmp_path: Path) -> None:
    out = tmp_path / "toy.pt"
    _train(out, 2)
    first = load_checkpoint(out, "toy")[1]
    result = _train(out, 4, resume=True)
    history = result.history  # type: ignore[attr-defined]
    assert [h["epoch"] for h in history] == [1.0, 2.0, 3.0, 4.0]
    second = load_checkpoint(out, "toy")[1]
    assert second["step"] > first["step"] and second["epoch"] > first["epoch"]
    assert second["best_val"] <= first["best_val"]


def test_early_stopping_and_time_budget(tmp_path: Path) -> None:
    # with learning rate 0 nothing improves after epoch 1: patience 2 stops after epoch 3
    torch.manual_seed(0)
    model = ConditionedLSTM(_config())
    cfg = TrainConfig(epochs=10, batch_size=16, lr=0.0, patience=2, progress=False)
    stopped = train(model, _data(64, 0), _data(16, 1), tmp_path / "b.pt", kind="toy",
                    architecture="conditioned_lstm", vocab={}, config=cfg)
    assert stopped.stopped_early and len(stopped.history) == 3
    budget = TrainConfig(epochs=10, batch_size=16, progress=False, max_minutes=0.0)
    timed = train(ConditionedLSTM(_config()), _data(64, 0), _data(16, 1), tmp_path / "c.pt", kind="toy",
                  architecture="conditioned_lstm", vocab={}, config=budget)
    assert len(timed.history) == 1


def test_checkpoint_with_foreign_weights_is_a_model_error(tmp_path: Path) -> None:
    out = tmp_path / "toy.pt"
    _train(out, 1)
    ckpt = torch.load(out, weights_only=False)
    ckpt["config"]["hidden"] = 32
    torch.save(ckpt, tmp_path / "bad.pt")
    with pytest.raises(ModelError, match="do not match"):
        load_checkpoint(tmp_path / "bad.pt")
    ckpt["architecture"] = "transformer"
    torch.save(ckpt, tmp_path / "bad2.pt")
    with pytest.raises(ModelError, match="unknown architecture"):
        load_checkpoint(tmp_path / "bad2.pt")
