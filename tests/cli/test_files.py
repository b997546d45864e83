"""`tunesmith info` and `tunesmith convert`: in-process through typer's CliRunner, and the
error paths (exit status 2, one line, no traceback) through the real program in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from tunesmith.cli import files
from tunesmith.errors import TunesmithError
from tunesmith.io import load

DATA = Path(__file__).resolve().parent.parent / "data"

app = typer.Typer()
files.register(app)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real program in a fresh process, to see exit status and stderr as a user does."""
    command = [sys.executable, "-m", "tunesmith", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_info_shows_tracks_length_key_tempo_meter_and_chords() -> None:
    out = invoke("info", str(DATA / "melody_chords.mid"))
    assert out.exit_code == 0, out.output
    text = out.stdout
    assert "Little Tune — Fixture Maker" in text
    assert "length: 4 bars, 9.6 s" in text  # 16 quarters at 100 bpm
    assert "key: G major" in text and "tempo: 100 bpm" in text and "time signature: 4/4" in text
    assert "Flute" in text and "program  73" in text and "16 notes" in text
    assert "chords: G C Em/B D7 G" in text


def test_info_lists_each_tune_of_an_abc_file_up_to_the_limit() -> None:
    out = invoke("info", str(DATA / "tunes.abc"), "--limit", "2")
    assert out.exit_code == 0, out.output
    assert "3 pieces (showing the first 2" in out.stdout
    assert "[1] Repeat And Endings" in out.stdout and "[2] Waltz In Dorian" in out.stdout
    assert "Jig With Changes" not in out.stdout
    assert "chords: G Cd Ca G Cd C/e" in out.stdout


def test_info_marks_drum_tracks_and_meter_changes() -> None:
    assert "drums" in invoke("info", str(DATA / "drums_bass.mid")).stdout
    assert "time signature: 4/4 (+2 changes)" in invoke("info", str(DATA / "changes.mid")).stdout


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("missing.mid", "no such file"),
        ("empty.mid", "empty"),
        ("truncated.mid", "corrupt MIDI"),
        ("README.md", "suffix '.md'"),
    ],
)
def test_bad_input_exits_1_with_one_line_naming_the_file(name: str, problem: str) -> None:
    out = run("info", str(DATA / name))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert name in lines[0] and problem in lines[0], out.stderr


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("not-midi.mid", "not a MIDI file"),
        ("bad-header.abc", "K: field"),
        ("truncated.musicxml", "malformed XML"),
        ("not-a-score.xml", "not a MusicXML score"),
    ],
)
def test_bad_input_raises_the_projects_error(name: str, problem: str) -> None:
    out = invoke("info", str(DATA / name))
    assert isinstance(out.exception, TunesmithError)
    assert name in str(out.exception) and problem in str(out.exception)


def test_verbose_shows_the_traceback() -> None:
    out = run("--verbose", "info", str(DATA / "truncated.mid"))
    assert out.returncode == 1 and "Traceback" in out.stderr


def test_convert_midi_to_musicxml_keeps_notes(tmp_path: Path) -> None:
    target = tmp_path / "tune.musicxml"
    out = invoke("convert", str(DATA / "melody_chords.mid"), str(target))
    assert out.exit_code == 0, out.output
    assert f"wrote {target}" in out.stdout
    (score,) = load(target)
    assert len(score.tracks[0].notes) == 16 and [c.figure for c in score.chords][:2] == ["G", "C"]


def test_convert_multi_tune_abc_writes_one_file_per_tune(tmp_path: Path) -> None:
    out = invoke("convert", str(DATA / "tunes.abc"), str(tmp_path / "tunes.mid"))
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tunes-1.mid", "tunes-2.mid", "tunes-3.mid"]
    assert load(tmp_path / "tunes-2.mid")[0].metadata.title == "Waltz In Dorian"


def test_convert_index_picks_one_tune(tmp_path: Path) -> None:
    out = invoke("convert", str(DATA / "tunes.abc"), str(tmp_path / "jig.mxl"), "--index", "3")
    assert out.exit_code == 0, out.output
    assert [p.name for p in tmp_path.iterdir()] == ["jig.mxl"]
    assert load(tmp_path / "jig.mxl")[0].metadata.title == "Jig With Changes"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["tunes.abc", "out.abc"], "cannot write suffix '.abc'"),
        (["tunes.abc", "out.mid", "--index", "4"], "holds 3 piece(s)"),
    ],
)
def test_convert_refuses_bad_requests(args: list[str], problem: str, tmp_path: Path) -> None:
    out = invoke("convert", str(DATA / args[0]), str(tmp_path / args[1]), *args[2:])
    assert isinstance(out.exception, TunesmithError) and problem in str(out.exception)
    assert not list(tmp_path.iterdir())
