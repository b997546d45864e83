"""Polyphonic piano-roll model with an exact likelihood: an LSTM over frames + a MADE over the keys.

A frame is a binary vector over ``n_keys`` keys (key k is MIDI pitch ``lowest_pitch + k``). The model
factorises p(frame_t | frames_<t) autoregressively over the keys of the frame, in a fixed order from
the highest key down (MADE masks, Germain et al. 2015), conditioned on the LSTM state after frames < t.
A fixed ordering makes every frame distribution a proper distribution over all 2^K vectors, so the
negative log-likelihood is exact, never a bound. Going from the top key down means that fixing a
melody note and every key above it is exact conditioning, which is what the harmonizer uses.

Shapes: B batch, T frames, K keys, H LSTM size, M MADE hidden size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from tunesmith.errors import ModelError


@dataclass
class PolyConfig:
    n_keys: int = 88
    lowest_pitch: int = 21  # MIDI pitch of key 0 (A0 for the 88-key layout)
    lstm_size: int = 256
    lstm_layers: int = 2
    made_size: int = 512
    made_layers: int = 2
    dropout: float = 0.3  # on the LSTM output and between MADE layers
    key_dropout: float = 0.0  # training only: notes of the LSTM's input frame are dropped with this p

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolyConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ModelError(f"poly config has unknown fields {sorted(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def key_degrees(n_keys: int) -> torch.Tensor:
    """MADE degree of each key: 1 for the highest key (predicted first) up to K for the lowest."""
    return torch.arange(n_keys, 0, -1)


class MaskedLinear(nn.Linear):
    """A linear layer whose weight is multiplied by a fixed 0/1 connectivity mask."""

    mask: torch.Tensor

    def __init__(self, n_in: int, n_out: int, mask: torch.Tensor, bias: bool = True) -> None:
        super().__init__(n_in, n_out, bias=bias)
        self.register_buffer("mask", mask.to(torch.float32), persistent=False)  # (n_out, n_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.mask, self.bias)


class ConditionalMADE(nn.Module):
    """logits(x, ctx): logit of key k depends on ctx and on the keys predicted before k only."""

    def __init__(self, n_keys: int, ctx_size: int, size: int, layers: int, dropout: float) -> None:
        super().__init__()
        d_in = key_degrees(n_keys)
        # Hidden degrees spread evenly over 1..K-1 so every key gets the same share of units.
        d_hidden = [torch.arange(size) % max(1, n_keys - 1) + 1 for _ in range(layers)]
        self.hidden = nn.ModuleList()
        self.context = nn.ModuleList()
        prev = d_in
        for i, deg in enumerate(d_hidden):
            n_prev = n_keys if i == 0 else size
            self.hidden.append(MaskedLinear(n_prev, size, deg[:, None] >= prev[None, :]))
            self.context.append(nn.Linear(ctx_size, size, bias=False))
            prev = deg
        self.out = MaskedLinear(size if layers else n_keys, n_keys, d_in[:, None] > prev[None, :])
        # A direct autoregressive linear path from the keys already decided to each key's logit.
        self.direct = MaskedLinear(n_keys, n_keys, d_in[:, None] > d_in[None, :], bias=False)
        self.out_context = nn.Linear(ctx_size, n_keys)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
        """x: (..., K) the frame's keys (only earlier keys influence each logit); ctx: (..., H)."""
        h = x
        for layer, cond in zip(self.hidden, self.context, strict=True):
            h = self.drop(torch.relu(layer(h) + cond(ctx)))
        return self.out(h) + self.direct(x) + self.out_context(ctx)


class PolyModel(nn.Module):
    def __init__(self, config: PolyConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.lstm = nn.LSTM(c.n_keys, c.lstm_size, c.lstm_layers, batch_first=True,
                            dropout=c.dropout if c.lstm_layers > 1 else 0.0)
        self.drop = nn.Dropout(c.dropout)
        self.made = ConditionalMADE(c.n_keys, c.lstm_size + c.n_keys, c.made_size, c.made_layers, c.dropout)

    def context(
        self, frames: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Conditioning for each frame t of ``frames`` (B, T, K), from the frames before it.

        The LSTM reads the frames shifted right by one (a zero frame first, or the last frame seen
        when ``state`` continues a sequence is handled by the caller). Returns ctx (B, T, H+K) and the
        LSTM state after the last input frame."""
        prev = torch.cat([torch.zeros_like(frames[:, :1]), frames[:, :-1]], dim=1)
        return self.context_from_previous(prev, state)

    def context_from_previous(
        self, prev: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """ctx for frames whose previous frames are ``prev`` (B, T, K); see context()."""
        inp = prev
        if self.training and self.config.key_dropout > 0:
            keep = torch.rand_like(inp) >= self.config.key_dropout
            inp = inp * keep
        out, new_state = self.lstm(inp, state)
        ctx = torch.cat([self.drop(out), prev], dim=-1)  # the previous frame also feeds the MADE directly
        return ctx, new_state

    def forward(
        self, frames: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """frames: (B, T, K) 0/1; mask: (B, T) 1 for real frames, 0 for padding.

        Returns logits (B, T, K) and the loss: NLL in nats per real frame (summed over keys)."""
        ctx, _ = self.context(frames)
        logits = self.made(frames, ctx)
        return logits, frame_nll(logits, frames, mask).sum() / _count(frames, mask)


def frame_nll(logits: torch.Tensor, frames: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """(B, T) NLL of each frame in nats, summed over keys; padding frames give 0."""
    nll = F.binary_cross_entropy_with_logits(logits, frames, reduction="none").sum(-1)
    return nll if mask is None else nll * mask


def _count(frames: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    if mask is None:
        return torch.tensor(float(frames.shape[0] * frames.shape[1]))
    return mask.sum().clamp_min(1.0)
