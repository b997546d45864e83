from __future__ import annotations

import wave

import numpy as np
import pyloudnorm
import pytest
from pedalboard.io import AudioFile

from tunesmith.errors import ControlError, OutputError, SoundFontError, UnsupportedFormatError
from tunesmith.render.export import render_audio, render_score, write_audio, write_pianoroll
from tunesmith.render.mix import gated_rms
from tunesmith.render.synth import TAIL_SECONDS
from tunesmith.score import Score, Track

SR = 44100


def _read(path) -> tuple[np.ndarray, int]:
    with AudioFile(str(path)) as f:
        return f.read(f.frames), int(f.samplerate)


@pytest.mark.slow
def test_render_score_writes_every_format_stems_and_pianoroll(score, soundfont, tmp_path):
    result = render_score(score, tmp_path / "out", formats=("wav", "flac", "mp3"), stems=True, pianoroll=True,
                          soundfont=soundfont)
    expected = score.duration_seconds() + TAIL_SECONDS
    assert set(result.files) == {"wav", "flac", "mp3"}
    for fmt, path in result.files.items():
        assert path.name == f"render-test.{fmt}"
        audio, rate = _read(path)
        assert rate == SR and audio.shape[0] == 2
        # MP3 adds encoder delay and frame padding; the lossless ones are exact to the sample.
        assert audio.shape[1] / SR == pytest.approx(expected, abs=0.15 if fmt == "mp3" else 1 / SR)
        lufs = pyloudnorm.Meter(SR).integrated_loudness(audio.T.astype(np.float64))
        assert lufs == pytest.approx(-14.0, abs=0.5)
        assert np.abs(audio).max() < 10 ** (-1.0 / 20)
    with wave.open(str(result.files["wav"])) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 2 and w.getframerate() == SR
    assert [p.name for p in result.stems] == ["01-melody.wav", "02-bass.wav", "03-chords.wav", "04-drums.wav"]
    for path in result.stems:
        audio, rate = _read(path)
        assert rate == SR and gated_rms(audio, SR) > 1e-3
        with wave.open(str(path)) as w:
            assert w.getsampwidth() == 3
    assert result.pianoroll is not None and result.pianoroll.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.report.on_target
    assert set(result.timings) == {"synth_mix", "master", "export"}
    leftovers = [p for p in tmp_path.rglob(".*") if p.is_file()]
    assert leftovers == []  # atomic writes leave no temporary files behind


def test_render_to_a_file_path_picks_the_format_from_the_suffix(score, soundfont, tmp_path):
    result = render_score(score, tmp_path / "song.flac", soundfont=soundfont, bit_depth=24, do_master=False)
    assert list(result.files) == ["flac"]
    assert result.files["flac"] == tmp_path / "song.flac"
    assert not result.report.mastered
    audio, rate = _read(tmp_path / "song.flac")
    assert rate == SR and audio.shape[0] == 2


def test_write_audio_bit_depths_and_errors(tmp_path):
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal((2, SR))).astype(np.float32)
    write_audio(tmp_path / "a.wav", x, SR, bit_depth=24)
    with wave.open(str(tmp_path / "a.wav")) as w:
        assert w.getsampwidth() == 3 and w.getnframes() == SR
    back, _ = _read(tmp_path / "a.wav")
    np.testing.assert_allclose(back, x, atol=2e-6)
    with pytest.raises(UnsupportedFormatError, match="ogg"):
        write_audio(tmp_path / "a.ogg", x, SR)
    with pytest.raises(ControlError, match="bit_depth"):
        write_audio(tmp_path / "a.wav", x, SR, bit_depth=12)
    with pytest.raises(OutputError, match="does not exist"):
        write_audio(tmp_path / "missing" / "a.wav", x, SR)


def test_sixteen_bit_is_dithered_and_reproducible(tmp_path):
    x = np.full((2, 2000), 0.25 / 32768, dtype=np.float32)  # a quarter of an LSB: plain rounding gives 0
    write_audio(tmp_path / "a.wav", x, SR)
    write_audio(tmp_path / "b.wav", x, SR)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    back, _ = _read(tmp_path / "a.wav")
    assert back.any()
    assert float(back.mean()) == pytest.approx(0.25 / 32768, abs=0.1 / 32768)


def test_pianoroll_png(score, tmp_path):
    import matplotlib.image

    path = write_pianoroll(score, tmp_path / "roll.png")
    image = matplotlib.image.imread(str(path))
    assert image.shape[0] >= 400 and image.shape[1] >= 800
    assert image[..., :3].std() > 0.05  # not a blank canvas
    with pytest.raises(UnsupportedFormatError):
        write_pianoroll(score, tmp_path / "roll.jpg")


def test_bad_requests_are_clear_errors(score, tmp_path):
    with pytest.raises(ControlError, match="format"):
        render_score(score, tmp_path, formats=("ogg",))
    with pytest.raises(ControlError, match="no notes"):
        render_audio(Score(tracks=[Track("empty")]))
    with pytest.raises(ControlError, match="lufs"):
        render_audio(score, target_lufs=3.0)
    with pytest.raises(SoundFontError, match="apt-get install fluid-soundfont-gm"):
        render_score(score, tmp_path / "x.wav", soundfont=tmp_path / "missing.sf2")
    with pytest.raises(OutputError):
        render_score(score, tmp_path / "no" / "such" / "x.wav")
