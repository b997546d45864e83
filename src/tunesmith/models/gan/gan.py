"""A conditional GAN of one-bar melodies (MidiNet line), trained with WGAN-GP.

A bar is a (:data:`CHANNELS`, SLOTS) grid: per sixteenth slot a one-hot over 48 key-normalised
pitches (MIDI 48-95 after transposing the tonic to C; others folded by octaves), HOLD and REST;
the slots a short meter does not use are all zero.

- Conditions per slot (:data:`COND_CHANNELS` channels): the chord's pitch classes (12), whether the
  slot is used (1), the mode (2) and the meter (4), broadcast.
- Generator: noise -> 4 slots -> 8 -> 16 by transposed 1-D convolutions over time; at each
  resolution it also reads the conditions and an encoding of the *previous bar* by a small
  convolutional conditioner (MidiNet's 2-D "conditioner CNN", here over time with pitch as
  channels). Its per-slot softmax is sampled by straight-through Gumbel-softmax, so the critic
  sees one-hot bars like the real ones while gradients still flow.
- Critic: convolutions over the bar, its conditions and the previous bar to one number
  (Wasserstein critic, no normalisation layers; gradient penalty 10).

After training the critic's mean and spread on the training bars are stored, so
:func:`tunesmith.models.gan.api.score` reports standardised scores (0 = a typical corpus bar).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from torch import nn

from tunesmith.errors import TunesmithError
from tunesmith.models.vae.phrases import SLOTS, BarPiece, chroma_table
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

PITCH_LO = 48
N_PITCHES = 48
HOLD_CH, REST_CH = N_PITCHES, N_PITCHES + 1
CHANNELS = N_PITCHES + 2
COND_CHANNELS = 12 + 1 + len(mt.MODES) + len(ct.METERS)

FloatArray = npt.NDArray[np.float32]


@dataclass
class GANConfig:
    z_dim: int = 32
    g_width: int = 64
    d_width: int = 64
    prev_width: int = 32
    gp_weight: float = 10.0
    n_critic: int = 3

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GANConfig:
        return cls(**data)


def gan_config(size: str = "default") -> GANConfig:
    if size == "debug":
        return GANConfig(z_dim=8, g_width=16, d_width=16, prev_width=8, n_critic=2)
    return GANConfig()


# ----- bars as grids -----------------------------------------------------------------------------
def event_channel(event: int) -> int:
    """Grid channel of a melody event (-1 for PAD/BOS: an unused slot)."""
    if event == mt.HOLD:
        return HOLD_CH
    if event == mt.REST:
        return REST_CH
    if event < mt.NOTE_BASE:
        return -1
    pitch = event - mt.NOTE_BASE + mt.PITCH_LO
    return (pitch - PITCH_LO) % 12 + 12 * min(3, max(0, (pitch - PITCH_LO) // 12))


def channel_event(channel: int) -> int:
    if channel == HOLD_CH:
        return mt.HOLD
    if channel == REST_CH:
        return mt.REST
    return mt.note_event(PITCH_LO + channel)


_CHANNEL_OF = np.array([event_channel(e) for e in range(mt.N_EVENTS)], dtype=np.int64)


def grids(events: npt.NDArray[np.int64]) -> FloatArray:
    """One-hot grids (..., CHANNELS, SLOTS) of event bars (..., SLOTS)."""
    ch = _CHANNEL_OF[np.asarray(events)]
    out = np.zeros((*ch.shape, CHANNELS), dtype=np.float32)
    idx = np.nonzero(ch >= 0)
    out[(*idx, ch[idx])] = 1.0
    return np.moveaxis(out, -1, -2)


def conditions(chords: npt.NDArray[np.int64], meter: str | int, mode: int) -> FloatArray:
    """Condition channels (..., COND_CHANNELS, SLOTS) of chord-class bars (..., SLOTS)."""
    meter_id = meter if isinstance(meter, int) else ct.METERS.index(meter)
    chords = np.asarray(chords)
    chroma = chroma_table()[chords]  # (..., SLOTS, 12)
    used = (np.arange(SLOTS) < ct.STEPS_PER_BAR[ct.METERS[meter_id]]).astype(np.float32)
    extra = np.zeros(len(mt.MODES) + len(ct.METERS), dtype=np.float32)
    extra[mode] = 1.0
    extra[len(mt.MODES) + meter_id] = 1.0
    shape = chroma.shape[:-1]
    out = np.concatenate([
        chroma, np.broadcast_to(used[:, None], (*shape, 1)), np.broadcast_to(extra, (*shape, len(extra))),
    ], axis=-1)  # fmt: skip
    return np.ascontiguousarray(np.moveaxis(out, -1, -2), dtype=np.float32)


def grid_events(grid: npt.NDArray[np.float32] | torch.Tensor, meter: str) -> npt.NDArray[np.int64]:
    """Events (..., SLOTS) of grids (..., CHANNELS, SLOTS) (argmax; PAD in unused slots)."""
    arr = grid.detach().numpy() if isinstance(grid, torch.Tensor) else np.asarray(grid)
    best = arr.argmax(axis=-2)
    lookup = np.array([channel_event(c) for c in range(CHANNELS)], dtype=np.int64)
    events = lookup[best]
    events[..., ct.STEPS_PER_BAR[meter] :] = mt.PAD
    return events


# ----- networks ----------------------------------------------------------------------------------
class PrevEncoder(nn.Module):
    """The previous bar at 16, 8 and 4 slots."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.c16 = nn.Conv1d(CHANNELS, width, 3, padding=1)
        self.c8 = nn.Conv1d(width, width, 4, stride=2, padding=1)
        self.c4 = nn.Conv1d(width, width, 4, stride=2, padding=1)

    def forward(self, prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        p16 = F.leaky_relu(self.c16(prev), 0.2)
        p8 = F.leaky_relu(self.c8(p16), 0.2)
        return p16, p8, F.leaky_relu(self.c4(p8), 0.2)


class Generator(nn.Module):
    def __init__(self, c: GANConfig) -> None:
        super().__init__()
        w = c.g_width
        self.prev = PrevEncoder(c.prev_width)
        self.project = nn.Linear(c.z_dim, w * 4)
        self.up8 = nn.ConvTranspose1d(w + c.prev_width + COND_CHANNELS, w, 4, stride=2, padding=1)
        self.up16 = nn.ConvTranspose1d(w + c.prev_width + COND_CHANNELS, w, 4, stride=2, padding=1)
        self.mix = nn.Conv1d(w + c.prev_width + COND_CHANNELS, w, 3, padding=1)
        self.out = nn.Conv1d(w, CHANNELS, 1)
        self.n8, self.n16, self.nmix = nn.BatchNorm1d(w), nn.BatchNorm1d(w), nn.BatchNorm1d(w)
        self.width = w

    def forward(self, z: torch.Tensor, cond: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """Logits (B, CHANNELS, SLOTS)."""
        p16, p8, p4 = self.prev(prev)
        c8 = F.avg_pool1d(cond, 2)
        c4 = F.avg_pool1d(c8, 2)
        h = F.relu(self.project(z)).view(-1, self.width, 4)
        h = F.relu(self.n8(self.up8(torch.cat([h, p4, c4], 1))))
        h = F.relu(self.n16(self.up16(torch.cat([h, p8, c8], 1))))
        h = F.relu(self.nmix(self.mix(torch.cat([h, p16, cond], 1))))
        return self.out(h)


class Critic(nn.Module):
    def __init__(self, c: GANConfig) -> None:
        super().__init__()
        w = c.d_width
        self.c1 = nn.Conv1d(2 * CHANNELS + COND_CHANNELS, w, 3, padding=1)
        self.c2 = nn.Conv1d(w, w, 4, stride=2, padding=1)
        self.c3 = nn.Conv1d(w, 2 * w, 4, stride=2, padding=1)
        self.head = nn.Linear(2 * w * 4, 1)

    def forward(self, bar: torch.Tensor, cond: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """One score per bar (B,): higher = more like the corpus."""
        h = F.leaky_relu(self.c1(torch.cat([bar, cond, prev], 1)), 0.2)
        h = F.leaky_relu(self.c2(h), 0.2)
        h = F.leaky_relu(self.c3(h), 0.2)
        return self.head(h.flatten(1))[:, 0]


class BarGAN(nn.Module):
    """Generator and critic together (one state dict, one checkpoint)."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.config = config
        self.generator = Generator(config)
        self.critic = Critic(config)

    def fake(self, z: torch.Tensor, cond: torch.Tensor, prev: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
        """Generated one-hot bars (straight-through Gumbel-softmax), zero in unused slots."""
        logits = self.generator(z, cond, prev)
        onehot = F.gumbel_softmax(logits, tau=tau, hard=True, dim=1)
        return onehot * cond[:, 12:13]

    @torch.no_grad()
    def sample(
        self, cond: torch.Tensor, prev: torch.Tensor, generator: torch.Generator, temperature: float = 1.0
    ) -> torch.Tensor:
        """Sampled one-hot bars (B, CHANNELS, SLOTS): every slot drawn from the generator's softmax
        at once, then a HOLD that would follow a rest (or start a bar after one) becomes a REST."""
        B = cond.shape[0]
        z = torch.randn(B, self.config.z_dim, generator=generator)
        logits = self.generator(z, cond, prev).transpose(1, 2).double() / max(temperature, 1e-3)  # (B, S, C)
        p = torch.softmax(logits, dim=-1).numpy()
        cdf = np.cumsum(p, axis=-1)
        u = torch.rand(B, SLOTS, 1, generator=generator, dtype=torch.float64).numpy() * cdf[..., -1:]
        choice = (cdf < u).sum(-1).clip(max=CHANNELS - 1)  # (B, S)
        used = cond[:, 12].numpy() > 0
        prev_np = prev.numpy()
        out = np.zeros((B, CHANNELS, SLOTS), dtype=np.float32)
        # Whether a note sounds into the bar: the previous bar's last used slot is a note or HOLD.
        prev_used = prev_np.sum(1) > 0  # (B, S)
        last_slot = np.where(prev_used.any(1), SLOTS - 1 - prev_used[:, ::-1].argmax(1), 0)
        rows = np.arange(B)
        sounding = prev_used.any(1) & (prev_np[rows, :, last_slot].argmax(1) != REST_CH)
        for s in range(SLOTS):
            ch = choice[:, s].copy()
            ch[(ch == HOLD_CH) & ~sounding] = REST_CH
            active = used[:, s]
            out[rows[active], ch[active], s] = 1.0
            sounding = np.where(active, ch != REST_CH, sounding)
        return torch.from_numpy(out)


# ----- data --------------------------------------------------------------------------------------
Arrays = dict[str, npt.NDArray[Any]]


def bar_arrays(pieces: list[BarPiece]) -> tuple[Arrays, Arrays]:
    """Training and validation bars: ``bar`` grids, ``cond`` conditions, ``prev`` previous-bar grids
    (zero for a piece's first bar), plus raw ``events``/``chords``/``meter``/``mode`` for metrics."""
    split: dict[bool, dict[str, list[Any]]] = {
        False: {k: [] for k in ("events", "prev_events", "chords", "meter", "mode")},
        True: {k: [] for k in ("events", "prev_events", "chords", "meter", "mode")},
    }
    for piece in pieces:
        part = split[piece.validation]
        meter_id = ct.METERS.index(piece.meter)
        for b in range(len(piece.events)):
            if not (piece.events[b] >= mt.NOTE_BASE).any():
                continue
            part["events"].append(piece.events[b])
            part["prev_events"].append(piece.events[b - 1] if b else np.zeros(SLOTS, np.int64))
            part["chords"].append(piece.chords[b])
            part["meter"].append(meter_id)
            part["mode"].append(piece.mode)
    if not split[True]["events"] and len(split[False]["events"]) >= 2:
        cut = max(1, len(split[False]["events"]) // 10)
        for k in split[False]:
            split[True][k], split[False][k] = split[False][k][-cut:], split[False][k][:-cut]
    out = []
    for part in (split[False], split[True]):
        if not part["events"]:
            raise TunesmithError("not enough bars with notes and chords to train the GAN")
        events = np.stack(part["events"])
        prev = np.stack(part["prev_events"])
        chords = np.stack(part["chords"])
        meter = np.array(part["meter"], np.int64)
        mode = np.array(part["mode"], np.int64)
        cond = np.stack([conditions(c, int(m), int(d)) for c, m, d in zip(chords, meter, mode, strict=True)])
        out.append(
            {
                "bar": grids(events),
                "prev": grids(prev),
                "cond": cond,
                "events": events,
                "chords": chords,
                "meter": meter,
                "mode": mode,
            }
        )
    return out[0], out[1]


@torch.no_grad()
def critic_scores(
    model: BarGAN, bar: FloatArray, cond: FloatArray, prev: FloatArray, batch: int = 1024
) -> FloatArray:
    model.eval()
    out = [
        model.critic(
            torch.from_numpy(bar[a : a + batch]),
            torch.from_numpy(cond[a : a + batch]),
            torch.from_numpy(prev[a : a + batch]),
        ).numpy()
        for a in range(0, len(bar), batch)
    ]
    return np.concatenate(out).astype(np.float32)
