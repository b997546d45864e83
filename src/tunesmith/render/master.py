"""Mastering: bring a mix to a loudness target (−14 LUFS integrated) under a true-peak ceiling (−1 dBTP).

A static gain sets the loudness; a look-ahead limiter driven by the 4× oversampled peak envelope keeps
true peaks under the ceiling. Limiting lowers loudness a little, so gain and limiting are iterated until
the measured loudness is on target and the measured true peak is under the ceiling.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from tunesmith.render.loudness import ENVELOPE_BLOCK, db, integrated_lufs, peak_envelope, true_peak

if TYPE_CHECKING:
    import numpy as np

TARGET_LUFS = -14.0
CEILING_DBTP = -1.0
LOUDNESS_TOLERANCE = 0.5
SILENT_LUFS = -70.0  # BS.1770's absolute gate: anything quieter has no measurable loudness
SILENT_TRACK_DBFS = -70.0
_LIMITER_SECONDS = 0.012  # attack = release ramp of the limiter's gain
# Aim a little under the ceiling: applying a smooth gain moves inter-sample peaks slightly, and meters
# with longer interpolation filters than BS.1770's 48 taps read broadband transients up to ~0.1 dB higher.
_SAFETY_DB = 0.3
_MARGIN_DB = 2.0  # the limiter's envelope is exact wherever the gained signal comes this close to the aim


@dataclass(slots=True)
class MasterReport:
    """What mastering did and measured. Levels in dB; ``track_rms_dbfs`` is -inf for a silent track."""

    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    duration_s: float
    sample_rate: int
    target_lufs: float
    ceiling_dbtp: float
    gain_db: float = 0.0
    max_reduction_db: float = 0.0
    iterations: int = 0
    mastered: bool = True
    track_rms_dbfs: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def silent_tracks(self) -> list[str]:
        return [name for name, level in self.track_rms_dbfs.items() if level < SILENT_TRACK_DBFS]

    @property
    def on_target(self) -> bool:
        return (
            abs(self.integrated_lufs - self.target_lufs) <= LOUDNESS_TOLERANCE
            and self.true_peak_dbtp <= self.ceiling_dbtp + 1e-6
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["silent_tracks"] = self.silent_tracks
        return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in d.items()}

    def lines(self) -> list[str]:
        """Short human-readable summary."""
        out = [
            f"loudness {self.integrated_lufs:.1f} LUFS (target {self.target_lufs:g}), "
            f"true peak {self.true_peak_dbtp:.2f} dBTP (ceiling {self.ceiling_dbtp:g}), "
            f"sample peak {self.sample_peak_dbfs:.2f} dBFS, {self.duration_s:.1f} s at {self.sample_rate} Hz",
        ]
        if self.mastered:
            limiting = "no limiting"
            if self.max_reduction_db >= 0.05:
                limiting = f"limiter up to {self.max_reduction_db:.1f} dB"
            out.append(f"gain {self.gain_db:+.1f} dB, {limiting}")
        if self.track_rms_dbfs:
            out.append(
                "tracks (RMS dBFS): "
                + ", ".join(f"{name} {level:.1f}" for name, level in self.track_rms_dbfs.items())
            )
        out += [f"warning: {w}" for w in self.warnings]
        return out


def limiter_gain(envelope: np.ndarray, ceiling: float, window: int) -> np.ndarray:
    """Smooth gain (<= 1) so that gain[n] * envelope[n] <= ceiling at every sample.

    A minimum filter over the look-ahead window followed by a moving average of the same length gives
    ramps of ``window`` samples and never exceeds the per-sample requirement: each averaged minimum
    covers the sample itself. Only the stretches around samples over the ceiling are computed."""
    import numpy as np

    gain = np.ones(envelope.size, dtype=np.float32)
    over = np.flatnonzero(envelope > ceiling)
    if over.size == 0:
        return gain
    block = max(1024, window)
    nblocks = -(-envelope.size // block)
    marked = np.zeros(nblocks + 2, dtype=bool)
    hit = np.unique(over // block) + 1
    # A hit lowers the gain up to `window` samples either side: one block of margin covers it.
    marked[hit - 1] = marked[hit] = marked[hit + 1] = True
    marked = marked[1:-1]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], marked.astype(np.int8), [0]])))
    for b0, b1 in zip(edges[::2], edges[1::2], strict=True):
        lo, hi = b0 * block, min(envelope.size, b1 * block)
        gain[lo:hi] = _smooth_gain(envelope[lo:hi], ceiling, window)
    return gain


def _smooth_gain(envelope: np.ndarray, ceiling: float, window: int) -> np.ndarray:
    import numpy as np
    import scipy.ndimage

    need = np.minimum(1.0, ceiling / np.maximum(envelope.astype(np.float64), 1e-12))
    # minimum over [k, k + window - 1], then mean over [n - window + 1, n]
    held = scipy.ndimage.minimum_filter1d(need, size=window, origin=-(window // 2), mode="nearest")
    csum = np.concatenate([[0.0], np.cumsum(held)])
    idx = np.arange(held.size)
    lo = np.maximum(idx - window + 1, 0)
    smooth = (csum[idx + 1] - csum[lo]) / (idx + 1 - lo)
    return np.minimum(smooth, need).astype(np.float32)


def master(
    audio: np.ndarray,
    sample_rate: int,
    *,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = CEILING_DBTP,
    track_rms_dbfs: dict[str, float] | None = None,
    max_iterations: int = 8,
) -> tuple[np.ndarray, MasterReport]:
    """Master (channels, samples) float audio; returns the new audio and a MasterReport.

    Silent (or unmeasurably quiet) input is passed through unchanged with a warning."""
    import numpy as np

    x = np.ascontiguousarray(audio, dtype=np.float32)
    duration = x.shape[-1] / sample_rate
    tracks = dict(track_rms_dbfs or {})
    loudness = integrated_lufs(x, sample_rate)
    sample_peak = float(np.abs(x).max()) if x.size else 0.0
    if not math.isfinite(loudness) or loudness < SILENT_LUFS:
        report = MasterReport(loudness, db(true_peak(x)), db(sample_peak), duration, sample_rate,
                              target_lufs, ceiling_dbtp, mastered=False, track_rms_dbfs=tracks)
        report.warnings.append("the mix is silent: nothing to master, audio left unchanged")
        return x, report

    ceiling = 10 ** (ceiling_dbtp / 20)
    aim = 10 ** ((ceiling_dbtp - _SAFETY_DB) / 20)
    gain_db = target_lufs - loudness
    # One envelope serves both the source's true peak (exact: it is at least the sample peak) and,
    # if needed, the limiter (exact wherever the gained signal could come near the aim).
    threshold = min(sample_peak, aim / 10 ** ((gain_db + _MARGIN_DB) / 20))
    env = peak_envelope(x, threshold=threshold)
    source_peak = float(env.max())
    if gain_db + db(source_peak) <= ceiling_dbtp - _SAFETY_DB:
        # Gain alone fits under the ceiling. Both measures scale exactly with a constant gain (BS.1770's
        # gates are relative, and the absolute -70 LUFS gate lies far below any audible block), so no
        # re-measuring is needed: the common case costs one loudness and one true-peak pass.
        g = 10 ** (gain_db / 20)
        out = (x * np.float32(g)).astype(np.float32, copy=False)
        report = MasterReport(loudness + gain_db, db(source_peak * g), db(sample_peak * g), duration,
                              sample_rate, target_lufs, ceiling_dbtp, gain_db=gain_db, iterations=1,
                              track_rms_dbfs=tracks)
        return out, report
    out, measured, peak, reduction, gain_db, iterations = _limit(
        x, env, sample_rate, target_lufs=target_lufs, gain_db=gain_db, aim=aim, ceiling=ceiling,
        max_iterations=max_iterations,
    )
    report = MasterReport(measured, db(peak), db(float(np.abs(out).max())), duration, sample_rate,
                          target_lufs, ceiling_dbtp, gain_db=gain_db, max_reduction_db=reduction,
                          iterations=iterations, track_rms_dbfs=tracks)
    if abs(measured - target_lufs) > LOUDNESS_TOLERANCE:
        report.warnings.append(f"loudness {measured:.1f} LUFS missed the target {target_lufs:g}")
    if peak > ceiling:
        report.warnings.append(f"true peak {db(peak):.2f} dBTP is above the ceiling {ceiling_dbtp:g}")
    return out, report


def _limit(
    x: np.ndarray, env: np.ndarray, sample_rate: int, *, target_lufs: float, gain_db: float, aim: float,
    ceiling: float, max_iterations: int,
) -> tuple[np.ndarray, float, float, float, float, int]:
    """Gain plus look-ahead limiting, iterated until loudness and true peak both hold.

    Returns (audio, measured LUFS, true peak (linear), max gain reduction dB, gain dB, iterations)."""
    import numpy as np

    window = max(1, int(_LIMITER_SECONDS * sample_rate))
    env_gain_db = gain_db
    out = x
    measured, peak, reduction = float("-inf"), 0.0, 0.0
    iterations = 0
    previous: tuple[float, float] | None = None  # (gain_db, measured) of the last loudness step
    for iterations in range(1, max_iterations + 1):
        if gain_db > env_gain_db + _MARGIN_DB:  # more gain than the envelope was made for: redo it
            env = peak_envelope(x, threshold=aim / 10 ** ((gain_db + _MARGIN_DB) / 20))
            env_gain_db = gain_db
        g = np.float32(10 ** (gain_db / 20))
        curve = limiter_gain(env * g, aim, window)
        reduction = -db(float(curve.min()))
        out = (x * (curve * g)).astype(np.float32, copy=False)
        measured = integrated_lufs(out, sample_rate)
        if abs(measured - target_lufs) > LOUDNESS_TOLERANCE / 5 and iterations < max_iterations:
            # Limiting costs loudness, so a dB of gain buys less than a dB: step by the measured slope.
            slope = 1.0
            if previous is not None and abs(gain_db - previous[0]) > 1e-3:
                slope = min(1.0, max(0.2, (measured - previous[1]) / (gain_db - previous[0])))
            previous = (gain_db, measured)
            gain_db += (target_lufs - measured) / slope
            continue
        # The gain curve keeps the oversampled envelope under the aim; check the result for real.
        peak = _output_true_peak(out, env, float(g), curve)
        if peak <= ceiling:
            break
        aim *= ceiling / peak * 10 ** (-0.05 / 20)
    return out, measured, peak, reduction, gain_db, iterations


def _output_true_peak(out: np.ndarray, env: np.ndarray, gain: float, curve: np.ndarray) -> float:
    """True peak of ``out`` = source * gain * curve, re-measured only where the limiter acted.

    Elsewhere ``out`` is the source times a constant, so its envelope is the source's times ``gain``
    (exact wherever it matters: ``env`` is exact near the aim)."""
    import numpy as np

    block = ENVELOPE_BLOCK
    nblocks = -(-out.shape[-1] // block)
    acted = np.zeros(nblocks + 2, dtype=bool)
    touched = np.unique(np.flatnonzero(curve < 1.0) // block) + 1
    acted[touched - 1] = acted[touched] = acted[touched + 1] = True  # the filter reaches a few samples
    blocks = np.flatnonzero(acted[1:-1])
    if blocks.size == 0:
        return float(env.max()) * gain
    out_env = peak_envelope(out, blocks=blocks)
    inside = np.zeros(nblocks * block, dtype=bool)
    inside.reshape(nblocks, block)[blocks] = True
    inside = inside[: out.shape[-1]]
    rest = float(env[~inside].max()) * gain if (~inside).any() else 0.0
    return max(float(out_env[inside].max()), rest)
