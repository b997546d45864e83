"""`tunesmith evaluate` on a folder of MIDI files, alone and against a (tiny, test-built) corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tunesmith.cli.evaluate import register
from tunesmith.errors import TunesmithError
from tunesmith.io.midi import write_midi
from tunesmith.score import ChordSymbol, Metadata, Note, Score, TimeSignature, Track

Q = 480
TRAINING_TUNE = [60, 62, 64, 65, 67, 65, 64, 62, 60, 67, 69, 71, 72, 71, 69, 67]


def tune(pitches: list[int], title: str = "") -> Score:
    return Score(
        tracks=[Track("melody", 0, notes=[Note(p, i * Q, Q) for i, p in enumerate(pitches)])],
        time_signatures=[TimeSignature(0, 4, 4)],
        chords=[ChordSymbol(0, "C")],
        metadata=Metadata(title=title),
    )


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.callback()
    def _root() -> None:  # a callback keeps `evaluate` a named subcommand
        """test app"""

    return application


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    gen = tmp_path / "generated"
    gen.mkdir()
    write_midi(tune([p + 2 for p in TRAINING_TUNE]), gen / "copy.mid")  # the training tune, up a tone
    write_midi(tune([60, 67, 62, 69, 64, 71, 65, 72]), gen / "other.mid")
    (gen / "corrupt.mid").write_bytes(b"MThd not really")
    return gen


def test_evaluate_folder_prints_table_and_writes_report(
    app: typer.Typer, folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "pitch-class entropy" in result.output and "generated (n=2)" in result.output
    assert "corrupt.mid" in result.output  # reported as skipped
    assert "longest copied run" not in result.output  # no corpus, no originality
    doc = json.loads((out / "report.json").read_text())
    assert len(doc["generated"]["pieces"]) == 2
    assert (out / "scale_consistency.png").exists()


@pytest.mark.slow  # two full runs with histograms: a few seconds
def test_evaluate_against_corpus_adds_reference_and_originality(
    app: typer.Typer, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tunesmith.evaluate import originality, report

    def tiny_corpus(names: list[str] | None = None) -> list[Score]:
        assert names == ["tiny"]
        return [tune(TRAINING_TUNE, "training tune"), tune([72, 71, 69, 67, 65, 64, 62, 60], "descent")]

    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(originality, "load_corpus", tiny_corpus)
    monkeypatch.setattr(report, "load_corpus", tiny_corpus)
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", str(folder), "--against", "tiny", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "tiny (n=2)" in result.output and "longest copied run" in result.output
    doc = json.loads((out / "report.json").read_text())
    runs = {Path(p["name"]).name: p["copied_run"] for p in doc["generated"]["pieces"]}
    assert runs["copy.mid"] == 16.0  # the whole tune, transposed
    assert runs["other.mid"] < 12
    assert doc["tiny"]["count"] == 2
    # Both corpus pieces are in the sample: nothing is left to check them against.
    assert doc["tiny"]["summary"]["copied_run"]["count"] == 0
    # A sample of one is checked against the other piece.
    result = CliRunner().invoke(
        app, ["evaluate", str(folder), "--against", "tiny", "--samples", "1", "-o", str(tmp_path / "r1")]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "r1" / "report.json").read_text())
    assert doc["tiny"]["count"] == 1 and doc["tiny"]["summary"]["copied_run"]["count"] == 1
    assert "tiny" in (out / "report.md").read_text()


def test_evaluate_with_nothing_readable_fails(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "bad.mid").write_bytes(b"junk")
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "bad.mid"), "-o", str(tmp_path / "r")])
    assert isinstance(result.exception, TunesmithError)
    assert "no readable music files" in str(result.exception)
