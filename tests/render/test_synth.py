from __future__ import annotations

import math

import numpy as np
import pytest

from tunesmith.errors import SoundFontError
from tunesmith.render.mix import gated_rms
from tunesmith.render.synth import (
    SAMPLE_RATE,
    TAIL_SECONDS,
    THREADS_ENV,
    FluidRenderer,
    get_renderer,
    render_stems,
    render_threads,
)
from tunesmith.score import Note, Score, TempoChange, Track


def _onset(audio: np.ndarray, threshold: float = 1e-3) -> float:
    """Seconds to the first sample above ``threshold``."""
    hits = np.flatnonzero(np.abs(audio).max(axis=0) > threshold)
    return hits[0] / SAMPLE_RATE if hits.size else float("inf")


def _one_track(track: Track, bpm: float = 120.0) -> Score:
    return Score(tracks=[track], tempos=[TempoChange(0, bpm)])


def test_every_stem_has_signal_and_the_right_shape(score, stems):
    assert [s.name for s in stems] == [t.name for t in score.tracks]
    length = math.ceil((score.duration_seconds() + TAIL_SECONDS) * SAMPLE_RATE)
    for stem in stems:
        assert stem.audio.shape == (2, length)
        assert stem.audio.dtype == np.float32
        assert stem.sample_rate == 44100
        assert gated_rms(stem.audio, SAMPLE_RATE) > 3e-3, stem.name
        assert np.isfinite(stem.audio).all()


def test_stems_fall_silent_after_the_release_tail(stems):
    for stem in stems:
        tail = stem.audio[:, -SAMPLE_RATE // 10 :]
        assert np.abs(tail).max() < 1e-4, stem.name


def test_note_offs_silence_a_rest(soundfont):
    # One bar of notes, two bars of rest, one bar of notes (120 bpm: 2 s per bar).
    track = Track("melody", 0, notes=[Note(60, 0, 1800, 100), Note(64, 3 * 1920, 480, 100)])
    audio = render_stems(_one_track(track), soundfont)[0].audio
    gap = audio[:, int(3.8 * SAMPLE_RATE) : int(5.9 * SAMPLE_RATE)]
    assert np.abs(audio[:, : SAMPLE_RATE]).max() > 1e-2
    assert np.abs(gap).max() < 1e-4
    assert _onset(audio[:, int(5.9 * SAMPLE_RATE) :]) < 0.2


def test_overlapping_notes_on_one_pitch_keep_sounding(soundfont):
    # The second C starts before the first ends; the first one's note-off must not cut it.
    track = Track("flute", 73, notes=[Note(72, 0, 1920, 100), Note(72, 960, 1920, 100)])
    audio = render_stems(_one_track(track), soundfont)[0].audio
    late = audio[:, int(2.2 * SAMPLE_RATE) : int(2.8 * SAMPLE_RATE)]  # after the first note's end at 2 s
    assert gated_rms(late, SAMPLE_RATE) > 5e-3


def test_tempo_map_places_notes(soundfont):
    note = Note(72, 1920, 480, 100)  # bar 2
    fast = render_stems(_one_track(Track("a", 73, notes=[note]), 120.0), soundfont)[0].audio
    slow = render_stems(_one_track(Track("a", 73, notes=[note]), 60.0), soundfont)[0].audio
    assert _onset(fast) == pytest.approx(2.0, abs=0.02)
    assert _onset(slow) == pytest.approx(4.0, abs=0.02)
    changing = Score(tracks=[Track("a", 73, notes=[Note(72, 3840, 480, 100)])],
                     tempos=[TempoChange(0, 120.0), TempoChange(1920, 60.0)])
    audio = render_stems(changing, soundfont)[0].audio
    assert _onset(audio) == pytest.approx(changing.seconds_at(3840), abs=0.02)  # 2 s + 4 s


def test_programs_velocities_and_drums_change_the_sound(soundfont):
    notes = [Note(38, 0, 480, 100), Note(42, 480, 480, 100), Note(36, 960, 480, 100)]
    piano = render_stems(_one_track(Track("p", 0, notes=list(notes))), soundfont)[0].audio
    organ = render_stems(_one_track(Track("o", 19, notes=list(notes))), soundfont)[0].audio
    kit = render_stems(_one_track(Track("d", 0, True, notes=list(notes))), soundfont)[0].audio

    def corr(a: np.ndarray, b: np.ndarray) -> float:
        return float(abs(np.corrcoef(a[0], b[0])[0, 1]))

    assert corr(piano, organ) < 0.5
    assert corr(piano, kit) < 0.5
    soft = render_stems(_one_track(Track("p", 0, notes=[Note(60, 0, 480, 30)])), soundfont)[0].audio
    loud = render_stems(_one_track(Track("p", 0, notes=[Note(60, 0, 480, 120)])), soundfont)[0].audio
    assert gated_rms(loud, SAMPLE_RATE) > 2 * gated_rms(soft, SAMPLE_RATE)


def test_empty_track_is_silent(soundfont):
    score = Score(tracks=[Track("empty", 0), Track("x", 0, notes=[Note(60, 0, 480, 90)])])
    stems = render_stems(score, soundfont)
    assert not stems[0].audio.any()
    assert stems[1].audio.any()


def test_renderer_is_cached(soundfont):
    assert get_renderer(soundfont) is get_renderer(soundfont)


def test_corrupt_soundfont_body_is_a_soundfont_error(tmp_path):
    bad = tmp_path / "broken.sf2"
    bad.write_bytes(b"RIFF" + (1000).to_bytes(4, "little") + b"sfbk" + b"LIST" + bytes(40))
    with pytest.raises(SoundFontError, match=r"broken\.sf2"):
        FluidRenderer(bad)


def test_thread_count_does_not_change_the_music(score, soundfont, monkeypatch):
    one = render_stems(score, soundfont, threads=1)
    two = render_stems(score, soundfont, threads=2)
    for a, b in zip(one, two, strict=True):
        assert a.name == b.name and a.audio.shape == b.audio.shape
        # Equal up to FluidSynth's reused-voice filter state at note starts (about -70 dB).
        assert float(np.abs(a.audio - b.audio).max()) < 3e-3
    monkeypatch.setenv(THREADS_ENV, "3")
    assert render_threads() == 3
    monkeypatch.setenv(THREADS_ENV, "zero")
    assert 1 <= render_threads() <= 2


def _pitch_hz(audio: np.ndarray, start: float, stop: float) -> float:
    """Frequency of the strongest spectral peak of the mono mix between ``start`` and ``stop`` s."""
    mono = audio.mean(axis=0)[int(start * SAMPLE_RATE) : int(stop * SAMPLE_RATE)]
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono)), n=1 << 18))
    return float(np.argmax(spectrum) * SAMPLE_RATE / (1 << 18))


def test_pitch_bends_bend_the_sound_and_reset(soundfont):
    from tunesmith.score import BEND_PER_SEMITONE, PitchBend

    # A4 held 2 s, bent up a whole tone for its second second; the next A4 is back in tune.
    track = Track("flute", 73, notes=[Note(69, 0, 1920, 100), Note(69, 1920 + 480, 960, 100)],
                  bends=[PitchBend(960, 2 * BEND_PER_SEMITONE - 1), PitchBend(1920 + 240, 0)])
    audio = render_stems(_one_track(track), soundfont)[0].audio
    assert _pitch_hz(audio, 0.2, 0.9) == pytest.approx(440.0, rel=0.02)
    assert _pitch_hz(audio, 1.2, 1.9) == pytest.approx(493.9, rel=0.02)
    assert _pitch_hz(audio, 2.6, 3.2) == pytest.approx(440.0, rel=0.02)
