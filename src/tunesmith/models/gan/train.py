"""Training recipe of the bar GAN: corpus -> bars with chords and previous bars -> WGAN-GP."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from torch import nn

from tunesmith.fileutil import atomic_path
from tunesmith.models import distributed as dist_tools
from tunesmith.models.checkpoint import load_checkpoint, save_checkpoint
from tunesmith.models.distributed import rank_and_world
from tunesmith.models.gan.gan import (
    CHANNELS,
    Arrays,
    BarGAN,
    Critic,
    FloatArray,
    bar_arrays,
    critic_scores,
    gan_config,
    grids,
)
from tunesmith.models.train import Steps, TrainConfig
from tunesmith.models.train import train as fit
from tunesmith.models.vae.phrases import SLOTS, corpus_bar_pieces
from tunesmith.score import Score
from tunesmith.tokens import melody as mt


def fit_gan(
    scores: Sequence[Score] | Iterator[Score],
    out: str | Path,
    *,
    size: str = "default",
    epochs: int = 40,
    batch_size: int = 128,
    lr: float = 3e-4,
    threads: int = 1,
    max_minutes: float | None = None,
    seed: int = 0,
    progress: bool = True,
    resume: bool = False,
    sources: Sequence[str] = (),
    log: Callable[[str], None] | None = None,
    plot: str | Path | None = None,
    ranking_steps: int = 600,
) -> list[dict[str, float]]:
    """Cut ``scores`` into bars, train the GAN of ``size`` into ``out`` (WGAN-GP), then teach its
    critic to rank for ``ranking_steps`` steps; returns the adversarial training history."""
    rank, _ = rank_and_world()
    if rank != 0:
        log = None  # rank 0 reports for all
    pieces, skipped = corpus_bar_pieces(scores)
    train, val = bar_arrays(pieces)
    model = BarGAN(gan_config(size))
    if resume and Path(out).is_file():
        loaded, _ = load_checkpoint(out, "gan")
        assert isinstance(loaded, BarGAN)
        model = loaded
    bars = {"train": len(train["bar"]), "val": len(val["bar"])}
    info = {
        "bars": bars,
        "pieces": len(pieces),
        "skipped": skipped,
        "sources": list(sources),
    }
    if log is not None:
        params = sum(p.numel() for p in model.parameters())
        log(f"gan: {bars['train']} training / {bars['val']} validation bars, {params:,} parameters")
    config = GANTrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        threads=threads,
        max_minutes=max_minutes,
        progress=progress,
    )
    history = fit(
        model, train, val, out, kind="gan", architecture="bar_gan", vocab=mt.vocabulary(), config=config,
        steps=GANSteps, resume=resume, data_info=info, plot=plot, log=log,
    ).history  # fmt: skip
    if rank == 0:  # a short single-process fine-tune of the finished checkpoint
        rank_critic(out, train, steps=10 if size == "debug" else ranking_steps, seed=seed, log=log)
    return history


def rank_critic(
    out: str | Path,
    train: dict[str, Any],
    *,
    steps: int,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> None:
    """Teach the checkpoint's critic to rank (see :func:`tune_critic`) and store
    it with its new statistics on the training bars."""
    model, ckpt = load_checkpoint(out, "gan")
    assert isinstance(model, BarGAN)
    losses = tune_critic(model, train, steps=steps, seed=seed, log=log)
    scores = critic_scores(model, train["bar"][:4096], train["cond"][:4096], train["prev"][:4096])
    ckpt["model"] = model.state_dict()
    ckpt["critic_stats"] = {"mean": float(scores.mean()), "std": float(scores.std() + 1e-6)}
    ckpt["critic_ranking"] = {"steps": steps, "final_loss": float(np.mean(losses[-50:])) if losses else None}
    save_checkpoint(Path(out), ckpt)


# ----- training ----------------------------------------------------------------------------------
@dataclass
class GANTrainConfig(TrainConfig):
    """The shared settings with the GAN's defaults: no weight decay and no clipping (the gradient
    penalty keeps the critic Lipschitz). Its loop keeps every epoch's checkpoint and a constant
    learning rate, so ``patience`` and ``lr_min_ratio`` are unused."""

    epochs: int = 10
    lr: float = 2e-4
    weight_decay: float = 0.0
    grad_clip: float = 0.0


def gradient_penalty(
    critic: Critic, real: torch.Tensor, fake: torch.Tensor, cond: torch.Tensor, prev: torch.Tensor
) -> torch.Tensor:
    alpha = torch.rand(real.shape[0], 1, 1)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grad = torch.autograd.grad(critic(mixed, cond, prev).sum(), mixed, create_graph=True)[0]
    return ((grad.flatten(1).norm(dim=1) - 1.0) ** 2).mean()


def plot_gan(history: list[dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [h["wasserstein"] for h in history], marker="o", label="Wasserstein estimate (train)")
    ax.plot(
        epochs, [h["val_wasserstein"] for h in history], marker="o", label="Wasserstein estimate (validation)"
    )
    ax.plot(epochs, [h["generator_loss"] for h in history], marker=".", label="generator loss")
    ax.set_xlabel("epoch")
    ax.set_title("bar GAN (WGAN-GP)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


class GANSteps(Steps):
    """The bar GAN inside the one training loop: WGAN-GP, ``n_critic`` critic steps per generator step,
    each with its own Adam; across processes each rank draws its own noise and the critic's and the
    generator's gradients are averaged before each of their steps (tunesmith.models.distributed). The
    checkpoint is rewritten after every epoch, with the critic's statistics on the training bars."""

    unit = "bars"
    keep_every_epoch = True
    val_key = "val_wasserstein"

    def __init__(self, model: nn.Module, cfg: TrainConfig) -> None:
        assert isinstance(model, BarGAN)
        self.model = self.net = self.gan = model
        self.cfg = cfg
        betas = (0.5, 0.9)
        self.opt_g = torch.optim.Adam(
            model.generator.parameters(), lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay
        )
        self.opt_d = torch.optim.Adam(
            model.critic.parameters(), lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay
        )

    def optimizer_state(self) -> Any:
        return {"generator": self.opt_g.state_dict(), "critic": self.opt_d.state_dict()}

    def load_optimizer_state(self, state: Any) -> None:
        self.opt_g.load_state_dict(state["generator"])
        self.opt_d.load_state_dict(state["critic"])

    def distribute(self, rank: int, world: int) -> None:  # noqa: ARG002 (the hook's signature)
        dist_tools.broadcast_parameters(self.model)
        torch.manual_seed(self.cfg.seed * 1_000 + rank)  # each rank its own noise

    def start_epoch(self, epoch: int, total_epochs: int) -> None:  # noqa: ARG002 (the hook's signature)
        self.sums = {"wasserstein": 0.0, "critic_loss": 0.0, "generator_loss": 0.0}
        self.d_steps = self.g_steps = 0

    def batches(self, n: int, rng: np.random.Generator, rank: int, world: int) -> list[npt.NDArray[np.int64]]:
        size = self.cfg.batch_size
        order = rng.permutation(n)
        batches = [order[a : a + size] for a in range(0, n - size + 1, size)] or [order]
        return dist_tools.share(batches, rank, world)

    def step(self, batch: dict[str, torch.Tensor], index: int, world: int) -> float:
        model, c, cfg = self.gan, self.gan.config, self.cfg
        real, cond, prev = batch["bar"], batch["cond"], batch["prev"]
        z = torch.randn(len(real), c.z_dim)
        with torch.no_grad():
            fake = model.fake(z, cond, prev)
        d_real, d_fake = model.critic(real, cond, prev).mean(), model.critic(fake, cond, prev).mean()
        gp = gradient_penalty(model.critic, real, fake, cond, prev)
        d_loss = d_fake - d_real + c.gp_weight * gp
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        if world > 1:
            dist_tools.sync_gradients(model.critic.parameters(), 1.0)
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.critic.parameters(), cfg.grad_clip)
        self.opt_d.step()
        self.sums["wasserstein"] += float((d_real - d_fake).detach())
        self.sums["critic_loss"] += float(d_loss.detach())
        self.d_steps += 1
        if (index + 1) % c.n_critic == 0:
            z = torch.randn(len(real), c.z_dim)
            g_loss = -model.critic(model.fake(z, cond, prev), cond, prev).mean()
            self.opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            if world > 1:
                dist_tools.sync_gradients(model.generator.parameters(), 1.0)
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.generator.parameters(), cfg.grad_clip)
            self.opt_g.step()
            self.sums["generator_loss"] += float(g_loss.detach())
            self.g_steps += 1
        return float((d_real - d_fake).detach())

    def end_epoch(self, val_data: Arrays, seconds: float, world: int) -> dict[str, float]:  # noqa: ARG002 (the hook's signature)
        return {
            "wasserstein": self.sums["wasserstein"] / max(1, self.d_steps),
            "critic_loss": self.sums["critic_loss"] / max(1, self.d_steps),
            "generator_loss": self.sums["generator_loss"] / max(1, self.g_steps),
            "val_wasserstein": validation_wasserstein(self.gan, val_data, self.cfg.seed),
            "seconds": seconds,
        }

    def describe(self, epoch: int, record: dict[str, float], improved: bool) -> str:  # noqa: ARG002 (the hook's signature)
        return (
            f"epoch {epoch}: Wasserstein estimate {record['wasserstein']:.3f} "
            f"(validation {record['val_wasserstein']:.3f}), "
            f"generator loss {record['generator_loss']:.3f}, {record['seconds']:.0f} s"
        )

    def checkpoint_extra(self, train_data: Arrays, record: dict[str, float]) -> dict[str, Any]:
        head = {k: train_data[k][:4096] for k in ("bar", "cond", "prev")}
        scores = critic_scores(self.gan, head["bar"], head["cond"], head["prev"])
        return {
            "best_val": record["val_wasserstein"],  # this epoch's: a GAN keeps every epoch
            "critic_stats": {"mean": float(scores.mean()), "std": float(scores.std() + 1e-6)},
        }

    def plot(self, history: list[dict[str, float]], path: Path, kind: str) -> None:  # noqa: ARG002 (the hook's signature)
        plot_gan(history, path)


def corrupted_bars(
    events: npt.NDArray[np.int64], cond: FloatArray, rng: np.random.Generator
) -> dict[str, FloatArray]:
    """Negative examples made from real bars (N, SLOTS): ``random`` (every used slot a random
    channel), ``pitch-shuffled`` (the bar's rhythm, its pitches permuted and transposed by up to a
    fifth) and ``wrong-chord`` (handled by the caller: the bar under another bar's conditions)."""
    used = cond[:, 12] > 0
    rand_channels = np.where(used, rng.integers(0, CHANNELS, size=used.shape), -1)
    rand = np.zeros((len(events), CHANNELS, SLOTS), dtype=np.float32)
    rows, slots = np.nonzero(rand_channels >= 0)
    rand[rows, rand_channels[rows, slots], slots] = 1.0
    shuffled = events.copy()
    for row in shuffled:
        onsets = np.nonzero(row >= mt.NOTE_BASE)[0]
        pitches = row[onsets] + rng.integers(-7, 8)
        row[onsets] = np.clip(rng.permutation(pitches), mt.NOTE_BASE, mt.N_EVENTS - 1)
    return {"random": rand, "pitch-shuffled": grids(shuffled)}


def tune_critic(
    model: BarGAN,
    train: Arrays,
    *,
    steps: int = 300,
    batch_size: int = 128,
    lr: float = 1e-4,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> list[float]:
    """Teach the critic to rank, after adversarial training: a logistic loss puts corpus bars above
    generated bars, random bars, pitch-shuffled bars and real bars under another bar's chords.
    (A Wasserstein critic only has to separate the corpus from the current generator; bars far
    from both, like random ones, get arbitrary values, which makes it a poor scorer without this.)
    Returns the loss per step."""
    rng = np.random.default_rng(seed + 7)
    g = torch.Generator().manual_seed(seed + 7)
    opt = torch.optim.Adam(model.critic.parameters(), lr=lr, betas=(0.5, 0.9))
    losses = []
    n = len(train["bar"])
    for step in range(steps):
        idx = rng.choice(n, size=min(batch_size, n), replace=False)
        real = torch.from_numpy(train["bar"][idx])
        cond = torch.from_numpy(train["cond"][idx])
        prev = torch.from_numpy(train["prev"][idx])
        bad = corrupted_bars(train["events"][idx], train["cond"][idx], rng)
        model.generator.eval()
        fake = model.sample(cond, prev, g)
        other = torch.from_numpy(train["cond"][rng.permutation(idx)])
        model.critic.train()
        pos = model.critic(real, cond, prev)
        negs = [model.critic(fake, cond, prev), model.critic(real, other, prev)]
        negs += [model.critic(torch.from_numpy(b), cond, prev) for b in bad.values()]
        loss = F.softplus(-pos).mean() + sum(F.softplus(x).mean() for x in negs) / len(negs)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        if log is not None and (step + 1) % 100 == 0:
            log(f"critic ranking step {step + 1}/{steps}: loss {np.mean(losses[-100:]):.3f}")
    model.eval()
    return losses


@torch.no_grad()
def validation_wasserstein(model: BarGAN, val: Arrays, seed: int) -> float:
    """Critic's mean on held-out real bars minus its mean on generated bars for their conditions."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    cond, prev = torch.from_numpy(val["cond"][:2048]), torch.from_numpy(val["prev"][:2048])
    z = torch.randn(len(cond), model.config.z_dim, generator=g)
    fake = (
        F.one_hot(model.generator(z, cond, prev).argmax(1), CHANNELS).transpose(1, 2).float() * cond[:, 12:13]
    )
    real = torch.from_numpy(val["bar"][:2048])
    return float(model.critic(real, cond, prev).mean() - model.critic(fake, cond, prev).mean())
