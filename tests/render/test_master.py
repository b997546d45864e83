from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
import scipy.signal

from tunesmith.render.loudness import db, true_peak
from tunesmith.render.master import limiter_gain, master
from tunesmith.render.mix import mix_stems

SR = 44100


def _reference_checks(audio: np.ndarray, target: float = -14.0) -> None:
    """Independent meters: pyloudnorm for loudness, scipy's polyphase resampler for the true peak."""
    lufs = pyloudnorm.Meter(SR).integrated_loudness(audio.T.astype(np.float64))
    peak = float(np.abs(scipy.signal.resample_poly(audio, 4, 1, axis=1)).max())
    assert lufs == pytest.approx(target, abs=0.5)
    assert db(peak) <= -1.0


def test_rendered_mix_is_mastered_to_target(stems):
    mixed = mix_stems(stems)
    rms = dict(zip(mixed.names, mixed.track_rms_dbfs, strict=True))
    out, report = master(mixed.audio, SR, track_rms_dbfs=rms)
    assert report.mastered and report.on_target and not report.warnings
    assert report.integrated_lufs == pytest.approx(-14.0, abs=0.5)
    assert report.true_peak_dbtp <= -1.0
    assert report.sample_peak_dbfs <= report.true_peak_dbtp + 1e-6
    assert report.duration_s == pytest.approx(out.shape[1] / SR)
    assert report.silent_tracks == []
    assert report.true_peak_dbtp == pytest.approx(db(true_peak(out)), abs=0.01)
    _reference_checks(out)


def test_spiky_input_needs_the_limiter_and_still_hits_both_targets():
    t = np.arange(8 * SR) / SR
    x = np.stack([0.01 * np.sin(2 * np.pi * 220 * t)] * 2)
    x[:, :: SR // 3] += 0.9  # clicks: a crest factor no gain alone can fit under the ceiling
    out, report = master(x.astype(np.float32), SR)
    assert report.max_reduction_db > 10
    assert report.integrated_lufs == pytest.approx(-14.0, abs=0.5)
    assert report.true_peak_dbtp <= -1.0
    # The report re-measures only where the limiter acted; a full measurement must agree.
    assert report.true_peak_dbtp == pytest.approx(db(true_peak(out)), abs=0.01)
    _reference_checks(out)


def test_too_loud_input_is_turned_down():
    rng = np.random.default_rng(0)
    x = np.clip(rng.standard_normal((2, 5 * SR)) * 0.5, -1, 1).astype(np.float32)
    out, report = master(x, SR)
    assert report.gain_db < -5
    assert report.true_peak_dbtp == pytest.approx(db(true_peak(out)), abs=0.01)
    _reference_checks(out)


def test_dense_material_needing_a_little_limiting():
    # Noise bursts of varying level: the limiter acts on some of them only.
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 6 * SR)) * np.repeat(rng.uniform(0.02, 0.3, 60), SR // 10)
    x[:, :: SR // 7] *= 6.0  # a few spikes over the ceiling
    out, report = master(x.astype(np.float32), SR)
    assert 0 < report.max_reduction_db < 12
    assert report.true_peak_dbtp == pytest.approx(db(true_peak(out)), abs=0.01)
    _reference_checks(out)


def test_other_targets():
    rng = np.random.default_rng(1)
    x = (0.05 * rng.standard_normal((2, 5 * SR))).astype(np.float32)
    out, report = master(x, SR, target_lufs=-18.0, ceiling_dbtp=-2.0)
    assert report.integrated_lufs == pytest.approx(-18.0, abs=0.5)
    assert db(true_peak(out)) <= -2.0


def test_silence_passes_through_with_a_warning():
    x = np.zeros((2, 3 * SR), dtype=np.float32)
    out, report = master(x, SR, track_rms_dbfs={"melody": float("-inf")})
    assert not out.any()
    assert not report.mastered
    assert any("silent" in w for w in report.warnings)
    assert report.silent_tracks == ["melody"]
    assert report.to_dict()["integrated_lufs"] is None  # JSON-safe


def test_limiter_gain_never_lets_the_envelope_over_the_ceiling():
    rng = np.random.default_rng(2)
    env = np.abs(rng.standard_normal(20000)).astype(np.float32) * np.repeat(rng.random(20) * 3, 1000)
    gain = limiter_gain(env, 0.8, window=300)
    assert (gain * env <= 0.8 + 1e-6).all()
    assert gain.max() <= 1.0
    assert np.abs(np.diff(gain)).max() < 0.05  # smooth: ramps, not jumps
    assert limiter_gain(np.full(100, 0.1, np.float32), 0.8, 10).min() == 1.0


def test_report_lines_summarise(stems):
    mixed = mix_stems(stems)
    _, report = master(mixed.audio, SR, track_rms_dbfs={"melody": -20.0, "bass": -90.0})
    text = "\n".join(report.lines())
    assert "LUFS" in text and "dBTP" in text and "melody -20.0" in text
    assert report.silent_tracks == ["bass"]
