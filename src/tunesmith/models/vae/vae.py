"""A MusicVAE-style variational autoencoder of melody phrases (2, 4 or 8 bars), hierarchical by bar.

- Encoder: a bidirectional LSTM reads the phrase's events (key-normalised melody events of
  :mod:`tunesmith.tokens.melody`, :data:`~tunesmith.models.vae.phrases.SLOTS` slots per bar) with the chord
  under each step; its two final states give the posterior's mean and log-variance.
- Conductor: an LSTM started from the latent vector emits one embedding per bar.
- Bar decoder: an LSTM that starts afresh at every bar from the conductor's embedding for that
  bar (so it cannot ignore the latent by carrying everything in its own state, as flat decoders
  of long sequences do) and predicts the bar's events one slot at a time from the previous event,
  the chord, the slot and the meter.

Batches (the shared training loop's dict of arrays): ``targets`` (B, MAX_BARS, SLOTS) events, PAD in
unused slots and bars; ``inputs`` the same shifted one slot (the first slot of a bar sees the last
event of the previous bar, BOS for the first bar); ``chords`` (B, MAX_BARS, SLOTS) chord classes;
``meter`` (B,); ``bars`` (B,) the phrase length in bars.

Objective: cross-entropy per step plus ``beta`` times the KL divergence above a free allowance of
``free_nats_per_bar`` nats per bar (free bits: the first nats of information in the latent cost
nothing, so it is used), with ``beta`` annealed from 0 over ``anneal_steps`` training steps.
Losses are per (non-PAD) step so the training loop's bookkeeping holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from scipy.special import expit
from torch import nn

from tunesmith.errors import TunesmithError
from tunesmith.models.vae.phrases import SLOTS, BarPiece, bar_onsets, from_slots, restrike_from, to_slots
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

if TYPE_CHECKING:
    pass

State = tuple[torch.Tensor, torch.Tensor]


@dataclass
class VAEConfig:
    max_bars: int = 4
    phrase_bars: list[int] = field(default_factory=lambda: [2, 4])
    """Phrase lengths (in bars) the model is trained on."""
    vocab_size: int = mt.N_EVENTS
    d_token: int = 32
    d_chord: int = 16
    d_slot: int = 8
    d_meter: int = 4
    enc_hidden: int = 128
    z_dim: int = 64
    conductor_hidden: int = 128
    dec_hidden: int = 192
    beta: float = 0.1
    free_nats_per_bar: float = 40.0
    anneal_steps: int = 1000
    dropout: float = 0.1
    pad_id: int = mt.PAD

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VAEConfig:
        return cls(**data)


def vae_config(size: str = "default") -> VAEConfig:
    if size == "debug":
        return VAEConfig(
            max_bars=4,
            phrase_bars=[2, 4],
            d_token=8,
            d_chord=4,
            d_slot=4,
            d_meter=2,
            enc_hidden=24,
            z_dim=8,
            conductor_hidden=16,
            dec_hidden=24,
            anneal_steps=10,
            dropout=0.0,
        )
    return VAEConfig()


class PhraseVAE(nn.Module):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = c = config
        self.token_emb = nn.Embedding(c.vocab_size, c.d_token, padding_idx=c.pad_id)
        self.chord_emb = nn.Embedding(ct.N_CHORD_CLASSES, c.d_chord)
        self.slot_emb = nn.Embedding(SLOTS, c.d_slot)
        self.meter_emb = nn.Embedding(len(ct.METERS), c.d_meter)
        self.encoder = nn.LSTM(c.d_token + c.d_chord, c.enc_hidden, batch_first=True, bidirectional=True)
        self.to_posterior = nn.Linear(2 * c.enc_hidden, 2 * c.z_dim)
        self.z_to_conductor = nn.Linear(c.z_dim, 2 * c.conductor_hidden)
        self.conductor = nn.LSTM(c.z_dim, c.conductor_hidden, batch_first=True)
        self.bar_to_state = nn.Linear(c.conductor_hidden, 2 * c.dec_hidden)
        d_in = c.d_token + c.d_chord + c.d_slot + c.d_meter + c.conductor_hidden
        self.decoder = nn.LSTM(d_in, c.dec_hidden, batch_first=True)
        self.drop = nn.Dropout(c.dropout)
        self.head = nn.Linear(c.dec_hidden, c.vocab_size)
        self.register_buffer("train_steps", torch.zeros((), dtype=torch.long))

    # ----- parts ------------------------------------------------------------------------------
    def encode(
        self, targets: torch.Tensor, chords: torch.Tensor, bars: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar), each (B, z_dim), of phrases (B, max_bars, SLOTS) of ``bars`` bars each."""
        B = targets.shape[0]
        x = torch.cat([self.token_emb(targets), self.chord_emb(chords)], dim=-1).reshape(B, -1, self.enc_in)
        # Unpacked (packing is several times slower on CPU): the forward direction's state is read
        # at the phrase's last step; the backward one reads the trailing padding first, from zero.
        out, _ = self.encoder(x)  # (B, T, 2H)
        H = self.config.enc_hidden
        last = (bars * SLOTS - 1).clamp(min=0)
        forward = out[torch.arange(B), last, :H]
        mu, logvar = self.to_posterior(torch.cat([forward, out[:, 0, H:]], dim=-1)).chunk(2, dim=-1)
        return mu, logvar.clamp(-12.0, 6.0)

    @property
    def enc_in(self) -> int:
        return self.config.d_token + self.config.d_chord

    def conduct(self, z: torch.Tensor, n_bars: int) -> torch.Tensor:
        """(B, n_bars, conductor_hidden) bar embeddings from latents (B, z_dim)."""
        h0, c0 = torch.tanh(self.z_to_conductor(z)).chunk(2, dim=-1)
        out, _ = self.conductor(
            z[:, None].expand(-1, n_bars, -1), (h0[None].contiguous(), c0[None].contiguous())
        )
        return out

    def bar_state(self, bar: torch.Tensor) -> State:
        h, c = torch.tanh(self.bar_to_state(bar)).chunk(2, dim=-1)
        return h[None].contiguous(), c[None].contiguous()

    def step_inputs(self, chords: torch.Tensor, meter: torch.Tensor, bar: torch.Tensor) -> torch.Tensor:
        """Decoder inputs other than the previous event: (N, SLOTS, d) for bars (N,) of chords (N, SLOTS)."""
        N = chords.shape[0]
        slots = self.slot_emb.weight[None].expand(N, -1, -1)
        return torch.cat([
            self.chord_emb(chords), slots, self.meter_emb(meter)[:, None].expand(-1, SLOTS, -1),
            bar[:, None].expand(-1, SLOTS, -1),
        ], dim=-1)  # fmt: skip

    # ----- training ---------------------------------------------------------------------------
    def beta_now(self) -> float:
        c = self.config
        return c.beta * min(1.0, float(self._steps()) / max(1, c.anneal_steps))

    def _steps(self) -> torch.Tensor:
        steps = self.train_steps
        assert isinstance(steps, torch.Tensor)
        return steps

    def forward(
        self,
        targets: torch.Tensor,
        inputs: torch.Tensor,
        chords: torch.Tensor,
        meter: torch.Tensor,
        bars: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits (B, max_bars, SLOTS, vocab), loss per step)."""
        c = self.config
        B, M, S = targets.shape
        mu, logvar = self.encode(targets, chords, bars)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        conductor = self.conduct(z, M)  # (B, M, Hc)
        used = torch.arange(M)[None] < bars[:, None]  # (B, M)
        b_idx, m_idx = used.nonzero(as_tuple=True)
        bar = conductor[b_idx, m_idx]  # (N, Hc)
        x = torch.cat(
            [self.token_emb(inputs[b_idx, m_idx]), self.step_inputs(chords[b_idx, m_idx], meter[b_idx], bar)],
            dim=-1,
        )
        out, _ = self.decoder(self.drop(x), self.bar_state(bar))
        bar_logits = self.head(self.drop(out))  # (N, S, V)
        logits = bar_logits.new_zeros(B, M, S, c.vocab_size)
        logits[b_idx, m_idx] = bar_logits
        flat_targets = targets[b_idx, m_idx]
        keep = flat_targets != c.pad_id
        n_steps = keep.sum().clamp(min=1)
        recon = F.cross_entropy(
            bar_logits.reshape(-1, c.vocab_size),
            flat_targets.reshape(-1),
            ignore_index=c.pad_id,
            reduction="sum",
        )
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)  # (B,)
        excess = (kl - c.free_nats_per_bar * bars.float()).clamp(min=0.0)
        beta = self.beta_now() if self.training else c.beta
        if self.training:
            self._steps().add_(1)
        loss = (recon + beta * excess.sum()) / n_steps
        return logits, loss

    # ----- free-running decoding --------------------------------------------------------------
    @torch.no_grad()
    def decode(
        self,
        z: torch.Tensor,
        chords: torch.Tensor,
        meter: torch.Tensor,
        n_bars: int,
        *,
        temperature: float = 0.0,
        generator: torch.Generator | None = None,
        mask: npt.NDArray[np.float32] | None = None,
        forced: npt.NDArray[np.int64] | None = None,
    ) -> torch.Tensor:
        """Events (B, n_bars, SLOTS) decoded from latents (B, z_dim): greedy when ``temperature`` is
        0, else sampled. Unused slots of short meters are PAD; HOLD only follows a note or HOLD.
        ``mask`` (B or 1, n_bars, SLOTS, vocab) is added to the logits (-inf forbids an event);
        ``forced`` (B or 1, n_bars, SLOTS) writes its events where they are >= 0 (anchor notes),
        and the decoder reads them as if it had chosen them.

        The bar decoder runs step by step in NumPy (an ``nn.LSTM`` call per step costs far more
        than its arithmetic on a CPU): the token part of the input projection is a lookup table and
        the other inputs of a bar are projected in one matrix product."""
        B = z.shape[0]
        H = self.config.dec_hidden
        per_bar = np.array([ct.STEPS_PER_BAR[ct.METERS[int(m)]] for m in meter])
        conductor = self.conduct(z, n_bars)
        # Cell-gate rows scaled by 2, so one logistic call gives all four gates (tanh z = 2 sig(2z) - 1).
        scale = torch.ones(4 * H)
        scale[2 * H : 3 * H] = 2.0
        w_ih = _weight(self.decoder, "weight_ih_l0") * scale[:, None]
        d_tok = self.config.d_token
        bias = (_weight(self.decoder, "bias_ih_l0") + _weight(self.decoder, "bias_hh_l0")) * scale
        token_table = (self.token_emb.weight.detach() @ w_ih[:, :d_tok].T + bias).numpy()
        w_hh = (_weight(self.decoder, "weight_hh_l0") * scale[:, None]).T.contiguous().numpy()
        head_w = self.head.weight.detach().T.contiguous().numpy()
        head_b = self.head.bias.detach().numpy().copy()
        head_b[[mt.PAD, mt.BOS]] = -np.inf
        hold_banned = np.zeros(self.config.vocab_size, dtype=bool)
        hold_banned[[mt.PAD, mt.BOS, mt.REST]] = True
        out = np.full((B, n_bars, SLOTS), self.config.pad_id, dtype=np.int64)
        prev = np.full(B, mt.BOS, dtype=np.int64)
        rows = np.arange(B)
        shortest = int(per_bar.min())
        for b in range(n_bars):
            cond = (self.step_inputs(chords[:, b], meter, conductor[:, b]) @ w_ih[:, d_tok:].T).numpy()
            h0, c0 = self.bar_state(conductor[:, b])
            h, c = h0[0].numpy(), c0[0].numpy()
            for s in range(int(per_bar.max())):
                gates = expit(token_table[prev] + cond[:, s] + h @ w_hh)
                c = gates[:, H : 2 * H] * c + gates[:, :H] * (2.0 * gates[:, 2 * H : 3 * H] - 1.0)
                h = gates[:, 3 * H :] * np.tanh(c)
                logits = h @ head_w + head_b
                logits[hold_banned[prev], mt.HOLD] = -np.inf
                if mask is not None:
                    logits = logits + mask[:, b, s]
                    dead = ~np.isfinite(logits).any(-1)  # a mask that leaves nothing: keep a rest
                    logits[dead, mt.REST] = 0.0
                if temperature <= 0:
                    nxt = logits.argmax(-1)
                else:
                    scaled = logits / temperature
                    p = np.exp(scaled - scaled.max(-1, keepdims=True))
                    cdf = np.cumsum(p, -1)
                    u = torch.rand(B, generator=generator, dtype=torch.float64).numpy() * cdf[:, -1]
                    nxt = (cdf < u[:, None]).sum(-1).clip(max=self.config.vocab_size - 1)
                if forced is not None:
                    fixed = np.broadcast_to(forced[:, b, s], nxt.shape)
                    nxt = np.where(fixed >= 0, fixed, nxt)
                if s < shortest:
                    out[:, b, s] = nxt
                    prev = nxt
                else:  # a longer meter's slot: only its phrases move on
                    active = s < per_bar
                    out[rows[active], b, s] = nxt[active]
                    prev = np.where(active, nxt, prev)
        return torch.from_numpy(out)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def _weight(module: nn.Module, name: str) -> torch.Tensor:
    value = getattr(module, name)
    assert isinstance(value, torch.Tensor)
    return value.detach()


# ----- data -------------------------------------------------------------------------------------
Arrays = dict[str, npt.NDArray[Any]]


def shifted_inputs(targets: npt.NDArray[np.int64], bars: int) -> npt.NDArray[np.int64]:
    """Decoder inputs of one phrase (max_bars, SLOTS): the previous event; a bar's first slot sees
    the previous bar's last event (BOS for the first bar); PAD beyond the phrase."""
    inputs = np.zeros_like(targets)
    prev = mt.BOS
    for b in range(bars):
        row = targets[b]
        used = row != mt.PAD
        inputs[b, 0] = prev
        inputs[b, 1:] = row[:-1]
        inputs[b][~used] = mt.PAD
        prev = int(row[used][-1]) if used.any() else prev
    return inputs


def phrase_item(
    events: npt.NDArray[np.int64], chords: npt.NDArray[np.int64], meter: str, max_bars: int
) -> dict[str, Any]:
    """One training example from (bars, SLOTS) events and chords (bars <= max_bars)."""
    bars = len(events)
    targets = np.zeros((max_bars, SLOTS), np.int64)
    chord_arr = np.zeros((max_bars, SLOTS), np.int64)
    targets[:bars] = events
    chord_arr[:bars] = chords
    return {
        "targets": targets,
        "inputs": shifted_inputs(targets, bars),
        "chords": chord_arr,
        "meter": np.int64(ct.METERS.index(meter)),
        "bars": np.int64(bars),
    }


def phrase_cuts(piece: BarPiece, lengths: Iterable[int]) -> list[tuple[int, int]]:
    """(first bar, bars) of the phrases cut from a piece: each length at a stride of half of it
    (at least one bar), keeping phrases with at least one note per bar on average."""
    cuts = []
    n = len(piece.events)
    for length in lengths:
        for a in range(0, n - length + 1, max(1, length // 2)):
            if bar_onsets(piece.events[a : a + length]) >= length:
                cuts.append((a, length))
    return cuts


def phrase_from(
    piece: BarPiece, first: int, bars: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Events and chords of bars first..first+bars of a piece, a carried-over note struck again."""
    flat = from_slots(piece.events, piece.meter)
    per_bar = ct.STEPS_PER_BAR[piece.meter]
    events = restrike_from(flat, first * per_bar)[: bars * per_bar]
    return to_slots(events, piece.meter), piece.chords[first : first + bars]


def phrase_dataset(pieces: list[BarPiece], config: VAEConfig) -> tuple[Arrays, Arrays, dict[str, Any]]:
    """Training and validation arrays (validation = the pieces :func:`is_validation` picks);
    identical training phrases (repeats written out) are kept once."""
    split: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    seen: set[bytes] = set()
    for piece in pieces:
        for first, bars in phrase_cuts(piece, config.phrase_bars):
            events, chords = phrase_from(piece, first, bars)
            key = events.tobytes() + chords.tobytes() + piece.meter.encode()
            if key in seen:
                continue
            seen.add(key)
            split[piece.validation].append(phrase_item(events, chords, piece.meter, config.max_bars))
    if not split[True] and len(split[False]) >= 2:
        cut = max(1, len(split[False]) // 10)
        split[True], split[False] = split[False][-cut:], split[False][:-cut]
    if not split[False] or not split[True]:
        raise TunesmithError(
            f"not enough phrases to train on ({len(split[False])} training, {len(split[True])} validation)"
        )

    def stack(items: list[dict[str, Any]]) -> Arrays:
        return {k: np.stack([it[k] for it in items]) for k in items[0]}

    train, val = stack(split[False]), stack(split[True])
    info = {
        "phrases": {"train": len(split[False]), "val": len(split[True])},
        "by_length": {str(n): int((train["bars"] == n).sum()) for n in config.phrase_bars},
        "steps": {"train": int((train["targets"] != 0).sum()), "val": int((val["targets"] != 0).sum())},
    }
    return train, val, info
