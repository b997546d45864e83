"""Loudness (ITU-R BS.1770-4 integrated LUFS) and true peak (4× oversampled), fast enough to iterate on.

``integrated_lufs`` uses pyloudnorm's K-weighting filters and its exact gating arithmetic, vectorised
(pyloudnorm loops over blocks in Python); the tests check both agree. ``true_peak`` interpolates the
three in-between phases of a 4× oversampling with a 49-tap windowed-sinc filter whose phase 0 is the
identity, as BS.1770-4 Annex 2 describes; a plain sample peak misses inter-sample overs.

Audio is channels first, (channels, samples), like the rest of render/ (pyloudnorm itself takes
(samples, channels): pass ``audio.T`` to it).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

ABSOLUTE_GATE_LUFS = -70.0
OVERSAMPLE = 4
_TAPS_PER_PHASE = 12


def db(x: float) -> float:
    """Amplitude ratio to decibels; 0 gives -inf instead of a warning."""
    return 20.0 * math.log10(x) if x > 0 else float("-inf")


@functools.cache
def _k_weighting_sos(rate: int) -> tuple[np.ndarray, float]:
    import numpy as np
    import pyloudnorm

    meter = pyloudnorm.Meter(rate)
    rows = []
    gain = 1.0
    for stage in meter._filters.values():  # high shelf then high pass, as pyloudnorm applies them
        b = np.asarray(stage.b, dtype=np.float64)
        a = np.asarray(stage.a, dtype=np.float64)
        rows.append(np.concatenate([b / a[0], a / a[0]]))
        gain *= stage.passband_gain
    return np.stack(rows), gain


def k_weighted(audio: np.ndarray, rate: int) -> np.ndarray:
    """K-weighted float32 copy of (channels, samples) ``audio`` (float32 is ample for a loudness figure
    and halves the memory traffic, which dominates here)."""
    import numpy as np
    import scipy.signal

    sos, gain = _k_weighting_sos(rate)
    x = audio if audio.ndim == 2 else audio[None, :]
    rows = np.ascontiguousarray(x, dtype=np.float32)
    scaled = sos.copy()
    scaled[0, :3] *= gain  # fold the passband gain into the first section's numerator
    y: np.ndarray = scipy.signal.sosfilt(scaled.astype(np.float32), rows, axis=1)
    return y


def integrated_lufs(audio: np.ndarray, rate: int, block_seconds: float = 0.4) -> float:
    """Gated integrated loudness in LUFS of (channels, samples) audio; -inf for silence or < one block."""
    import numpy as np

    x = audio if audio.ndim == 2 else audio[None, :]
    n = x.shape[1]
    if n < block_seconds * rate:
        return float("-inf")
    y = k_weighted(x, rate)
    # Mean square of each 400 ms block, 75 % overlap; same block edges as pyloudnorm.
    seconds = n / rate
    step = block_seconds * 0.25
    count = round((seconds - block_seconds) / step) + 1
    j = np.arange(count)
    lo = (block_seconds * (j * 0.25) * rate).astype(np.int64)
    hi = np.minimum((block_seconds * (j * 0.25 + 1) * rate).astype(np.int64), n)
    z = np.empty((count, y.shape[0]))
    for c, row in enumerate(y):
        csum = np.concatenate([[0.0], np.cumsum(np.square(row), dtype=np.float64)])
        z[:, c] = (csum[hi] - csum[lo]) / (block_seconds * rate)  # (blocks, channels)
    power = z.sum(axis=1)  # channel weights are 1.0 for L and R
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(power)
    gated = block_lufs >= ABSOLUTE_GATE_LUFS
    if not gated.any():
        return float("-inf")
    relative = -0.691 + 10.0 * math.log10(float(z[gated].mean(axis=0).sum())) - 10.0
    gated &= block_lufs > relative
    if not gated.any():
        return float("-inf")
    return -0.691 + 10.0 * math.log10(float(z[gated].mean(axis=0).sum()))


@functools.cache
def _phase_filters() -> np.ndarray:
    """(12, 3) taps of the three fractional phases (1/4, 2/4, 3/4) of a 4× interpolator."""
    import numpy as np
    import scipy.signal

    taps = OVERSAMPLE * _TAPS_PER_PHASE + 1
    h = scipy.signal.firwin(taps, 1.0 / OVERSAMPLE, window=("kaiser", 6.0)) * OVERSAMPLE
    # Reversed: the interpolated value at n + p/4 is sum_k h[p + 4k] * x[n + 6 - k] (a convolution).
    return np.stack([h[p::OVERSAMPLE][:_TAPS_PER_PHASE][::-1] for p in range(1, OVERSAMPLE)], axis=1).astype(
        np.float32
    )


ENVELOPE_BLOCK = 1024  # peak_envelope decides block by block where to interpolate


def peak_envelope(audio: np.ndarray, threshold: float = 0.0, blocks: np.ndarray | None = None) -> np.ndarray:
    """Per sample n, the largest |value| over all channels of the 4× oversampled signal in [n, n+1).

    Shape (samples,), float32. Inter-sample values are only computed where they could reach
    ``threshold`` (bounded by the local sample peak times the filter's absolute tap sum); elsewhere the
    sample value stands in, which is then also below ``threshold``. With threshold 0 it is exact
    everywhere; its maximum is the true peak. ``blocks`` (indices of ENVELOPE_BLOCK-sample blocks)
    replaces the threshold test: exactly those blocks are interpolated."""
    import numpy as np
    import scipy.ndimage

    x = np.asarray(audio, dtype=np.float32)
    x = x if x.ndim == 2 else x[None, :]
    env = np.abs(x).max(axis=0)
    if env.size == 0:
        return env
    taps = _phase_filters()  # (12, 3)
    bound = float(np.abs(taps).sum(axis=0).max())
    half = _TAPS_PER_PHASE // 2
    # Work in blocks: only blocks whose neighbourhood could interpolate above threshold are filtered.
    n = env.size
    block = ENVELOPE_BLOCK
    nblocks = -(-n // block)
    padded_env = np.zeros(nblocks * block, np.float32)
    padded_env[:n] = env
    block_max = padded_env.reshape(nblocks, block).max(axis=1)
    near = block_max.copy()
    near[1:] = np.maximum(near[1:], block_max[:-1])
    near[:-1] = np.maximum(near[:-1], block_max[1:])
    todo = np.flatnonzero(near * bound >= threshold) if blocks is None else np.asarray(blocks)
    if todo.size == 0:
        return env
    # Gather the candidate blocks with `half` samples of context each side into one (channels, m, L)
    # array, so each phase is one filter call however scattered the blocks are.
    margin = half + 1
    xp = np.zeros((x.shape[0], nblocks * block + 2 * margin), np.float32)
    xp[:, margin : margin + n] = x
    env_blocks = padded_env.reshape(nblocks, block)
    chunk = max(1, (1 << 22) // (block * x.shape[0]))  # bounded memory: ~16 MB of samples per pass
    offsets = np.arange(block + 2 * margin)
    for c0 in range(0, todo.size, chunk):
        ids = todo[c0 : c0 + chunk]
        segments = xp[:, ids[:, None] * block + offsets]  # (channels, m, block + 2 margin)
        for p in range(taps.shape[1]):
            # origin -1: the value between sample i and i+1 lands at index i.
            y = scipy.ndimage.correlate1d(segments, taps[:, p], axis=-1, mode="constant", origin=-1)
            inter = np.abs(y[:, :, margin : margin + block]).max(axis=0)
            env_blocks[ids] = np.maximum(env_blocks[ids], inter)
    return padded_env[:n]


def true_peak(audio: np.ndarray) -> float:
    """True peak (linear, 4× oversampled) of (channels, samples) audio."""
    import numpy as np

    if audio.size == 0:
        return 0.0
    sample_peak = float(np.abs(audio).max())
    return float(peak_envelope(audio, threshold=sample_peak).max())


def true_peak_dbtp(audio: np.ndarray) -> float:
    return db(true_peak(audio))
