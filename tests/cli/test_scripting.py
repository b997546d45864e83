"""The command line as scripts use it: --version, completion, exit codes, --json, --output, candidates."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import tunesmith
from tunesmith.cli.main import main

DATA = Path(__file__).resolve().parent.parent / "data"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


@pytest.fixture(autouse=True)
def _home(private_home: Path, no_copy_check: None) -> None:
    """A private TUNESMITH_HOME, no corpus-wide copy check (root conftest)."""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["--version"], capsys)
    assert code == 0 and out.strip() == f"tunesmith {tunesmith.__version__}"


def test_shell_completion_completes_commands_and_options() -> None:
    env = {**os.environ, "_TUNESMITH_COMPLETE": "complete_bash", "COMP_WORDS": "tunesmith comp",
           "COMP_CWORD": "1"}
    out = subprocess.run([sys.executable, "-m", "tunesmith"], env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.split() == ["compose"]
    env.update(COMP_WORDS="tunesmith compose --keep", COMP_CWORD="2")
    out = subprocess.run([sys.executable, "-m", "tunesmith"], env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.split() == ["--keep-candidates"]
    # --show-completion takes no value: it prints the script of the shell it runs under (found in the
    # process tree), so run it from bash ("; true" keeps bash from exec-ing it away) wherever the
    # suite itself was started (a detached run has no shell above it).
    command = f"{shlex.quote(sys.executable)} -m tunesmith --show-completion; true"
    script = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60, check=True)
    assert "_TUNESMITH_COMPLETE=complete_bash" in script.stdout


def test_exit_codes_tell_usage_from_input_from_internal_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(["--help"], capsys)
    flat = " ".join(out.split())
    assert code == 0 and "Exit status" in flat and "3 internal error" in flat and "2 usage error" in flat
    assert _run(["info", "--no-such-option", str(DATA / "melody_chords.mid")], capsys)[0] == 2
    assert _run(["info"], capsys)[0] == 2  # missing argument
    code, _, err = _run(["info", str(DATA / "truncated.mid")], capsys)
    assert code == 1 and err.startswith("error: ") and "truncated.mid" in err

    import tunesmith.cli.files

    def broken(path: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(tunesmith.cli.files, "load", broken)
    code, _, err = _run(["info", str(DATA / "melody_chords.mid")], capsys)
    assert code == 3 and err.startswith("internal error: ZeroDivisionError: a bug")
    assert "Traceback" not in err


def test_output_is_the_one_spelling_and_out_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["compose"], ["train", "melody"], ["train", "vae"], ["train", "poly"], ["render"]):
        _, out, _ = _run([*command, "--help"], capsys)
        assert "--output" in out and "-o" in out, command
        assert "--out " not in out and "--out," not in out, command
    code, out, err = _run(["compose", "--out", str(tmp_path / "a"), "--model", "rules", "--bars", "8",
                           "--form", "AB", "--candidates", "1", "--seed", "3", "--format", "mid"], capsys)
    assert code == 0, err
    assert "--out is deprecated" in err and list((tmp_path / "a").glob("*.mid"))


def test_compose_json_keeps_every_candidate_and_library_lists_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["compose", "-o", str(tmp_path / "c"), "--model", "rules", "--bars", "8", "--form",
                           "AB", "--candidates", "3", "--seed", "5", "--format", "mid,json",
                           "--keep-candidates", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["summary"]["seed"] == 5 and data["request"]["candidates"] == 3
    assert [c["rank"] for c in data["candidates"]] == [1, 2, 3]
    for cand in data["candidates"]:
        assert Path(cand["files"]["mid"]).is_file()
    assert "json" not in data["candidates"][1]["files"]  # a piece's JSON regenerates only the best
    seeds = {c["seed"] for c in data["candidates"]}
    assert len(seeds) == 3
    mids = {Path(c["files"]["mid"]).read_bytes() for c in data["candidates"]}
    assert len(mids) == 3  # three different pieces, not one file three times

    code, out, _ = _run(["library", "list"], capsys)
    assert code == 0 and "generated" in out and "1 piece" in out
    code, out, _ = _run(["library", "list", "--source", "generated", "--json"], capsys)
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["source"] == "generated" and rows[0]["bars"]
    code, out, _ = _run(["library", "list", "--source", "library"], capsys)
    assert code == 0 and "0 pieces" in out
    code, _, err = _run(["library", "list", "--source", "nowhere"], capsys)
    assert code == 1 and "allowed: library, generated, corpus, all" in err

    code, out, _ = _run(["recommend", "--user", "nobody", "--json"], capsys)
    assert code == 0
    recs = json.loads(out)
    assert isinstance(recs, list) and all({"id", "title", "score", "reason"} <= set(r) for r in recs)


def test_info_and_evaluate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["info", str(DATA / "tunes.abc"), "--json", "--limit", "2"], capsys)
    assert code == 0
    info = json.loads(out)
    assert info["pieces"] >= 2 and len(info["scores"]) == 2
    first = info["scores"][0]
    assert first["bars"] > 0 and first["meter"] and first["tracks"][0]["notes"] > 0

    code, out, err = _run(["evaluate", str(DATA / "melody_chords.mid"), "-o", str(tmp_path / "ev"), "--json"],
                          capsys)
    assert code == 0, err
    report = json.loads(out)  # stdout holds only the JSON
    assert report["pieces"] == 1
    metrics = report["summary"]["generated"]
    assert metrics and all(set(v) == {"mean", "std", "count"} for v in metrics.values())
    assert (tmp_path / "ev" / "report.json").is_file()
