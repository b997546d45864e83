"""Landmark fingerprints on synthetic tunes: a degraded excerpt names its piece and offset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from tunesmith.errors import ControlError, CorruptFileError, InputFileError
from tunesmith.originality import audioprint as ap

SR = ap.SAMPLE_RATE


def synth(seed: int, seconds: float = 30.0) -> np.ndarray:
    """Random harmonic notes (a few partials each) of random pitch and length (0.15-0.6 s)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR), dtype=np.float64)
    t = 0
    while t < len(out):
        n = int(rng.uniform(0.15, 0.6) * SR)
        f0 = 220 * 2 ** rng.uniform(0, 2)
        x = np.arange(min(n, len(out) - t)) / SR
        note = sum(np.sin(2 * np.pi * f0 * k * x) / k for k in range(1, 5)) * np.exp(-3 * x)
        out[t : t + len(x)] += note
        t += n
    return (0.3 * out / np.abs(out).max()).astype(np.float32)


@pytest.fixture(scope="module")
def tunes() -> list[np.ndarray]:
    return [synth(s) for s in range(6)]


@pytest.fixture(scope="module")
def index(tunes: list[np.ndarray]) -> ap.AudioIndex:
    return ap.AudioIndex.build(
        [ap.fingerprint(t) for t in tunes[:5]],
        [f"p{i}" for i in range(5)],
        [f"Piece {i}" for i in range(5)],
        [30.0] * 5,
    )


def test_degraded_excerpt_is_identified_with_offset(tunes: list[np.ndarray], index: ap.AudioIndex) -> None:
    clip = tunes[3][12 * SR : 22 * SR]
    clip = resample_poly(clip, 100, 102)  # 2% faster
    rng = np.random.default_rng(0)
    clip = clip * 2.0 + rng.standard_normal(len(clip)) * np.sqrt(
        np.mean(clip**2) * 4 / 10
    )  # +6 dB, 10 dB SNR
    hit = index.identify(clip.astype(np.float32))
    assert hit is not None and hit.id == "p3"
    assert abs(hit.offset_seconds - 12.0) < 1.0
    assert hit.speed > 1.0


def test_unindexed_audio_is_not_matched(tunes: list[np.ndarray], index: ap.AudioIndex) -> None:
    assert index.identify(tunes[5][5 * SR : 15 * SR]) is None


def test_fingerprint_round_trip_and_bad_blob() -> None:
    h, a = ap.read_fingerprint(ap.fingerprint(synth(9, 5.0)))
    assert len(h) == len(a) > 0
    with pytest.raises(ControlError):
        ap.read_fingerprint(b"TSL1\x05\x00\x00\x00")


def test_index_save_load(index: ap.AudioIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "a.npz")
    loaded = ap.AudioIndex.load(tmp_path / "a.npz")
    assert loaded.ids == index.ids and np.array_equal(loaded.hashes, index.hashes)


def test_bad_audio_files_get_clear_errors(tmp_path: Path) -> None:
    from pedalboard.io import AudioFile

    (tmp_path / "text.wav").write_bytes(b"this is not audio")
    with pytest.raises(CorruptFileError):
        ap.read_audio(tmp_path / "text.wav")
    with pytest.raises(InputFileError):
        ap.read_audio(tmp_path / "missing.wav")
    for name, samples, problem in (
        ("short.wav", np.full(SR, 0.1), "at least"),
        ("silent.wav", np.zeros(5 * SR), "silent"),
    ):
        with AudioFile(str(tmp_path / name), "w", SR, 1) as fh:
            fh.write(samples.astype(np.float32)[None, :])
        with pytest.raises(ControlError, match=problem):
            ap.read_audio(tmp_path / name)
