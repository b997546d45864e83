"""Training and exact scoring of the polyphonic model on piano-roll sequences.

Scoring follows the benchmark protocol: NLL in nats per frame, summed over the keys of a frame and
averaged over all real frames pooled across sequences (padding never counted)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tunesmith.errors import ModelError
from tunesmith.models import distributed as dist_tools
from tunesmith.models.checkpoint import CHECKPOINT_FORMAT, load_poly, read_checkpoint, save_checkpoint
from tunesmith.models.poly.data import Roll, legal_shifts, length_batches, pad_batch, transpose_roll
from tunesmith.models.poly.poly import PolyModel, frame_nll
from tunesmith.models.train import TrainConfig

Progress = Callable[[int, int, float], None]  # (batch index, batches, running loss)


@dataclass
class PolyTrainConfig(TrainConfig):
    """The shared settings with the polyphonic model's defaults, and what only its loop has. Its
    learning rate halves on a plateau (``lr_patience``, ``min_lr``) instead of the cosine schedule, so
    ``lr_min_ratio`` is unused; ``threads`` is the caller's to set."""

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


@dataclass
class TrainResult:
    best_valid: float
    best_epoch: int
    epochs_run: int
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


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


def _train_batch(
    model: PolyModel, frames: torch.Tensor, mask: torch.Tensor, opt: torch.optim.Optimizer,
    cfg: PolyTrainConfig, *, world: int = 1,
) -> float:
    """One optimisation pass over a padded batch, in BPTT chunks; returns its mean NLL per frame.
    Across processes (``world`` > 1) every rank takes as many steps as the rank with the most chunks
    and each step applies the gradient of all ranks' frames (tunesmith.models.distributed)."""
    prev = torch.cat([torch.zeros_like(frames[:, :1]), frames[:, :-1]], dim=1)
    T = frames.shape[1]
    chunk = cfg.bptt if cfg.bptt > 0 else T
    starts = []
    for s in range(0, T, chunk):
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
            logits = model.made(x, ctx)
            loss_sum = frame_nll(logits, x, m).sum()
            if world == 1:
                (loss_sum / n).backward()
            else:
                loss_sum.backward()  # divided by every rank's frames together in sync_gradients
            total += float(loss_sum.detach())
            count += n
        if world > 1 and dist_tools.sync_gradients(model.parameters(), n) == 0:
            continue
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
    return total / max(1.0, count)


def make_optimizer(model: PolyModel, cfg: PolyTrainConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)


def train(  # noqa: PLR0917 - the loop's inputs, in the order a reader expects them
    model: PolyModel,
    train_seqs: Sequence[Roll],
    valid_seqs: Sequence[Roll],
    cfg: PolyTrainConfig,
    checkpoint: str | Path | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    start_step: int = 0,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    progress: Progress | None = None,
    extra: dict[str, Any] | None = None,
) -> TrainResult:
    """Train on ``train_seqs``, keep the weights with the best validation NLL (written to
    ``checkpoint`` after every improvement, with optimiser state and step) and load them back.

    Under ``torchrun`` (WORLD_SIZE > 1) each process trains on its share of every epoch's batches
    with gradients summed across processes (gloo); every rank validates on the whole validation set
    (so all take the same early-stopping and learning-rate decisions); rank 0 alone writes the
    checkpoint, reports progress and calls ``on_epoch``."""
    rank, world = dist_tools.rank_and_world()
    if world > 1:
        dist_tools.broadcast_parameters(model)
        if rank != 0:
            checkpoint, on_epoch, progress = None, None, None
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    opt = optimizer or make_optimizer(model, cfg)
    start = time.perf_counter()
    best = math.inf
    best_epoch = 0
    best_state: dict[str, torch.Tensor] | None = None
    since_best = 0
    since_lr = 0
    step = start_step
    history: list[dict[str, float]] = []
    epoch = 0
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        data = _augment(train_seqs, cfg.max_transpose, rng)
        batches = dist_tools.share(list(length_batches(data, cfg.batch_size, rng)), rank, world)
        run_sum = 0.0
        run_frames = 0
        for bi, idx in enumerate(batches):
            frames, mask = _to_model(model, *pad_batch([data[i] for i in idx]))
            loss = _train_batch(model, frames, mask, opt, cfg, world=world)
            n = int(mask.sum())
            run_sum += loss * n
            run_frames += n
            step += 1
            if progress is not None:
                progress(bi + 1, len(batches), run_sum / max(1, run_frames))
        valid, _ = evaluate_nll(model, valid_seqs, cfg.eval_batch_size)
        lr = opt.param_groups[0]["lr"]
        row = {"epoch": float(epoch), "train_loss": run_sum / max(1, run_frames), "val_loss": valid, "lr": lr,
               "seconds": time.perf_counter() - start}
        history.append(row)
        if valid < best - 1e-4:
            best, best_epoch, since_best, since_lr = valid, epoch, 0, 0
            best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            if checkpoint is not None:
                info = {"best_valid": best, "epoch": epoch, "train_config": asdict(cfg), **(extra or {})}
                save_checkpoint(checkpoint, checkpoint_dict(model, opt, step, info))
        else:
            since_best += 1
            since_lr += 1
            if since_lr >= cfg.lr_patience:
                since_lr = 0
                for g in opt.param_groups:
                    g["lr"] = max(cfg.min_lr, g["lr"] * 0.5)
        if on_epoch is not None:
            on_epoch(row)
        if since_best >= cfg.patience:
            break
        if cfg.budget_spent(start, world):
            break
    dist_tools.barrier(world)
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(best, best_epoch, epoch, time.perf_counter() - start, history)


@dataclass
class BenchResult:
    valid_nll: float
    test_nll: float
    test_frames: int
    train: TrainResult | None
    params: int


def resume_state(path: str | Path) -> tuple[PolyModel, torch.optim.Optimizer | None, int, dict[str, Any]]:
    """Model, optimiser (with its stored state, or None if the file has none) and step of a checkpoint."""
    model, ckpt = load_poly(path)
    opt = None
    if ckpt.get("optimizer"):
        tc = PolyTrainConfig.from_saved(ckpt["extra"].get("train_config", {}))
        opt = make_optimizer(model, tc)
        opt.load_state_dict(ckpt["optimizer"])  # casts the bfloat16 moments back to the weights' dtype
    return model, opt, int(ckpt.get("step", 0)), ckpt


def bench_nll(  # noqa: PLR0917 - mirrors train()
    data: dict[str, list[Roll]],
    model: PolyModel,
    cfg: PolyTrainConfig,
    checkpoint: str | Path,
    optimizer: torch.optim.Optimizer | None = None,
    start_step: int = 0,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    progress: Progress | None = None,
    extra: dict[str, Any] | None = None,
) -> BenchResult:
    """The benchmark protocol: train on train, keep the best model by valid, score test once; the
    checkpoint ends up holding the selected model with its valid and test numbers."""
    res = train(model, data["traindata"], data["validdata"], cfg, checkpoint, optimizer, start_step,
                on_epoch, progress, extra)
    test, frames = evaluate_nll(model, data["testdata"], cfg.eval_batch_size)
    ckpt = read_checkpoint(checkpoint)
    ckpt["extra"].update(test_nll=test, test_frames=frames, train_seconds=res.seconds,
                         epochs_run=res.epochs_run, history=res.history)
    save_checkpoint(checkpoint, ckpt)
    params = sum(p.numel() for p in model.parameters())
    return BenchResult(res.best_valid, test, frames, res, params)


# ---- checkpoints -------------------------------------------------------------------------------------


def checkpoint_dict(
    model: PolyModel,
    optimizer: torch.optim.Optimizer | None,
    step: int,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything needed to rebuild the exact model and resume training, in the one checkpoint
    format (tunesmith.models.checkpoint)."""
    return {
        "format": CHECKPOINT_FORMAT,
        "kind": "poly",
        "architecture": "poly",
        "config": model.config.to_dict(),
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": _compact_optimizer(optimizer.state_dict()) if optimizer is not None else None,
        "step": step,
        "extra": extra or {},
    }


def _compact_optimizer(state: dict[str, Any]) -> dict[str, Any]:
    """Adam's moment estimates stored as bfloat16: halves the file; load_state_dict casts them back to
    float32 on resume (the weights themselves stay float32, so scoring is unchanged)."""
    out = dict(state)
    out["state"] = {
        k: {n: (t.detach().cpu().to(torch.bfloat16) if n in ("exp_avg", "exp_avg_sq") else t.detach().cpu())
            if isinstance(t, torch.Tensor) else t for n, t in v.items()}
        for k, v in state["state"].items()
    }
    return out
