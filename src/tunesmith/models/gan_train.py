"""Training recipe of the bar GAN: corpus -> bars with chords and previous bars -> WGAN-GP."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from tunesmith.models.gan import BarGAN, GANTrainConfig, bar_arrays, gan_config, train_gan
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
) -> list[dict[str, float]]:
    """Cut ``scores`` into bars and train the GAN of ``size`` into ``out``; returns the history."""
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
        log(
            f"gan: {bars['train']} training / {bars['val']} validation bars, "
            f"{params:,} parameters"
        )
    config = GANTrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        threads=threads,
        max_minutes=max_minutes,
        progress=progress,
    )
    return train_gan(model, train, val, out, config=config, resume=resume, data_info=info, plot=plot, log=log)
