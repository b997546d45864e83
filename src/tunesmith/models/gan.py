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
:func:`tunesmith.models.gan_api.score` reports standardised scores (0 = a typical corpus bar).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from torch import nn

from tunesmith.models.phrases import SLOTS, BarPiece, chroma_table
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
            from tunesmith.errors import TunesmithError

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


# ----- training ----------------------------------------------------------------------------------
@dataclass
class GANTrainConfig:
    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-4
    seed: int = 0
    threads: int = 1
    max_minutes: float | None = None
    progress: bool = True


def gradient_penalty(
    critic: Critic, real: torch.Tensor, fake: torch.Tensor, cond: torch.Tensor, prev: torch.Tensor
) -> torch.Tensor:
    alpha = torch.rand(real.shape[0], 1, 1)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grad = torch.autograd.grad(critic(mixed, cond, prev).sum(), mixed, create_graph=True)[0]
    return ((grad.flatten(1).norm(dim=1) - 1.0) ** 2).mean()


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


def plot_gan(history: list[dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tunesmith.fileutil import atomic_path

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


def train_gan(
    model: BarGAN,
    train: Arrays,
    val: Arrays,
    out: str | Path,
    *,
    config: GANTrainConfig | None = None,
    resume: bool = False,
    data_info: dict[str, Any] | None = None,
    plot: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> list[dict[str, float]]:
    """WGAN-GP training; the checkpoint at ``out`` is rewritten after every epoch (with the
    critic's statistics on the training bars) and the curves drawn to ``plot``.

    Under ``torchrun`` (WORLD_SIZE > 1) each process trains on its share of every epoch's batches
    (its own noise), the critic's and the generator's gradients are averaged across processes
    before each of their steps (tunesmith.models.distributed), and rank 0 alone writes the
    checkpoint and the plot."""
    from tunesmith.models import distributed as dist_tools
    from tunesmith.models.train import CHECKPOINT_FORMAT, _Progress, load_checkpoint, save_checkpoint

    cfg = config or GANTrainConfig()
    out = Path(out)
    plot_path = Path(plot) if plot is not None else out.with_suffix(".loss.png")
    rank, world = dist_tools.rank_and_world()
    say = (log or (lambda _m: None)) if rank == 0 else (lambda _m: None)
    torch.set_num_threads(max(1, cfg.threads))
    torch.manual_seed(cfg.seed)
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=cfg.lr, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(model.critic.parameters(), lr=cfg.lr, betas=(0.5, 0.9))
    history: list[dict[str, float]] = []
    step, start_epoch = 0, 1
    if resume and out.is_file():
        _, ckpt = load_checkpoint(out, "gan")
        model.load_state_dict(ckpt["model"])
        opt_g.load_state_dict(ckpt["optimizer"]["generator"])
        opt_d.load_state_dict(ckpt["optimizer"]["critic"])
        step, start_epoch = int(ckpt["step"]), int(ckpt["epoch"]) + 1
        history = list(ckpt.get("history", []))
        say(f"resumed from {out} at epoch {start_epoch - 1}, step {step}")
    if world > 1:
        dist_tools.broadcast_parameters(model)
        torch.manual_seed(cfg.seed * 1_000 + rank)  # each rank its own noise
        say(f"distributed training: {world} processes (gloo), {cfg.batch_size} bars per batch each")
    n = len(train["bar"])
    started = time.perf_counter()
    c = model.config
    tensors = {k: torch.from_numpy(train[k]) for k in ("bar", "cond", "prev")}
    for epoch in range(start_epoch, cfg.epochs + 1):
        rng = np.random.default_rng(cfg.seed * 100_003 + epoch)
        order = rng.permutation(n)
        batches = [
            order[a : a + cfg.batch_size] for a in range(0, n - cfg.batch_size + 1, cfg.batch_size)
        ] or [order]
        batches = dist_tools.share(batches, rank, world)
        model.train()
        sums = {"wasserstein": 0.0, "critic_loss": 0.0, "generator_loss": 0.0}
        g_steps = 0
        epoch_start = time.perf_counter()
        with _Progress(cfg.progress and rank == 0, len(batches), f"epoch {epoch}/{cfg.epochs}") as advance:
            for i, index in enumerate(batches):
                idx = torch.from_numpy(index)
                real, cond, prev = tensors["bar"][idx], tensors["cond"][idx], tensors["prev"][idx]
                z = torch.randn(len(idx), c.z_dim)
                with torch.no_grad():
                    fake = model.fake(z, cond, prev)
                d_real, d_fake = model.critic(real, cond, prev).mean(), model.critic(fake, cond, prev).mean()
                gp = gradient_penalty(model.critic, real, fake, cond, prev)
                d_loss = d_fake - d_real + c.gp_weight * gp
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                if world > 1:
                    dist_tools.sync_gradients(model.critic.parameters(), 1.0)
                opt_d.step()
                sums["wasserstein"] += float((d_real - d_fake).detach())
                sums["critic_loss"] += float(d_loss.detach())
                if (i + 1) % c.n_critic == 0:
                    z = torch.randn(len(idx), c.z_dim)
                    g_loss = -model.critic(model.fake(z, cond, prev), cond, prev).mean()
                    opt_g.zero_grad(set_to_none=True)
                    g_loss.backward()
                    if world > 1:
                        dist_tools.sync_gradients(model.generator.parameters(), 1.0)
                    opt_g.step()
                    sums["generator_loss"] += float(g_loss.detach())
                    g_steps += 1
                step += 1
                advance(float((d_real - d_fake).detach()))
        val_w = validation_wasserstein(model, val, cfg.seed)
        record = {
            "epoch": float(epoch),
            "wasserstein": sums["wasserstein"] / len(batches),
            "critic_loss": sums["critic_loss"] / len(batches),
            "generator_loss": sums["generator_loss"] / max(1, g_steps),
            "val_wasserstein": val_w,
            "seconds": time.perf_counter() - epoch_start,
        }
        history.append(record)
        say(
            f"epoch {epoch}: Wasserstein estimate {record['wasserstein']:.3f} (validation {val_w:.3f}), "
            f"generator loss {record['generator_loss']:.3f}, {record['seconds']:.0f} s"
        )
        over = cfg.max_minutes is not None and time.perf_counter() - started > cfg.max_minutes * 60
        if world > 1:
            over = bool(dist_tools.global_max(int(over)))  # every rank stops after the same epoch
        if rank != 0:
            if over:
                break
            continue
        scores = critic_scores(model, train["bar"][:4096], train["cond"][:4096], train["prev"][:4096])
        save_checkpoint(out, {
            "format": CHECKPOINT_FORMAT, "kind": "gan", "architecture": "bar_gan", "config": asdict(c),
            "model": model.state_dict(),
            "optimizer": {"generator": opt_g.state_dict(), "critic": opt_d.state_dict()},
            "step": step, "epoch": epoch, "best_val": val_w, "history": list(history),
            "vocab": mt.vocabulary(), "train_config": asdict(cfg), "data": data_info or {},
            "critic_stats": {"mean": float(scores.mean()), "std": float(scores.std() + 1e-6)},
        })  # fmt: skip
        plot_gan(history, plot_path)
        if over:
            say(f"time budget of {cfg.max_minutes} minutes reached: stopping")
            break
    dist_tools.barrier(world)
    return history


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


def _build(config: dict[str, Any]) -> nn.Module:
    return BarGAN(GANConfig.from_dict(config))


def _register() -> None:
    from tunesmith.models.train import register_architecture

    register_architecture("bar_gan", _build)


_register()
