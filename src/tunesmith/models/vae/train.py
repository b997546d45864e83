"""Training recipe of the phrase VAE: corpus -> phrases -> the shared training loop -> attribute vectors.

After training, the checkpoint also gets the *attribute vectors* (see
:mod:`tunesmith.models.vae.api`): for each melodic feature, the mean latent of the training phrases
in its top quarter minus the mean latent of those in its bottom quarter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tunesmith.models.checkpoint import load_checkpoint, save_checkpoint
from tunesmith.models.distributed import rank_and_world
from tunesmith.models.train import TrainConfig, TrainResult, train
from tunesmith.models.vae.api import ATTRIBUTES, attribute_values
from tunesmith.models.vae.phrases import corpus_bar_pieces
from tunesmith.models.vae.vae import PhraseVAE, phrase_dataset, vae_config
from tunesmith.score import Score
from tunesmith.tokens import melody as mt


def fit_vae(
    scores: Sequence[Score] | Iterator[Score],
    out: str | Path,
    *,
    size: str = "default",
    config: TrainConfig | None = None,
    resume: bool = False,
    sources: Sequence[str] = (),
    log: Callable[[str], None] | None = None,
    plot: str | Path | None = None,
) -> TrainResult:
    """Cut ``scores`` into phrases, train the VAE of ``size`` into ``out`` and add attribute vectors."""
    rank, _ = rank_and_world()  # under torchrun, train() runs data-parallel; rank 0 reports and writes
    if rank != 0:
        log = None
    pieces, skipped = corpus_bar_pieces(scores)
    if resume and Path(out).is_file():
        loaded, previous = load_checkpoint(out, "vae")
        assert isinstance(loaded, PhraseVAE)
        model = loaded
        if "optimizer" not in previous:
            # The shipped checkpoint keeps weights only (small): fine-tune them with a fresh optimiser.
            resume = False
            if log is not None:
                log(f"{out}: no optimiser state (a shipped copy); fine-tuning its weights from epoch 1")
    else:
        model = PhraseVAE(vae_config(size))
    train_arrays, val_arrays, info = phrase_dataset(pieces, model.config)
    info.update({"pieces": len(pieces), "skipped": skipped, "sources": list(sources)})
    if log is not None:
        log(
            f"vae: {info['phrases']['train']} training / {info['phrases']['val']} validation phrases "
            f"({info['by_length']} by bars), {model.num_parameters():,} parameters"
        )
    result = train(
        model, train_arrays, val_arrays, out, kind="vae", architecture="phrase_vae",
        vocab=mt.vocabulary(), config=config, resume=resume, data_info=info, log=log, plot=plot,
    )  # fmt: skip
    if rank != 0:
        return result
    best, ckpt = load_checkpoint(out, "vae")
    assert isinstance(best, PhraseVAE)
    ckpt["attributes"] = attribute_vectors(best, train_arrays, {a: attribute_values(a) for a in ATTRIBUTES})
    save_checkpoint(Path(out), ckpt)
    if log is not None:
        log(f"attribute vectors: {', '.join(ckpt['attributes'])}")
    return result


@torch.no_grad()
def posterior_means(model: PhraseVAE, arrays: dict[str, Any], batch: int = 512) -> np.ndarray:
    model.eval()
    out = []
    for a in range(0, len(arrays["bars"]), batch):
        t = {k: torch.from_numpy(v[a : a + batch]) for k, v in arrays.items()}
        mu, _ = model.encode(t["targets"], t["chords"], t["bars"])
        out.append(mu.numpy())
    return np.concatenate(out)


def attribute_vectors(
    model: PhraseVAE,
    arrays: dict[str, Any],
    features: dict[str, Callable[[np.ndarray, int], float]],
    quantile: float = 0.25,
) -> dict[str, list[float]]:
    """Per feature: mean latent of the top ``quantile`` of phrases minus that of the bottom one
    (by rank, so a feature with many ties, like rests, still splits)."""
    means = posterior_means(model, arrays)
    out: dict[str, list[float]] = {}
    k = max(1, int(len(means) * quantile))
    for name, feature in features.items():
        values = np.array([feature(arrays["targets"][i], int(arrays["bars"][i])) for i in range(len(means))])
        order = np.argsort(values, kind="stable")
        low, high = order[:k], order[-k:]
        if values[high].mean() <= values[low].mean():
            continue
        out[name] = (means[high].mean(0) - means[low].mean(0)).astype(float).tolist()
    return out
