from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tunesmith import io
from tunesmith.cli import render
from tunesmith.errors import SoundFontError
from tunesmith.score import Note, Score, TempoChange, Track


def _score() -> Score:
    melody = Track("melody", 73, notes=[Note(72 + i % 5, i * 480, 450, 90) for i in range(8)])
    bass = Track("bass", 33, notes=[Note(36, i * 960, 900, 90) for i in range(4)])
    chords = Track("chords", 0, notes=[Note(p, 0, 3800, 70) for p in (60, 64, 67)])
    drums = Track("drums", 0, True, notes=[Note(36 + 2 * (i % 2), i * 480, 100, 100) for i in range(8)])
    return Score(tracks=[melody, bass, chords, drums], tempos=[TempoChange(0, 120.0)])


def _app() -> typer.Typer:
    app = typer.Typer()
    render.register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


@pytest.fixture
def midi(tmp_path) -> Path:
    path = tmp_path / "piece.mid"
    io.save(_score(), path)
    return path


def test_render_command_writes_audio_and_prints_report(midi, tmp_path):
    from tunesmith.render.soundfont import find_soundfont

    try:
        find_soundfont()
    except SoundFontError as err:
        pytest.skip(str(err))
    out = tmp_path / "piece.mp3"
    result = CliRunner().invoke(
        _app(), ["render", str(midi), "-o", str(out), "--stems", str(tmp_path / "stems"),
                 "--pianoroll", str(tmp_path / "roll.png")],
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000
    assert len(list((tmp_path / "stems").glob("*.wav"))) == 4
    assert (tmp_path / "roll.png").exists()
    assert "LUFS" in result.output and "dBTP" in result.output
    # --format overrides the suffix; the default output sits beside the input.
    result = CliRunner().invoke(_app(), ["render", str(midi), "--format", "flac", "--no-master"])
    assert result.exit_code == 0, result.output
    assert midi.with_suffix(".flac").exists()


def test_render_command_missing_soundfont_is_a_clear_error(midi, tmp_path):
    result = CliRunner().invoke(
        _app(), ["render", str(midi), "-o", str(tmp_path / "x.wav"), "--soundfont", str(tmp_path / "no.sf2")]
    )
    assert isinstance(result.exception, SoundFontError)
    assert "apt-get install fluid-soundfont-gm" in str(result.exception)


def test_pianoroll_command(midi, tmp_path):
    result = CliRunner().invoke(_app(), ["pianoroll", str(midi), "-o", str(tmp_path / "r.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
