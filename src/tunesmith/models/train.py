"""One training loop for every tunesmith model (the RNNs, the VAE, the GAN, the polyphonic model).

Data are dicts of NumPy arrays whose first axis indexes examples (for the LSTMs: ``inputs``,
``targets`` and the condition arrays); a batch is the same dict of tensors. What a model family does
with a batch is its :class:`Steps`: the base class is the language models' (``model(**batch)``
returns ``(logits, loss)``; accuracy is measured when the batch has ``targets`` and the logits have a
matching shape; other models, a VAE, simply report loss); the GAN's two-optimiser WGAN-GP step is
tunesmith.models.gan.train.GANSteps; the polyphonic model's (sequences of piano-roll frames of any
length, truncated back-propagation through time, exact NLL validation, the learning rate halved on
plateaus) is tunesmith.models.poly.train.PolySteps, whose data are lists of rolls.

Each epoch: shuffled mini-batches (seeded), the family's steps under a rich progress bar, then
validation. The checkpoint file is rewritten (atomically) each time validation improves, so it
always holds the best model (a GAN keeps every epoch instead); training stops early after
``patience`` epochs without improvement. The curves are drawn to a PNG after every epoch.

Checkpoint: the one format of tunesmith.models.checkpoint; this loop adds ``optimizer`` (the family's
optimiser state), ``step``, ``epoch``, ``best_val``, ``history`` (per-epoch numbers), ``vocab`` (the
token vocabularies the model was trained with), ``train_config`` and ``data`` (dataset sizes and
sources), and what the family's :meth:`Steps.checkpoint_extra` adds.

Multi-process: started under ``torchrun`` (WORLD_SIZE > 1) the loop joins a gloo process group,
gives each rank its share of every epoch's batches and lets the family distribute itself (the
language models through DistributedDataParallel); rank 0 alone writes the checkpoint and the plot.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from tunesmith.fileutil import atomic_path
from tunesmith.models.checkpoint import CHECKPOINT_FORMAT, load_checkpoint, save_checkpoint
from tunesmith.models.distributed import barrier, global_max, rank_and_world

Arrays = dict[str, npt.NDArray[Any]]
Index = npt.NDArray[np.int64] | list[int]
"""The examples of one batch."""


@dataclass
class TrainConfig:
    """The training settings every family shares, with one spelling and one meaning; a family that
    needs more (the polyphonic model's BPTT, the GAN's defaults) subclasses it."""

    epochs: int = 20
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-4
    grad_clip: float = 1.0
    """Clip the gradient norm to this before each step; 0 = no clipping."""
    patience: int = 3
    """Stop after this many epochs without a better validation loss."""
    seed: int = 0
    threads: int = 1
    """torch.set_num_threads for this process (the machine is shared)."""
    max_minutes: float | None = None
    """Stop after the epoch that passes this wall-clock budget; None = no limit (0 = one epoch)."""
    progress: bool = True
    lr_min_ratio: float = 0.1
    """Cosine decay of the learning rate to lr * lr_min_ratio over ``epochs``."""

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> Self:
        """The config a checkpoint's ``train_config`` records. Checkpoints written before the configs
        were unified spell the clip ``clip`` and 'no time limit' as ``max_minutes`` 0."""
        values = dict(saved)
        if "clip" in values:  # the polyphonic trainer's old config
            values["grad_clip"] = values.pop("clip")
            values["max_minutes"] = values.get("max_minutes") or None
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})

    def budget_spent(self, started: float, world: int) -> bool:
        """Whether the time budget is spent, ``started`` a time.perf_counter() reading. Ranks measure
        their own time, so across processes any rank's verdict counts: all stop after the same epoch."""
        over = self.max_minutes is not None and time.perf_counter() - started > self.max_minutes * 60
        return bool(global_max(int(over))) if world > 1 else over


@dataclass
class TrainResult:
    checkpoint: Path
    history: list[dict[str, float]] = field(default_factory=list)
    best_val: float = math.inf
    steps: int = 0
    stopped_early: bool = False
    best_epoch: int = 0
    """The epoch whose weights the checkpoint holds (0: none improved)."""


def _batches(
    n: int, batch_size: int, rng: np.random.Generator | None, rank: int, world: int
) -> list[npt.NDArray[np.int64]]:
    order = rng.permutation(n) if rng is not None else np.arange(n)
    batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    if world > 1:
        # Every rank must run the same number of steps (DDP all-reduces each backward).
        usable = len(batches) - len(batches) % world if len(batches) >= world else len(batches)
        batches = batches[:usable][rank::world] if usable else batches[:1]
    return batches


def _to_tensors(arrays: Arrays, index: npt.NDArray[np.int64]) -> dict[str, torch.Tensor]:
    return {name: torch.from_numpy(np.ascontiguousarray(a[index])) for name, a in arrays.items()}


def _count(batch: dict[str, torch.Tensor], pad_id: int) -> int:
    targets = batch.get("targets")
    return int((targets != pad_id).sum()) if targets is not None else len(next(iter(batch.values())))


@torch.no_grad()
def evaluate(model: nn.Module, arrays: Arrays, batch_size: int = 256, pad_id: int = 0) -> tuple[float, float]:
    """(mean loss per token, accuracy) over ``arrays``; accuracy is nan for models without targets."""
    model.eval()
    n = len(next(iter(arrays.values())))
    total_loss = 0.0
    total = 0
    correct = 0
    has_acc = "targets" in arrays
    for index in _batches(n, batch_size, None, 0, 1):
        batch = _to_tensors(arrays, index)
        logits, loss = model(**batch)
        count = _count(batch, pad_id)
        total_loss += float(loss) * count
        total += count
        if has_acc and logits.shape[:-1] == batch["targets"].shape:
            keep = batch["targets"] != pad_id
            correct += int(((logits.argmax(-1) == batch["targets"]) & keep).sum())
    return total_loss / max(total, 1), (correct / max(total, 1) if has_acc else float("nan"))


def plot_history(
    history: list[dict[str, float]], path: Path, title: str, ylabel: str = "cross-entropy (nats per token)"
) -> None:
    """Training and validation loss per epoch, as a PNG."""
    import matplotlib  # heavy (~0.5 s): only when a curve is drawn

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [h["train_loss"] for h in history], marker="o", label="train")
    ax.plot(epochs, [h["val_loss"] for h in history], marker="o", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


class Steps:
    """What one model family does inside :func:`train`: its optimisers, its batches, its step, its
    validation, what its checkpoint keeps besides and how its curves are drawn. This base class is
    the language models' (the RNNs, the VAE): ``model(**batch)`` returns ``(logits, loss)``, one AdamW
    with gradient clipping and a cosine learning rate, DistributedDataParallel across processes, the
    checkpoint rewritten when the validation loss improves and early stopping on it. The GAN's
    two-optimiser step (tunesmith.models.gan.train.GANSteps) and the polyphonic model's truncated
    BPTT over piano rolls (tunesmith.models.poly.train.PolySteps) override it."""

    unit = "sequences"
    """What a batch holds, for the log."""
    keep_every_epoch = False
    """Rewrite the checkpoint after every epoch (and never stop early) instead of on improvement."""
    val_key = "val_loss"
    """The record's number that improves by going down."""

    def __init__(self, model: nn.Module, cfg: TrainConfig) -> None:
        self.model = model
        self.net: nn.Module = model
        self.cfg = cfg
        self.pad_id = int(getattr(getattr(model, "config", None), "pad_id", 0))
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def optimizer_state(self) -> Any:
        return self.optimizer.state_dict()

    def load_optimizer_state(self, state: Any) -> None:
        self.optimizer.load_state_dict(state)

    def distribute(self, rank: int, world: int) -> None:  # noqa: ARG002 (a hook: the GAN's uses them)
        """Called once when WORLD_SIZE > 1, after any resume."""
        self.net = DistributedDataParallel(self.model)

    def start_epoch(self, epoch: int, total_epochs: int) -> None:
        # Cosine schedule over the planned epochs, computed from the epoch so resuming matches.
        cfg = self.cfg
        frac = (epoch - 1) / max(1, total_epochs - 1)
        self.lr = cfg.lr * (cfg.lr_min_ratio + (1 - cfg.lr_min_ratio) * 0.5 * (1 + math.cos(math.pi * frac)))
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr
        self.loss_sum = 0.0
        self.tokens = 0

    def epoch_data(self, data: Any, rng: np.random.Generator) -> Any:  # noqa: ARG002 (a hook)
        """The epoch's training examples (the polyphonic model transposes its pieces here); called
        before :meth:`batches` with the same generator."""
        return data

    def size(self, data: Any) -> int:
        """How many examples ``data`` holds."""
        return len(next(iter(data.values())))

    def batches(self, n: int, rng: np.random.Generator, rank: int, world: int) -> Sequence[Index]:
        return _batches(n, self.cfg.batch_size, rng, rank, world)

    def batch(self, data: Any, index: Index) -> dict[str, torch.Tensor]:
        """The tensors :meth:`step` takes for the examples ``index`` of ``data``."""
        return _to_tensors(data, np.asarray(index, dtype=np.int64))

    def step(self, batch: dict[str, torch.Tensor], index: int, world: int) -> float:  # noqa: ARG002 (a hook)
        """One optimisation step on ``batch`` (the ``index``-th of the epoch); returns the number the
        progress bar shows."""
        _, loss = self.net(**batch)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.grad_clip > 0:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        count = _count(batch, self.pad_id)
        self.loss_sum += float(loss.detach()) * count
        self.tokens += count
        return float(loss.detach())

    def end_epoch(self, val_data: Any, seconds: float, world: int) -> dict[str, float]:
        """The epoch's record (besides ``epoch``); ``val_loss`` is what improvement is judged on."""
        val_loss, val_acc = evaluate(self.model, val_data, pad_id=self.pad_id)
        return {
            "train_loss": self.loss_sum / max(self.tokens, 1), "val_loss": val_loss, "val_accuracy": val_acc,
            "lr": self.lr, "seconds": seconds, "tokens_per_second": self.tokens * world / max(seconds, 1e-9),
        }  # fmt: skip

    def judged(self, improved: bool) -> None:
        """Told after each epoch whether validation improved (a learning-rate policy on plateaus
        hangs here; the cosine schedule of :meth:`start_epoch` needs nothing)."""

    def describe(self, epoch: int, record: dict[str, float], improved: bool) -> str:
        return (
            f"epoch {epoch}: train {record['train_loss']:.4f}, validation {record['val_loss']:.4f} "
            f"(accuracy {record['val_accuracy']:.3f}), "
            f"{record['tokens_per_second']:.0f} tokens/s{'  * best' if improved else ''}"
        )

    def checkpoint_extra(self, train_data: Any, record: dict[str, float]) -> dict[str, Any]:  # noqa: ARG002
        """Keys the checkpoint keeps besides the loop's own."""
        return {}

    def plot(self, history: list[dict[str, float]], path: Path, kind: str) -> None:
        plot_history(history, path, f"{kind} model")


def train(
    model: nn.Module,
    train_data: Any,
    val_data: Any,
    out: str | Path,
    *,
    kind: str,
    architecture: str,
    vocab: dict[str, Any],
    config: TrainConfig | None = None,
    steps: type[Steps] = Steps,
    resume: bool = False,
    data_info: dict[str, Any] | None = None,
    plot: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train ``model`` (whose ``.config`` dataclass is stored) and keep the best checkpoint at ``out``;
    ``steps`` is the family's :class:`Steps`, ``train_data`` and ``val_data`` what it takes (arrays for
    the base class).

    With ``resume`` and an existing checkpoint at ``out``, weights, optimiser state, step, epoch and
    history are restored and training continues from the next epoch.
    """
    cfg = config or TrainConfig()
    out = Path(out)
    plot_path = Path(plot) if plot is not None else out.with_suffix(".loss.png")
    rank, world = rank_and_world()
    torch.set_num_threads(max(1, cfg.threads))
    torch.manual_seed(cfg.seed)
    say = log if (log is not None and rank == 0) else (lambda _msg: None)

    family = steps(model, cfg)
    step = 0
    start_epoch = 1
    history: list[dict[str, float]] = []
    best_val = math.inf
    best_epoch = 0
    if resume and out.is_file():
        _, ckpt = load_checkpoint(out, kind)
        model.load_state_dict(ckpt["model"])
        if ckpt.get("optimizer") is not None:
            family.load_optimizer_state(ckpt["optimizer"])
        else:
            say(f"{out} holds weights only (a shipped checkpoint): the optimiser starts afresh")
        step = int(ckpt.get("step", 0))
        start_epoch = int(ckpt.get("epoch", 0)) + 1  # a bare checkpoint: its weights, from epoch 1
        history = list(ckpt.get("history", []))
        best_val = float(ckpt.get("best_val", math.inf))
        best_epoch = start_epoch - 1
        best = "" if family.keep_every_epoch else f", best validation {best_val:.4f}"
        say(f"resumed from {out} at epoch {start_epoch - 1}, step {step}{best}")

    if world > 1:
        family.distribute(rank, world)
        say(f"distributed training: {world} processes (gloo), {cfg.batch_size} {family.unit} per batch each")

    result = TrainResult(out, history, best_val, step, best_epoch=best_epoch)
    bad_epochs = 0
    started = time.perf_counter()
    total_epochs = max(cfg.epochs, start_epoch - 1)
    for epoch in range(start_epoch, cfg.epochs + 1):
        family.start_epoch(epoch, total_epochs)
        rng = np.random.default_rng(cfg.seed * 100_003 + epoch)
        data = family.epoch_data(train_data, rng)
        batches = family.batches(family.size(data), rng, rank, world)
        family.net.train()
        epoch_start = time.perf_counter()
        label = f"epoch {epoch}/{cfg.epochs}"
        with EpochProgress(cfg.progress and rank == 0, len(batches), label) as advance:
            for i, index in enumerate(batches):
                advance(family.step(family.batch(data, index), i, world))
                step += 1
        seconds = time.perf_counter() - epoch_start
        record = {"epoch": float(epoch), **family.end_epoch(val_data, seconds, world)}
        history.append(record)
        val = record[family.val_key]
        improved = val < best_val - 1e-4
        say(family.describe(epoch, record, improved))
        family.judged(improved)
        if improved:
            best_val, best_epoch = val, epoch
            bad_epochs = 0
        else:
            bad_epochs += 1
        if rank == 0 and (improved or family.keep_every_epoch):
            save_checkpoint(out, {
                "format": CHECKPOINT_FORMAT, "kind": kind, "architecture": architecture,
                "config": asdict(model.config),  # type: ignore[call-overload]
                "model": model.state_dict(), "optimizer": family.optimizer_state(),
                "step": step, "epoch": epoch, "best_val": best_val, "history": list(history),
                "vocab": vocab, "train_config": asdict(cfg), "data": data_info or {},
                **family.checkpoint_extra(train_data, record),
            })  # fmt: skip
        if rank == 0:
            family.plot(history, plot_path, kind)
        result.history, result.best_val, result.steps, result.best_epoch = history, best_val, step, best_epoch
        if bad_epochs >= cfg.patience and not family.keep_every_epoch:
            result.stopped_early = True
            say(f"no better validation loss for {cfg.patience} epochs: stopping early")
            break
        if cfg.budget_spent(started, world):
            say(f"time budget of {cfg.max_minutes} minutes reached: stopping")
            break
    barrier(world)
    return result


class EpochProgress:
    """A rich progress bar over an epoch's batches (or nothing when disabled)."""

    def __init__(self, show: bool, total: int, label: str) -> None:
        self.show = show
        self.total = total
        self.label = label
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[float], None]:
        if not self.show:
            return lambda _loss: None
        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.3f}"), TimeRemainingColumn(), transient=True,
        )  # fmt: skip
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=self.total, loss=float("nan"))

        def advance(loss: float) -> None:
            self._bar.update(self._task, advance=1, loss=loss)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
