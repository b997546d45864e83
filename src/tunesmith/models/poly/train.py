"""Training and exact scoring of the polyphonic model on piano-roll sequences.

Training runs in the one loop (tunesmith.models.train) through :class:`PolySteps`: batches of
sequences of similar length, padded; truncated back-propagation through time; validation by the
exact NLL; the learning rate halved after ``lr_patience`` epochs without improvement.

Scoring follows the benchmark protocol: NLL in nats per frame, summed over the keys of a frame and
averaged over all real frames pooled across sequences (padding never counted)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from tunesmith.errors import ModelError
from tunesmith.models import distributed as dist_tools
from tunesmith.models.checkpoint import load_poly, save_checkpoint
from tunesmith.models.poly.data import Roll, legal_shifts, length_batches, pad_batch, transpose_roll
from tunesmith.models.poly.poly import PolyModel, frame_nll
from tunesmith.models.train import Index, Steps, TrainConfig, TrainResult, plot_history
from tunesmith.models.train import train as fit


@dataclass
class PolyTrainConfig(TrainConfig):
    """The shared settings with the polyphonic model's defaults, and what only it has. Its learning
    rate halves on a plateau (``lr_patience``, ``min_lr``) instead of the cosine schedule, so
    ``lr_min_ratio`` is unused."""

    epochs: int = 60
    batch_size: int = 16
    lr: float = 2e-3
    grad_clip: float = 5.0
    patience: int = 6
    bptt: int = 0  # truncated back-propagation length in frames; 0 = whole sequences
    max_transpose: int = 0  # augment training sequences by random shifts of up to this many keys
    lr_patience: int = 2  # halve the learning rate after this many epochs without improvement
    min_lr: float = 5e-5
    eval_batch_size: int = 32


@torch.no_grad()
def evaluate_nll(model: PolyModel, seqs: Sequence[Roll], batch_size: int = 32) -> tuple[float, int]:
    """(NLL in nats per frame, number of frames) of ``seqs``, exact, pooled over all real frames."""
    was_training = model.training
    model.eval()
    total = 0.0
    frames_seen = 0
    for idx in length_batches(seqs, batch_size, None):
        frames, mask = _to_model(model, *pad_batch([seqs[i] for i in idx]))
        ctx, _ = model.context(frames)
        logits = model.made(frames, ctx)
        total += float(frame_nll(logits, frames, mask).double().sum())
        frames_seen += int(mask.sum())
    model.train(was_training)
    return total / max(1, frames_seen), frames_seen


@torch.no_grad()
def evaluate_mixture_nll(
    models: Sequence[PolyModel], seqs: Sequence[Roll], batch_size: int = 32
) -> tuple[float, int]:
    """Exact NLL per frame of the equal-weight mixture of ``models`` at every frame:
    p(x_t | x_<t) = mean_m p_m(x_t | x_<t). Each p_m is a proper distribution over the 2^K frame vectors,
    so their average is one too, and the product over frames is an exact sequence likelihood."""
    if not models:
        raise ValueError("no models to mix")
    n_keys = {m.config.n_keys for m in models}
    if len(n_keys) != 1:
        raise ModelError(f"the models to mix model different key counts {sorted(n_keys)}")
    for m in models:
        m.eval()
    total = 0.0
    frames_seen = 0
    for idx in length_batches(seqs, batch_size, None):
        frames, mask = pad_batch([seqs[i] for i in idx])
        logps = []
        for m in models:
            ctx, _ = m.context(frames)
            logps.append(-frame_nll(m.made(frames, ctx), frames, None).double())  # (B, T)
        mixed = torch.logsumexp(torch.stack(logps), dim=0) - math.log(len(models))
        total += float(-(mixed * mask.double()).sum())
        frames_seen += int(mask.sum())
    return total / max(1, frames_seen), frames_seen


def _to_model(
    model: PolyModel, frames: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    device = next(model.parameters()).device
    return frames.to(device), mask.to(device)


def _augment(seqs: Sequence[Roll], max_shift: int, rng: np.random.Generator) -> list[Roll]:
    if max_shift <= 0:
        return list(seqs)
    out = []
    for s in seqs:
        shifts = legal_shifts(s, max_shift)
        out.append(transpose_roll(s, int(rng.choice(shifts))))
    return out


def _compact_optimizer(state: dict[str, Any]) -> dict[str, Any]:
    """Adam's moment estimates stored as bfloat16: halves the file; load_state_dict casts them back to
    float32 on resume (the weights themselves stay float32, so scoring is unchanged)."""
    out = dict(state)
    out["state"] = {
        k: {n: (t.detach().cpu().to(torch.bfloat16) if n in ("exp_avg", "exp_avg_sq") else t.detach().cpu())
            if isinstance(t, torch.Tensor) else t for n, t in v.items()}
        for k, v in state["state"].items()
    }  # fmt: skip
    return out


class PolySteps(Steps):
    """The polyphonic model inside the one training loop. Data are lists of piano rolls (T, K); each
    epoch transposes them (up to ``max_transpose`` keys, keeping every note on the keyboard) and
    batches pieces of similar length. A batch is trained in BPTT chunks of ``bptt`` frames, one
    optimiser step per chunk; across processes every rank takes as many steps as the rank with the
    most chunks and each step applies the gradient of all ranks' frames
    (tunesmith.models.distributed). Validation is the exact NLL per frame; the learning rate halves
    (down to ``min_lr``) after ``lr_patience`` epochs without a better one."""

    unit = "pieces"

    def __init__(self, model: nn.Module, cfg: TrainConfig) -> None:
        assert isinstance(model, PolyModel) and isinstance(cfg, PolyTrainConfig)
        super().__init__(model, cfg)
        self.poly = model
        self.pcfg = cfg
        self.since_lr = 0
        self.data: list[Roll] = []

    def optimizer_state(self) -> Any:
        return _compact_optimizer(self.optimizer.state_dict())

    def distribute(self, rank: int, world: int) -> None:  # noqa: ARG002 (the hook's signature)
        dist_tools.broadcast_parameters(self.model)

    def start_epoch(self, epoch: int, total_epochs: int) -> None:  # noqa: ARG002 (the hook's signature)
        self.lr = float(self.optimizer.param_groups[0]["lr"])  # the plateau policy's, see judged()
        self.loss_sum = 0.0
        self.frames = 0

    def epoch_data(self, data: Any, rng: np.random.Generator) -> list[Roll]:
        self.data = _augment(data, self.pcfg.max_transpose, rng)
        return self.data

    def size(self, data: Any) -> int:
        return len(data)

    def batches(self, n: int, rng: np.random.Generator, rank: int, world: int) -> Sequence[Index]:  # noqa: ARG002 (n: self.data's)
        return dist_tools.share(list(length_batches(self.data, self.cfg.batch_size, rng)), rank, world)

    def batch(self, data: Any, index: Index) -> dict[str, torch.Tensor]:
        frames, mask = _to_model(self.poly, *pad_batch([data[i] for i in index]))
        return {"frames": frames, "mask": mask}

    def step(self, batch: dict[str, torch.Tensor], index: int, world: int) -> float:  # noqa: ARG002 (the hook's signature)
        """One pass over a padded batch in BPTT chunks; returns its mean NLL per frame."""
        model, opt, cfg = self.poly, self.optimizer, self.pcfg
        frames, mask = batch["frames"], batch["mask"]
        prev = torch.cat([torch.zeros_like(frames[:, :1]), frames[:, :-1]], dim=1)
        chunk = cfg.bptt if cfg.bptt > 0 else frames.shape[1]
        starts = []
        for s in range(0, frames.shape[1], chunk):
            if float(mask[:, s : s + chunk].sum()) == 0:
                break  # the rest is padding
            starts.append(s)
        steps = len(starts) if world == 1 else dist_tools.global_max(len(starts))
        state: tuple[torch.Tensor, torch.Tensor] | None = None
        total = 0.0
        count = 0.0
        for k in range(steps):
            opt.zero_grad(set_to_none=True)
            n = 0.0
            if k < len(starts):
                s = starts[k]
                m = mask[:, s : s + chunk]
                n = float(m.sum())
                x = frames[:, s : s + chunk]
                ctx, state = model.context_from_previous(prev[:, s : s + chunk], state)
                state = (state[0].detach(), state[1].detach())
                loss_sum = frame_nll(model.made(x, ctx), x, m).sum()
                if world == 1:
                    (loss_sum / n).backward()
                else:
                    loss_sum.backward()  # divided by every rank's frames together in sync_gradients
                total += float(loss_sum.detach())
                count += n
            if world > 1 and dist_tools.sync_gradients(model.parameters(), n) == 0:
                continue
            if cfg.grad_clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
        loss = total / max(1.0, count)
        real = int(mask.sum())
        self.loss_sum += loss * real
        self.frames += real
        return loss

    def end_epoch(self, val_data: Any, seconds: float, world: int) -> dict[str, float]:  # noqa: ARG002 (the hook's signature)
        valid, _ = evaluate_nll(self.poly, val_data, self.pcfg.eval_batch_size)
        return {"train_loss": self.loss_sum / max(1, self.frames), "val_loss": valid, "lr": self.lr,
                "seconds": seconds}  # fmt: skip

    def judged(self, improved: bool) -> None:
        self.since_lr = 0 if improved else self.since_lr + 1
        if self.since_lr >= self.pcfg.lr_patience:
            self.since_lr = 0
            for group in self.optimizer.param_groups:
                group["lr"] = max(self.pcfg.min_lr, group["lr"] * 0.5)

    def describe(self, epoch: int, record: dict[str, float], improved: bool) -> str:
        return (
            f"epoch {epoch}: train {record['train_loss']:.4f}, validation {record['val_loss']:.4f} "
            f"nats/frame, lr {record['lr']:.1e}, {record['seconds']:.0f} s{'  * best' if improved else ''}"
        )

    def plot(self, history: list[dict[str, float]], path: Path, kind: str) -> None:  # noqa: ARG002 (the hook's signature)
        plot_history(history, path, "polyphonic model", "NLL (nats per frame)")


def train_poly(
    model: PolyModel,
    train_seqs: Sequence[Roll],
    valid_seqs: Sequence[Roll],
    out: str | Path,
    cfg: PolyTrainConfig,
    *,
    resume: bool = False,
    data_info: dict[str, Any] | None = None,
    plot: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train ``model`` in the one loop, keeping the weights with the best validation NLL at ``out``
    (with ``resume``, continue from the checkpoint there). Under ``torchrun`` each process trains on
    its share of every epoch's batches; every rank validates on the whole validation set, so all
    take the same early-stopping and learning-rate decisions; rank 0 writes the checkpoint."""
    return fit(
        model, list(train_seqs), list(valid_seqs), out, kind="poly", architecture="poly", vocab={},
        config=cfg, steps=PolySteps, resume=resume, data_info=data_info, plot=plot, log=log,
    )  # fmt: skip


@dataclass
class BenchResult:
    valid_nll: float
    test_nll: float
    test_frames: int
    train: TrainResult
    params: int
    epochs_run: int


def bench_nll(
    data: dict[str, list[Roll]],
    model: PolyModel,
    out: str | Path,
    cfg: PolyTrainConfig,
    *,
    resume: bool = False,
    data_info: dict[str, Any] | None = None,
    plot: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> BenchResult:
    """The benchmark protocol: train on train, keep the best model by valid, score test once with
    it; the checkpoint ends up holding the selected model with its test numbers (``test_nll``,
    ``test_frames``, ``epochs_run``)."""
    result = train_poly(model, data["traindata"], data["validdata"], out, cfg, resume=resume,
                        data_info=data_info, plot=plot, log=log)  # fmt: skip
    best, ckpt = load_poly(out)
    best.to(next(model.parameters()).device)
    test, frames = evaluate_nll(best, data["testdata"], cfg.eval_batch_size)
    epochs_run = int(result.history[-1]["epoch"]) if result.history else 0
    if dist_tools.rank_and_world()[0] == 0:
        ckpt.update(test_nll=test, test_frames=frames, epochs_run=epochs_run)
        save_checkpoint(out, ckpt)
    params = sum(p.numel() for p in model.parameters())
    return BenchResult(result.best_val, test, frames, result, params, epochs_run)
