"""The one checkpoint format of every tunesmith model, and the table that rebuilds each network.

A checkpoint is a ``torch.save`` dict of plain values and tensors, loaded with
``torch.load(weights_only=True)`` (a checkpoint is data, never code: a crafted pickle would run code
on load). Its keys: ``format`` (:data:`CHECKPOINT_FORMAT`), ``kind`` (what it is for: 'melody',
'chords', 'vae', 'gan', 'poly'), ``architecture`` (a key of :data:`BUILDERS`), ``config`` (the
network's config as a dict), ``model`` (the weights), and what its trainer keeps besides
(tunesmith.models.train: ``optimizer``, ``step``, ``epoch``, ``best_val``, ``history``, ``vocab``,
``train_config``, ``data``, and each family's own keys).

Older polyphonic-model files (``kind: tunesmith-poly`` without ``format``, or ``kind: poly`` with its
trainer's keys nested under ``extra``) are rewritten by ``scripts/convert_checkpoints.py``; the
loader names that script when it meets one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tunesmith.errors import ModelError
from tunesmith.fileutil import atomic_path
from tunesmith.models.gan.gan import BarGAN, GANConfig
from tunesmith.models.poly.poly import PolyConfig, PolyModel
from tunesmith.models.rnn.rnn import ConditionedLSTM, LSTMConfig
from tunesmith.models.vae.vae import PhraseVAE, VAEConfig

CHECKPOINT_FORMAT = 1
OLD_POLY_KIND = "tunesmith-poly"
"""The polyphonic model's checkpoints before the one format (no ``format``/``architecture``)."""


BUILDERS: dict[str, Callable[[dict[str, Any]], nn.Module]] = {
    "conditioned_lstm": lambda config: ConditionedLSTM(LSTMConfig.from_dict(config)),
    "phrase_vae": lambda config: PhraseVAE(VAEConfig.from_dict(config)),
    "bar_gan": lambda config: BarGAN(GANConfig.from_dict(config)),
    "poly": lambda config: PolyModel(PolyConfig.from_dict(config)),
}
"""Architecture -> the network built from its stored config: every family, listed here (the
networks' modules never import this one; their trainers and loaders do)."""


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` atomically (a crash leaves the previous file whole)."""
    with atomic_path(Path(path)) as tmp:
        torch.save(payload, tmp)


def read_checkpoint(path: str | Path, kind: str | None = None) -> dict[str, Any]:
    """The checkpoint dict, checked to be this format (and of ``kind`` when given).

    ModelError when the file is missing, unreadable, of an older format, or of another kind."""
    file = Path(path)
    if not file.is_file():
        raise ModelError(f"{file}: checkpoint not found")
    try:
        ckpt = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a corrupt or crafted file
        raise ModelError(f"{file}: not a readable checkpoint ({type(err).__name__}: {err})") from err
    if isinstance(ckpt, dict) and (ckpt.get("kind") == OLD_POLY_KIND or is_nested_poly(ckpt)):
        raise ModelError(
            f"{file}: an older polyphonic-model checkpoint; convert it with "
            f"`python scripts/convert_checkpoints.py {file}`"
        )
    if not isinstance(ckpt, dict) or "model" not in ckpt or "config" not in ckpt:
        raise ModelError(f"{file}: not a tunesmith checkpoint (no model weights or config)")
    if kind is not None and ckpt.get("kind") != kind:
        raise ModelError(f"{file}: holds a {ckpt.get('kind')!r} model, expected {kind!r}")
    return ckpt


def is_nested_poly(ckpt: dict[str, Any]) -> bool:
    """A polyphonic-model checkpoint from before its trainer joined the one loop (``extra`` holds
    its epoch, best validation NLL, history and training config)."""
    return ckpt.get("kind") == "poly" and isinstance(ckpt.get("extra"), dict)


def bare_checkpoint(kind: str, architecture: str, model: nn.Module) -> dict[str, Any]:
    """A checkpoint of ``model``'s config and weights alone (nothing to resume training from)."""
    return {
        "format": CHECKPOINT_FORMAT, "kind": kind, "architecture": architecture,
        "config": asdict(model.config),  # type: ignore[call-overload]
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }  # fmt: skip


def build(ckpt: dict[str, Any], source: str | Path = "checkpoint") -> nn.Module:
    """The network a checkpoint dict describes, with its weights, in eval mode."""
    builder = BUILDERS.get(str(ckpt.get("architecture", "")))
    if builder is None:
        raise ModelError(f"{source}: unknown architecture {ckpt.get('architecture')!r}")
    try:
        model = builder(ckpt["config"])
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, TypeError, KeyError, ValueError) as err:
        raise ModelError(f"{source}: weights do not match the stored config ({err})") from err
    model.eval()
    return model


def load_checkpoint(path: str | Path, kind: str | None = None) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the exact model a checkpoint was trained as: (model in eval mode, checkpoint dict)."""
    ckpt = read_checkpoint(path, kind)
    return build(ckpt, path), ckpt


def load_poly(path: str | Path) -> tuple[PolyModel, dict[str, Any]]:
    """The polyphonic model stored at ``path`` (in eval mode) with its checkpoint dict."""
    model, ckpt = load_checkpoint(path, "poly")
    assert isinstance(model, PolyModel)
    return model, ckpt
