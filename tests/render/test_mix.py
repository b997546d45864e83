from __future__ import annotations

import math

import numpy as np
import pytest

from tunesmith.errors import ControlError
from tunesmith.render.mix import (
    MixPlan,
    MixSettings,
    default_mix_plan,
    gated_rms,
    mix_stems,
    mix_streamed,
    pan_gains,
    track_role,
)
from tunesmith.render.synth import Stem
from tunesmith.score import Note, Track

SR = 44100


def _stem(name: str, audio: np.ndarray, program: int = 0, is_drum: bool = False) -> Stem:
    return Stem(name, program, is_drum, np.ascontiguousarray(audio, dtype=np.float32), SR)


def _noise(seconds: float = 2.0, level: float = 0.1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return level * rng.standard_normal((2, int(seconds * SR)))


def test_roles_from_names_programs_and_register():
    assert track_role(Track("anything", 0, is_drum=True)) == "drums"
    assert track_role(Track("Lead melody", 0)) == "melody"
    assert track_role(Track("Bass", 0)) == "bass"
    assert track_role(Track("String pad", 48)) == "pad"
    assert track_role(Track("comping", 0)) == "chords"
    assert track_role(Track("", 33)) == "bass"
    assert track_role(Track("", 89)) == "pad"
    assert track_role(Track("", 0, notes=[Note(36, 0, 480), Note(40, 480, 480)])) == "bass"
    block = [Note(p, t, 480) for t in (0, 480) for p in (60, 64, 67)]
    assert track_role(Track("", 0, notes=block)) == "chords"
    assert track_role(Track("", 73, notes=[Note(72, 0, 480)])) == "melody"


def test_default_plan_levels_and_panning(score):
    tracks = [*score.tracks, Track("warm pad", 89), Track("piano comp 2", 0)]
    plan = default_mix_plan(tracks)
    by_role = {s.role: s for s in reversed(plan.tracks)}  # the first track of each role
    assert by_role["melody"].gain_db > by_role["chords"].gain_db > by_role["pad"].gain_db
    assert by_role["bass"].pan == 0.0 and by_role["drums"].pan == 0.0 and by_role["melody"].pan == 0.0
    assert by_role["bass"].highpass_hz < 50 < by_role["melody"].highpass_hz
    assert by_role["bass"].compress and by_role["drums"].compress
    chords = [s for s in plan.tracks if s.role == "chords"]
    assert len(chords) == 2
    assert chords[0].pan * chords[1].pan < 0  # the two chord parts sit on opposite sides
    assert by_role["pad"].reverb_send > by_role["bass"].reverb_send


def test_constant_power_pan():
    assert pan_gains(0.0) == pytest.approx((1.0, 1.0))
    assert pan_gains(-1.0) == pytest.approx((math.sqrt(2), 0.0), abs=1e-9)
    assert pan_gains(1.0) == pytest.approx((0.0, math.sqrt(2)), abs=1e-9)
    for p in np.linspace(-1, 1, 9):
        left, right = pan_gains(float(p))
        assert left**2 + right**2 == pytest.approx(2.0)


def test_mix_applies_levels_pan_and_auto_level():
    loud = _stem("melody", _noise(level=0.3, seed=1))
    quiet = _stem("pad", _noise(level=0.01, seed=2))
    plan = MixPlan(
        tracks=[
            MixSettings(gain_db=0.0, pan=-1.0, reverb_send=0.0),
            MixSettings(gain_db=-12.0, reverb_send=0.0),
        ]
    )
    result = mix_stems([loud, quiet], plan)
    melody, pad = result.stems
    assert not melody[1].any()  # hard left: nothing on the right
    # Auto-level brings both to the same level first, so only gain_db separates them (the pan law keeps
    # the power of a hard-panned track equal to a centred one).
    ratio_db = 20 * math.log10(gated_rms(melody, SR) / gated_rms(pad, SR))
    assert ratio_db == pytest.approx(12.0, abs=0.5)
    body = slice(0, -SR // 4)  # the last quarter second is faded out
    np.testing.assert_allclose(result.audio[:, body], (melody + pad)[:, body], atol=1e-6)
    assert np.abs(result.audio[:, -10:]).max() < 1e-4
    assert result.track_rms_dbfs[0] > result.track_rms_dbfs[1]


def test_highpass_removes_low_rumble():
    t = np.arange(2 * SR) / SR
    hum = np.stack([0.2 * np.sin(2 * np.pi * 40 * t)] * 2)
    plan = MixPlan(tracks=[MixSettings(highpass_hz=300.0, reverb_send=0.0)], auto_level=False)
    out = mix_stems([_stem("melody", hum)], plan).audio
    # 40 Hz is ~2.9 octaves under 300 Hz: a 12 dB/octave slope takes it down ~35 dB.
    assert gated_rms(out[:, SR // 2 :], SR) < 0.03 * gated_rms(hum, SR)


def test_reverb_send_adds_a_tail():
    click = np.zeros((2, 3 * SR))
    click[:, 1000:1100] = 0.5
    dry = mix_stems([_stem("x", click)], MixPlan(tracks=[MixSettings(reverb_send=0.0)], auto_level=False))
    wet = mix_stems([_stem("x", click)], MixPlan(tracks=[MixSettings(reverb_send=1.0)], auto_level=False))
    after = slice(SR // 2, SR)
    assert np.abs(dry.audio[:, after]).max() == 0.0
    assert np.abs(wet.audio[:, after]).max() > 1e-4


def test_silent_and_muted_tracks_are_reported():
    result = mix_stems(
        [_stem("a", _noise()), _stem("silent", np.zeros((2, 2 * SR))), _stem("muted", _noise(seed=4))],
        MixPlan(tracks=[MixSettings(), MixSettings(), MixSettings(mute=True)]),
    )
    assert result.track_rms_dbfs[1] == float("-inf")
    assert not result.stems[2].any()
    assert math.isfinite(result.track_rms_dbfs[0])


def test_invalid_settings_are_control_errors():
    stem = _stem("a", _noise())
    with pytest.raises(ControlError, match="pan"):
        mix_stems([stem], MixPlan(tracks=[MixSettings(pan=1.5)]))
    with pytest.raises(ControlError, match="reverb_send"):
        mix_stems([stem], MixPlan(tracks=[MixSettings(reverb_send=-0.1)]))
    with pytest.raises(ControlError, match="1 track settings for 2"):
        mix_stems([stem, stem], MixPlan(tracks=[MixSettings()]))
    with pytest.raises(ControlError):
        mix_stems([], None)


def test_default_highpass_stays_below_the_parts_low_notes():
    low_pad = Track("pad", 89, notes=[Note(p, 0, 1920) for p in (48, 52, 55)])  # C3 = 131 Hz
    high_melody = Track("melody", 73, notes=[Note(p, i * 480, 480) for i, p in enumerate((72, 74, 76))])
    plan = default_mix_plan([low_pad, high_melody])
    assert plan.tracks[0].highpass_hz <= 0.6 * 131
    assert plan.tracks[1].highpass_hz == 120.0  # C5 and up: the role's default is already well below


def test_streamed_mix_matches_across_worker_counts_and_keeps_stems_on_request():
    stems = [_stem(f"t{i}", _noise(seconds=1.0, level=0.05 * (i + 1), seed=i)) for i in range(5)]
    plan = default_mix_plan([Track("melody", 73), Track("bass", 33), Track("pad", 89), Track("chords", 0),
                             Track("drums", 0, True)])
    length = stems[0].audio.shape[1]
    results = [
        mix_streamed(lambda _w, i: stems[i].audio, [s.name for s in stems], plan, SR, length,
                     keep_stems=keep, workers=workers)
        for workers, keep in ((1, True), (2, False), (3, True))
    ]
    for other in results[1:]:
        np.testing.assert_array_equal(other.audio, results[0].audio)
        assert other.track_rms_dbfs == pytest.approx(results[0].track_rms_dbfs)
    assert len(results[0].stems) == 5 and results[1].stems == []
    assert np.array_equal(stems[0].audio, _noise(seconds=1.0, level=0.05, seed=0).astype(np.float32))


def test_streamed_mix_passes_a_worker_failure_on():
    def produce(worker: int, i: int) -> np.ndarray:
        if i == 3:
            raise ValueError("track 3 broke")
        return _noise(seconds=0.5, seed=i).astype(np.float32)

    plan = MixPlan(tracks=[MixSettings() for _ in range(5)])
    with pytest.raises(ValueError, match="track 3 broke"):
        mix_streamed(produce, list("abcde"), plan, SR, int(0.5 * SR), workers=2)
