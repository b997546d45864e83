"""Training recipe of the bar GAN: corpus -> bars with chords and previous bars -> WGAN-GP."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tunesmith.models.gan import (
    BarGAN,
    GANTrainConfig,
    bar_arrays,
    critic_scores,
    gan_config,
    train_gan,
    tune_critic,
)
from tunesmith.models.phrases import corpus_bar_pieces
from tunesmith.score import Score


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
    from tunesmith.models.distributed import rank_and_world

    rank, _ = rank_and_world()
    if rank != 0:
        log = None  # rank 0 reports for all
    pieces, skipped = corpus_bar_pieces(scores)
    train, val = bar_arrays(pieces)
    model = BarGAN(gan_config(size))
    if resume and Path(out).is_file():
        from tunesmith.models.train import load_checkpoint

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
    history = train_gan(
        model, train, val, out, config=config, resume=resume, data_info=info, plot=plot, log=log
    )
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
    """Teach the checkpoint's critic to rank (see :func:`tunesmith.models.gan.tune_critic`) and store
    it with its new statistics on the training bars."""
    from tunesmith.models.train import load_checkpoint, save_checkpoint

    model, ckpt = load_checkpoint(out, "gan")
    assert isinstance(model, BarGAN)
    losses = tune_critic(model, train, steps=steps, seed=seed, log=log)
    scores = critic_scores(model, train["bar"][:4096], train["cond"][:4096], train["prev"][:4096])
    ckpt["model"] = model.state_dict()
    ckpt["critic_stats"] = {"mean": float(scores.mean()), "std": float(scores.std() + 1e-6)}
    ckpt["critic_ranking"] = {"steps": steps, "final_loss": float(np.mean(losses[-50:])) if losses else None}
    save_checkpoint(Path(out), ckpt)
