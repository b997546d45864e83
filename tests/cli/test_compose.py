from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunesmith import io
from tunesmith.cli.main import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


@pytest.fixture(autouse=True)
def _home(private_home: Path, no_copy_check: None) -> None:
    """A private TUNESMITH_HOME, no corpus-wide copy check (root conftest)."""


def _notes(path: Path) -> list[tuple[int, int, int, int]]:
    score = io.load(path)[0]
    return sorted((n.pitch, n.start, n.duration, n.velocity) for t in score.tracks for n in t.notes)


def test_compose_then_regenerate_from_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        [
            "compose",
            "-o",
            str(tmp_path / "a"),
            "--style",
            "waltz",
            "--mood",
            "happy",
            "--key",
            "F",
            "--tempo",
            "140",
            "--bars",
            "16",
            "--form",
            "AABA",
            "--model",
            "rules",
            "--seed",
            "9",
            "--candidates",
            "2",
            "--format",
            "mid,json",
        ],
        capsys,
    )
    assert code == 0, err
    assert "key:      F major    tempo: 140 bpm    meter: 3/4" in out
    first_json = next((tmp_path / "a").glob("*.json"))
    first_mid = next((tmp_path / "a").glob("*.mid"))
    assert json.loads(first_json.read_text())["request"]["seed"] == 9
    code, out, err = _run(
        # --format repeated is the same as a comma list (each one used to replace the one before)
        ["compose", "--from", str(first_json), "-o", str(tmp_path / "b"), "--format", "mid",
         "--format", "json"],
        capsys,
    )
    assert code == 0, err
    again = next((tmp_path / "b").glob("*.mid"))
    assert _notes(again) == _notes(first_mid)
    assert (
        json.loads(next((tmp_path / "b").glob("*.json")).read_text())["request"]
        == json.loads(first_json.read_text())["request"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--meter", "5/4"], "meter: unsupported time signature '5/4'; allowed: 4/4, 3/4, 6/8, 2/4"),
        (["--style", "dubstep"], "style: unknown style 'dubstep'; allowed: ambient, ballad"),
        (["--valence", "3"], "valence: 3.0 is out of range; allowed: -1.0 to 1.0"),
        (["--format", "ogg"], "format: unknown format 'ogg'; allowed: wav, flac, mp3"),
    ],
)
def test_bad_controls_exit_1_with_what_is_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _out, err = _run(["compose", "-o", str(tmp_path / "x"), "--model", "rules", *args], capsys)
    assert code == 1  # bad input, not a usage error (see cli.main.EXIT_CODES_HELP)
    assert message in err
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
