"""The bar GAN's Python API: melodies bar by bar over a chord progression, and the critic as a score.

- :func:`generate_melody`: each bar sampled from the generator given its chords and the bar before.
- :func:`score`: the critic's verdict on a Score's melody, the mean over its bars of the critic
  value standardised by the critic's values on the training corpus (0 = a typical corpus bar,
  negative = less corpus-like). For the composer's candidate ranking: higher is better.
- :func:`bar_scores`: the same per bar.

Times are ticks at 480 per quarter note from a bar line at tick 0; pitches MIDI numbers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from tunesmith.errors import ControlError, ModelError
from tunesmith.models.checkpoint import load_checkpoint
from tunesmith.models.gan import gan as _gan
from tunesmith.models.rnn.api import as_key, as_meter, layout_chords
from tunesmith.models.vae.phrases import SLOTS, from_slots, notes_to_slots, piece_bars, to_slots
from tunesmith.paths import PACKAGE_DATA
from tunesmith.score import ChordSymbol, KeySignature, Note, Score, TimeSignature
from tunesmith.theory.key import Key
from tunesmith.theory.melodyline import melody_track
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

GAN_CHECKPOINT = PACKAGE_DATA / "checkpoints" / "gan.pt"


@dataclass
class LoadedGAN:
    net: _gan.BarGAN
    path: Path
    critic_mean: float = 0.0
    critic_std: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> LoadedGAN:  # noqa: ARG001 (mtime: cache key)

    net, ckpt = load_checkpoint(path, "gan")
    if not isinstance(net, _gan.BarGAN):
        raise ModelError(f"{path}: not a bar GAN checkpoint")
    stats = ckpt.get("critic_stats", {})
    info = {k: ckpt.get(k) for k in ("epoch", "step", "data")}
    return LoadedGAN(net, Path(path), float(stats.get("mean", 0.0)), float(stats.get("std", 1.0)), info)


def load_gan(path: str | Path | None = None) -> LoadedGAN:
    """The bar GAN (the shipped one when ``path`` is None)."""
    file = Path(path) if path is not None else GAN_CHECKPOINT
    if not file.is_file():
        hint = " (train one with `tunesmith train gan`)" if path is None else ""
        raise ModelError(f"{file}: GAN checkpoint not found{hint}")
    return _load(str(file.resolve()), file.stat().st_mtime)


def _as_key(key: Key | KeySignature | str) -> Key:
    return mt.model_key(as_key(key))


def _as_meter(meter: str | TimeSignature) -> str:
    return as_meter(meter)


def generate_melody(
    chords: list[tuple[str, int]] | list[ChordSymbol],
    key: Key | KeySignature | str,
    meter: str | TimeSignature = "4/4",
    bars: int = 8,
    *,
    seed: int = 0,
    temperature: float = 1.0,
    model: LoadedGAN | None = None,
) -> list[Note]:
    """``bars`` bars of melody over ``chords`` ((figure, ticks) pairs repeated to fill, or
    ChordSymbols), one bar at a time, each given its chords and the bar generated before it."""
    gan = model or load_gan()
    key_, meter_ = _as_key(key), _as_meter(meter)
    if not 1 <= bars <= 512:
        raise ControlError("bars", f"must be between 1 and 512, got {bars}")
    if not 0.05 <= temperature <= 5.0:
        raise ControlError("temperature", f"must be between 0.05 and 5, got {temperature}")
    per_bar = ct.STEPS_PER_BAR[meter_]
    symbols = layout_chords(chords, bars * per_bar * ct.STEP_TICKS)
    classes = to_slots(ct.classes_per_step(symbols, key_.tonic, 0, bars * per_bar), meter_, fill=0)
    cond = torch.from_numpy(_gan.conditions(classes, meter_, mt.mode_index(key_)))  # (bars, C, S)
    g = torch.Generator().manual_seed(seed)
    prev = torch.zeros(1, _gan.CHANNELS, SLOTS)
    gan.net.eval()
    out = []
    for b in range(bars):
        prev = gan.net.sample(cond[b : b + 1], prev, g, temperature)
        out.append(prev[0])
    events = _gan.grid_events(torch.stack(out), meter_)
    return mt.decode_events(from_slots(events, meter_), mt.key_shift(key_.tonic))


def _score_arrays(
    score: Score,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Grids, conditions and previous-bar grids of every whole bar of a Score's melody with notes."""
    key = mt.score_key(score)
    meter = mt.score_meter(score)
    piece = piece_bars(score, 0) if score.chords else None
    if piece is None:  # no chord symbols: the bars are judged against "no chord"
        origin = mt.bar_origin(score)
        line = [
            Note(n.pitch, n.start - origin, n.duration, n.velocity)
            for n in melody_track(score).notes
            if n.start >= origin
        ]
        if not line:
            raise ControlError("melody", "the score has no notes after its first bar line")
        n_bars = -(-max(n.end for n in line) // (ct.STEPS_PER_BAR[meter] * ct.STEP_TICKS))
        events, chords = notes_to_slots(
            line, [], key.tonic, "minor" if key.is_minor else "major", meter, n_bars
        )
        mode = mt.mode_index(key)
    else:
        events, chords, mode = piece.events, piece.chords, piece.mode
    keep = [b for b in range(len(events)) if (events[b] >= mt.NOTE_BASE).any()]
    if not keep:
        raise ControlError("melody", "the score has no whole bar with notes to score")
    prev_events = np.concatenate([np.zeros((1, SLOTS), np.int64), events[:-1]])
    cond = _gan.conditions(chords[keep], meter, mode)
    return _gan.grids(events[keep]), cond, _gan.grids(prev_events[keep])


def bar_scores(score: Score, model: LoadedGAN | None = None) -> npt.NDArray[np.float32]:
    """Standardised critic values of each whole bar with notes of the Score's melody."""
    gan = model or load_gan()
    bar, cond, prev = _score_arrays(score)
    raw = _gan.critic_scores(gan.net, bar, cond, prev)
    return ((raw - gan.critic_mean) / gan.critic_std).astype(np.float32)


def score(score: Score, model: LoadedGAN | None = None) -> float:
    """How corpus-like the critic finds a Score's melody: the mean standardised critic value of its
    bars (0 = a typical corpus bar; higher is better)."""
    return float(bar_scores(score, model).mean())


def available() -> bool:
    """Whether the shipped GAN checkpoint is installed (tunesmith.compose.engines asks)."""
    return GAN_CHECKPOINT.is_file()
