"""Piano-roll sequences for the polyphonic model: the benchmark's .mat files, batching, transposition."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from tunesmith.errors import CorruptFileError, InputFileError

SPLITS = ("traindata", "validdata", "testdata")

Roll = np.ndarray  # (T, K) uint8, one row per frame


def load_mat(path: str | Path) -> dict[str, list[Roll]]:
    """The three splits of a polyphonic-benchmark .mat file (keys traindata/validdata/testdata, each a
    1×N cell of T×K binary arrays). Any bad file or layout raises an InputFileError naming the problem."""
    import scipy.io  # heavy: only when a .mat file is read

    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "file not found")
    try:
        raw = scipy.io.loadmat(str(p))
    except Exception as err:  # scipy raises ValueError, MatReadError, TypeError... for non-.mat input
        raise CorruptFileError(p, f"not a readable MATLAB .mat file ({err})") from err
    out: dict[str, list[Roll]] = {}
    n_keys: int | None = None
    for split in SPLITS:
        if split not in raw:
            found = sorted(k for k in raw if not k.startswith("__"))
            raise CorruptFileError(p, f"missing '{split}' (expects traindata/validdata/testdata; "
                                      f"found {found})")
        cell = raw[split]
        if not isinstance(cell, np.ndarray) or cell.dtype != object or cell.ndim != 2 or 1 not in cell.shape:
            raise CorruptFileError(p, f"'{split}' is not a 1×N cell array of piano rolls")
        seqs: list[Roll] = []
        for i, item in enumerate(cell.ravel()):
            arr = np.asarray(item)
            if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
                raise CorruptFileError(p, f"'{split}' sequence {i} has shape {arr.shape}, expected T×keys")
            if not np.isin(arr, (0, 1)).all():
                raise CorruptFileError(p, f"'{split}' sequence {i} holds values other than 0 and 1")
            if n_keys is None:
                n_keys = arr.shape[1]
            elif arr.shape[1] != n_keys:
                raise CorruptFileError(p, f"'{split}' sequence {i} has {arr.shape[1]} keys, others {n_keys}")
            seqs.append(arr.astype(np.uint8))
        if not seqs:
            raise CorruptFileError(p, f"'{split}' holds no sequences")
        out[split] = seqs
    return out


def frame_count(seqs: Sequence[Roll]) -> int:
    return sum(int(s.shape[0]) for s in seqs)


def pad_batch(seqs: Sequence[Roll]) -> tuple[torch.Tensor, torch.Tensor]:
    """frames (B, T, K) float and mask (B, T), padded to the longest sequence."""
    T = max(s.shape[0] for s in seqs)
    K = seqs[0].shape[1]
    frames = np.zeros((len(seqs), T, K), dtype=np.float32)
    mask = np.zeros((len(seqs), T), dtype=np.float32)
    for i, s in enumerate(seqs):
        frames[i, : s.shape[0]] = s
        mask[i, : s.shape[0]] = 1.0
    return torch.from_numpy(frames), torch.from_numpy(mask)


def transpose_roll(roll: Roll, shift: int) -> Roll:
    """The roll moved ``shift`` keys up (down when negative); notes pushed off the keyboard are dropped
    (callers choose shifts that keep every note, see legal_shifts)."""
    out = np.zeros_like(roll)
    K = roll.shape[1]
    if shift >= 0:
        out[:, shift:] = roll[:, : K - shift]
    else:
        out[:, : K + shift] = roll[:, -shift:]
    return out


def legal_shifts(roll: Roll, max_shift: int) -> list[int]:
    """Shifts in [-max_shift, max_shift] that keep every note of ``roll`` on the keyboard."""
    used = np.nonzero(roll.any(axis=0))[0]
    if used.size == 0:
        return [0]
    lo, hi = int(used.min()), int(used.max())
    K = roll.shape[1]
    return [s for s in range(-max_shift, max_shift + 1) if lo + s >= 0 and hi + s < K]


def length_batches(
    seqs: Sequence[Roll], batch_size: int, rng: np.random.Generator | None
) -> Iterator[list[int]]:
    """Indices of batches of similar length (little padding); shuffled batch order when rng given."""
    order = sorted(range(len(seqs)), key=lambda i: seqs[i].shape[0])
    if rng is not None:
        # Jitter lengths a little so batches differ from epoch to epoch.
        jitter = rng.uniform(0, 0.3, len(seqs))
        order = sorted(range(len(seqs)), key=lambda i: seqs[i].shape[0] * jitter[i] + seqs[i].shape[0])
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(batches)
    yield from batches
