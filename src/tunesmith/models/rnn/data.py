"""Training arrays for the melody and chord LSTMs, built from Scores.

Every piece is key-normalised by its tokenisation (tonic -> C, see tunesmith.tokens.melody), cut
into fixed-length windows (the last one padded with PAD), and assigned to the validation split by a
stable hash, so the split never changes between runs. Melodies are split by tune
(:func:`melody_held_out`): the hash is of the tune's opening notes, so the same tune filed twice
under other titles (Nottingham has a few) lands on the same side.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.errors import TunesmithError
from tunesmith.score import Score
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

Arrays = dict[str, npt.NDArray[Any]]

PHRASE_BARS = 8
"""The chord model sees each bar's index within an 8-bar phrase (4-bar phrases are halves of it)."""


@dataclass
class Dataset:
    train: Arrays
    val: Arrays
    info: dict[str, Any] = field(default_factory=dict)


def is_validation(score: Score, index: int, fraction: float = 0.05) -> bool:
    text = f"{score.metadata.title}|{score.metadata.source}|{index}"
    return (zlib.crc32(text.encode("utf-8")) % 10_000) < fraction * 10_000


HELD_OUT_FRACTION = 0.1
"""Share of melodies (by tune) held out: the melody model's validation set and the benchmarks' real
tunes (benchmarks/bench_style_melody.py); never trained on."""
FINGERPRINT_NOTES = 12


def melody_fingerprint(enc: mt.MelodyEncoding) -> str:
    """The tune's identity by content: the key-relative pitch classes of its first 12 notes from
    the first downbeat, with repeated notes merged (so a pickup, octave, key, rhythm, title and
    source do not matter)."""
    downbeats = np.flatnonzero(enc.positions == 0)
    first = int(downbeats[0]) if len(downbeats) else 0
    pcs: list[int] = []
    for event in enc.events[first:]:
        pitch = mt.event_pitch(int(event))
        if pitch is not None and (not pcs or pcs[-1] != pitch % 12):
            pcs.append(pitch % 12)
            if len(pcs) == FINGERPRINT_NOTES:
                break
    return ",".join(str(pc) for pc in pcs)


def melody_held_out(enc: mt.MelodyEncoding, title: str = "", fraction: float = HELD_OUT_FRACTION) -> bool:
    """Whether a melody belongs to the held-out split (a stable hash of :func:`melody_fingerprint`;
    of the title for melodies too short to fingerprint)."""
    text = melody_fingerprint(enc)
    if text.count(",") < 5:
        text = "title:" + title
    return (zlib.crc32(text.encode("utf-8")) % 10_000) < fraction * 10_000


def melody_step_conditions(enc: mt.MelodyEncoding) -> dict[str, npt.NDArray[np.int64]]:
    """Every per-step condition of the melody model: chords, positions, phrase and the lookbacks."""
    return {"chords": enc.chords, "positions": enc.positions, **mt.form_conditions(enc)}


def held_out(score: Score, fraction: float = HELD_OUT_FRACTION) -> bool:
    """Whether a piece is held out of the chord model's training (and kept for its benchmarks): a
    stable hash of its title and source, so the same piece is held out whichever collections are
    trained together and in whatever order."""
    return is_validation(score, 0, fraction)


def windows(
    tokens: npt.NDArray[np.int64], step_conds: dict[str, npt.NDArray[np.int64]], seq_conds: dict[str, int],
    *, length: int, stride: int, bos: int, pad: int,
) -> list[dict[str, npt.NDArray[np.int64]]]:
    """Windows of ``length`` steps every ``stride`` steps: inputs are the previous tokens (BOS first)."""
    out = []
    n = len(tokens)
    shifted = np.concatenate([[bos], tokens[:-1]]) if n else tokens
    for a in range(0, max(1, n - length + stride), stride):
        b = min(n, a + length)
        if b - a < 2:
            break
        item = {"inputs": np.full(length, pad, np.int64), "targets": np.full(length, pad, np.int64)}
        item["inputs"][: b - a] = shifted[a:b]
        item["targets"][: b - a] = tokens[a:b]
        for name, values in step_conds.items():
            item[name] = np.zeros(length, np.int64)
            item[name][: b - a] = values[a:b]
        for name, value in seq_conds.items():
            item[name] = np.array(value, np.int64)
        out.append(item)
        if b == n:
            break
    return out


def _stack(items: list[dict[str, npt.NDArray[np.int64]]], names: Iterable[str]) -> Arrays:
    return {name: np.stack([it[name] for it in items]) for name in names}


def melody_dataset(scores: Iterable[Score], length: int = 256, stride: int = 192) -> Dataset:
    """Melody windows: inputs/targets events, the step conditions of :func:`melody_step_conditions`,
    meter/mode/style. Windows are long (16 bars of 4/4) so the 8-bar lookback is seen in them."""
    train: list[dict[str, npt.NDArray[np.int64]]] = []
    val: list[dict[str, npt.NDArray[np.int64]]] = []
    skipped: Counter[str] = Counter()
    styles: Counter[str] = Counter()
    pieces = {"train": 0, "val": 0}
    for score in scores:
        try:
            # Positions would be wrong after a change of meter: keep the part before it.
            enc = mt.encode_score(score, end=mt.meter_span_end(score))
        except TunesmithError as err:
            skipped[type(err).__name__ + ": " + str(err).split(";")[0][:60]] += 1
            continue
        if not score.chords or not enc.chords.any():
            skipped["no chord symbols"] += 1
            continue
        items = windows(
            enc.events, melody_step_conditions(enc),
            {"meter": enc.meter_id, "mode": enc.mode_id, "style": enc.style_id},
            length=length, stride=stride, bos=mt.BOS, pad=mt.PAD,
        )  # fmt: skip
        split = "val" if melody_held_out(enc, score.metadata.title) else "train"
        (val if split == "val" else train).extend(items)
        pieces[split] += 1
        styles[enc.style] += 1
    return _finish(train, val, pieces, skipped, styles, length=length)


StepConds = dict[str, npt.NDArray[np.int64]]


def chord_beats(score: Score) -> tuple[npt.NDArray[np.int64], StepConds, dict[str, int]]:
    """Beat tokens of a score's chord symbols from its first full bar, with beat-in-bar and
    bar-in-phrase conditions and its meter/mode/style ids."""
    meter = mt.score_meter(score)
    key = mt.score_key(score)
    origin = mt.bar_origin(score)
    bar = ct.STEPS_PER_BAR[meter] * ct.STEP_TICKS
    beats_per_bar = ct.BEATS_PER_BAR[meter]
    n_bars = ((mt.meter_span_end(score) or score.end_tick()) - origin) // bar
    n_beats = max(0, n_bars * beats_per_bar)
    tokens = ct.beat_tokens(score.chords, key, meter, origin, n_beats)
    beat_index = np.arange(n_beats, dtype=np.int64)
    conds = {"positions": beat_index % beats_per_bar, "phrase": (beat_index // beats_per_bar) % PHRASE_BARS}
    seq = {
        "meter": ct.METERS.index(meter),
        "mode": mt.mode_index(key),
        "style": mt.STYLES.index(mt.style_of(score.metadata)),
    }
    return tokens, conds, seq


def chord_dataset(scores: Iterable[Score], length: int = 64, stride: int = 32) -> Dataset:
    """Chord-progression windows: one token per beat, from each piece's first full bar."""
    train: list[dict[str, npt.NDArray[np.int64]]] = []
    val: list[dict[str, npt.NDArray[np.int64]]] = []
    skipped: Counter[str] = Counter()
    styles: Counter[str] = Counter()
    pieces = {"train": 0, "val": 0}
    for score in scores:
        if not score.chords:
            skipped["no chord symbols"] += 1
            continue
        try:
            tokens, conds, seq = chord_beats(score)
        except TunesmithError as err:
            skipped[type(err).__name__ + ": " + str(err).split(";")[0][:60]] += 1
            continue
        if len(tokens) < 4 or (tokens == ct.NC).all():
            skipped["too short"] += 1
            continue
        items = windows(tokens, conds, seq, length=length, stride=stride, bos=ct.BOS, pad=ct.PAD)
        split = "val" if held_out(score) else "train"
        (val if split == "val" else train).extend(items)
        pieces[split] += 1
        styles[mt.STYLES[seq["style"]]] += 1
    return _finish(train, val, pieces, skipped, styles, length=length)


def _finish(
    train: list[dict[str, npt.NDArray[np.int64]]], val: list[dict[str, npt.NDArray[np.int64]]],
    pieces: dict[str, int], skipped: Counter[str], styles: Counter[str], *, length: int,
) -> Dataset:
    if train and not val and len(train) >= 2:
        # Tiny data sets (tests, a small user library) may hash no piece into validation.
        cut = max(1, len(train) // 10)
        train, val = train[:-cut], train[-cut:]
    if not train or not val:
        raise TunesmithError(
            f"not enough training data: {pieces['train']} training and {pieces['val']} validation pieces "
            f"usable (skipped: {dict(skipped) or 'none'})"
        )
    names = list(train[0])
    tr, va = _stack(train, names), _stack(val, names)
    info = {
        "pieces": pieces, "windows": {"train": len(train), "val": len(val)}, "window_length": length,
        "tokens": {"train": int((tr["targets"] != 0).sum()), "val": int((va["targets"] != 0).sum())},
        "skipped": dict(skipped), "styles": dict(styles),
    }  # fmt: skip
    return Dataset(tr, va, info)
