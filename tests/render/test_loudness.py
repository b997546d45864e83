from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
import scipy.signal

from tunesmith.render.loudness import db, integrated_lufs, peak_envelope, true_peak, true_peak_dbtp

SR = 44100


def _music_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = scipy.signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal((2, int(seconds * SR))), axis=1)
    x[:, int(2 * SR) : int(3 * SR)] *= 0.001  # a near-silent stretch the gates must drop
    return (0.05 * x).astype(np.float32)


def test_integrated_loudness_matches_pyloudnorm():
    x = _music_like(8.0)
    ours = integrated_lufs(x, SR)
    reference = pyloudnorm.Meter(SR).integrated_loudness(x.T.astype(np.float64))
    assert ours == pytest.approx(reference, abs=0.01)


def test_sine_calibration():
    # BS.1770: a 1 kHz sine at 0 dBFS in one channel reads -3.01 LKFS; in both, 0.
    t = np.arange(5 * SR) / SR
    sine = 0.1 * np.sin(2 * np.pi * 997 * t)
    assert integrated_lufs(np.stack([sine, sine]), SR) == pytest.approx(-20.0, abs=0.1)
    assert integrated_lufs(np.stack([sine, 0 * sine]), SR) == pytest.approx(-23.01, abs=0.1)


def test_silence_and_too_short_are_minus_infinity():
    assert integrated_lufs(np.zeros((2, SR)), SR) == float("-inf")
    assert integrated_lufs(np.ones((2, 100)) * 0.5, SR) == float("-inf")
    assert db(0.0) == float("-inf")


def test_true_peak_finds_intersample_overs():
    # fs/4 sine at 45 degrees: every sample is at 0.707 but the waveform peaks at 1.0 between samples.
    n = np.arange(4000)
    x = np.sin(2 * np.pi * n / 4 + math.pi / 4)
    fade = np.minimum(1.0, np.minimum(n, n[::-1]) / 400)  # no abrupt start: it would ring on its own
    x = (x * fade).astype(np.float32)
    x = np.stack([x, 0.5 * x])
    assert float(np.abs(x).max()) == pytest.approx(0.7071, abs=1e-3)
    assert true_peak(x) == pytest.approx(1.0, abs=0.01)
    assert true_peak_dbtp(x) == pytest.approx(0.0, abs=0.1)


def test_true_peak_agrees_with_polyphase_resampling():
    x = _music_like(3.0, seed=3)
    reference = float(np.abs(scipy.signal.resample_poly(x, 4, 1, axis=1)).max())
    assert db(true_peak(x)) == pytest.approx(db(reference), abs=0.1)
    assert true_peak(x) >= float(np.abs(x).max())


def test_thresholded_envelope_is_exact_where_it_matters():
    x = _music_like(2.0, seed=5)
    exact = peak_envelope(x)
    threshold = 0.6 * float(exact.max())
    fast = peak_envelope(x, threshold=threshold)
    above = exact >= threshold
    assert above.any()
    np.testing.assert_allclose(fast[above], exact[above], rtol=1e-6)
    assert (fast[~above] < threshold).all()
