"""`tunesmith tune --from-feedback`: fine-tune the melody LSTM on well-rated generated pieces.

Reward-weighted maximum likelihood: every window of a piece rated ``min_stars`` or more is trained
on with weight (stars - 3) / 2 (4 stars: 0.5, 5 stars: 1.0; a piece rated by several listeners gets
their mean), so the model moves most toward what was liked most. A small learning rate and a few
epochs keep it close to the model it starts from. The result is a new versioned checkpoint
(``<data dir>/checkpoints/melody-feedback-vNNN.pt``); earlier ones, and the shipped model, are kept,
and tunesmith.models.rnn.api loads the newest one for composing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.corpus.library import piece_score
from tunesmith.errors import TunesmithError
from tunesmith.models.checkpoint import load_checkpoint, save_checkpoint
from tunesmith.models.rnn.api import current_melody_checkpoint, tuned_melody_checkpoints
from tunesmith.models.rnn.data import melody_step_conditions, windows
from tunesmith.paths import data_dir
from tunesmith.store.models import Piece, Rating, User
from tunesmith.tokens import melody as mt

Arrays = dict[str, npt.NDArray[np.int64]]


@dataclass
class TuneResult:
    checkpoint: Path
    previous: Path
    pieces: int
    windows: int
    mean_reward: float
    loss_before: float
    loss_after: float


def rewarded_pieces(store: Any, user: str | None, min_stars: int) -> list[tuple[Any, float]]:
    """(score, reward) of generated pieces whose mean rating (by ``user``, or everyone) is >= min_stars."""
    from sqlalchemy import select

    out = []
    with store.session() as session:
        query = select(Rating).join(Piece).where(Piece.source == "generated")
        if user is not None:
            query = query.join(User).where(User.name == user)
        by_piece: dict[int, list[int]] = {}
        for rating in session.scalars(query):
            by_piece.setdefault(rating.piece_id, []).append(rating.stars)
        for piece_id, stars in sorted(by_piece.items()):
            mean = sum(stars) / len(stars)
            if mean >= min_stars:
                piece = session.get(Piece, piece_id)
                try:
                    out.append((piece_score(piece), (mean - 3.0) / 2.0))
                except TunesmithError:
                    continue  # a piece whose file cannot be read teaches nothing
    return out


def reward_windows(
    pieces: list[tuple[Any, float]], length: int = 128, stride: int = 64
) -> tuple[Arrays, Any]:
    """Training windows (as tunesmith.models.rnn.data builds them) and a weight per window."""
    items: list[dict[str, npt.NDArray[np.int64]]] = []
    weights: list[float] = []
    for score, reward in pieces:
        try:
            enc = mt.encode_score(score, end=mt.meter_span_end(score))
        except TunesmithError:
            continue
        if not enc.chords.any():
            continue
        made = windows(
            enc.events, melody_step_conditions(enc),
            {"meter": enc.meter_id, "mode": enc.mode_id, "style": enc.style_id},
            length=length, stride=stride, bos=mt.BOS, pad=mt.PAD,
        )  # fmt: skip
        items.extend(made)
        weights.extend([reward] * len(made))
    if not items:
        raise TunesmithError("no usable training windows in the well-rated pieces (need melody and chords)")
    arrays = {name: np.stack([it[name] for it in items]) for name in items[0]}
    return arrays, np.asarray(weights, dtype=np.float32)


def _weighted_loss(net: Any, batch: dict[str, Any], weights: Any, pad_id: int) -> Any:
    import torch.nn.functional as F

    logits, _ = net(**{k: v for k, v in batch.items() if k != "targets"})
    targets = batch["targets"]
    ce = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=pad_id, reduction="none")  # (B, T)
    mask = (targets != pad_id).float()
    per_window = (ce * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
    return (per_window * weights).sum() / weights.sum().clamp(min=1e-9)


def tune_from_feedback(
    store: Any,
    *,
    user: str | None = None,
    min_stars: int = 4,
    epochs: int = 3,
    lr: float = 3e-4,
    batch_size: int = 16,
    seed: int = 0,
    base: str | Path | None = None,
    folder: Path | None = None,
    threads: int = 1,
) -> TuneResult:
    """Fine-tune the newest melody model on rated pieces; returns where the new checkpoint went."""
    import torch

    if min_stars < 4:
        raise TunesmithError("min_stars: below 4 the reward (stars - 3) / 2 is not positive; allowed: 4 or 5")
    pieces = rewarded_pieces(store, user, min_stars)
    if not pieces:
        who = f"by {user!r} " if user else ""
        raise TunesmithError(f"no generated piece is rated {min_stars}+ stars {who}yet: rate some first")
    start = Path(base) if base is not None else current_melody_checkpoint(folder)
    net, ckpt = load_checkpoint(start, "melody")
    arrays, weights = reward_windows(pieces)
    pad_id = int(getattr(net.config, "pad_id", 0))
    torch.set_num_threads(max(1, threads))  # the machine is shared; one thread is the fair share
    torch.manual_seed(seed)
    tensors = {k: torch.from_numpy(v) for k, v in arrays.items()}
    w_all = torch.from_numpy(weights)

    def loss_on_all() -> float:
        net.eval()
        with torch.no_grad():
            return float(_weighted_loss(net, tensors, w_all, pad_id))

    before = loss_on_all()
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.0)
    rng = np.random.default_rng(seed)
    n = len(weights)
    for _ in range(epochs):
        net.train()
        for idx in np.array_split(rng.permutation(n), max(1, math.ceil(n / batch_size))):
            index = torch.from_numpy(idx)
            batch = {k: v[index] for k, v in tensors.items()}
            loss = _weighted_loss(net, batch, w_all[index], pad_id)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
    after = loss_on_all()
    existing = tuned_melody_checkpoints(folder)
    target_dir = existing[-1].parent if existing else _default_folder(folder)
    version = len(existing) + 1
    target = target_dir / f"melody-feedback-v{version:03d}.pt"
    payload = dict(ckpt)
    payload.update({
        "model": net.state_dict(), "optimizer": optimizer.state_dict(), "tuned_from": str(start),
        "feedback": {"pieces": len(pieces), "windows": n, "min_stars": min_stars, "user": user,
                     "epochs": epochs, "lr": lr, "loss_before": before, "loss_after": after},
    })  # fmt: skip
    save_checkpoint(target, payload)
    return TuneResult(target, start, len(pieces), n, float(weights.mean()), before, after)


def _default_folder(folder: Path | None) -> Path:
    path = folder if folder is not None else data_dir() / "checkpoints"
    path.mkdir(parents=True, exist_ok=True)
    return path
