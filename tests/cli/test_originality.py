"""`tunesmith check | identify | certificate | verify | registry` on a temporary store (no corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from tunesmith.cli.main import main
from tunesmith.errors import NotFoundError
from tunesmith.score import Note, Score, TimeSignature, Track

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh store; no corpus index (the search covers the store), no corpus guard in compose."""
    from tunesmith.compose import engines
    from tunesmith.evaluate import similarity

    def no_corpus() -> None:
        raise NotFoundError("no corpus in this test")

    monkeypatch.setattr(similarity, "corpus_melody_index", no_corpus)
    monkeypatch.setattr(engines, "corpus_melody_index", no_corpus)
    monkeypatch.setattr(engines, "_originality_index", lambda: None)
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'o.db'}"
    monkeypatch.setenv("TUNESMITH_DB_URL", url)
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def tune(shift: int = 0) -> Score:
    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 64, 62, 64, 67, 71, 69, 67, 66, 67, 69, 71, 72, 74, 76, 74]
    notes = [Note(p + shift, i * 240, 240) for i, p in enumerate(pitches)]
    return Score([Track("melody", 0, False, notes)], time_signatures=[TimeSignature(0, 4, 4)])


def test_check_finds_a_transposed_library_tune(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tunesmith.io import save
    from tunesmith.store.db import open_store
    from tunesmith.store.pieces import add_piece

    save(tune(), tmp_path / "orig.mid")
    with open_store(db) as store, store.session() as s:
        add_piece(
            s,
            tune(),
            source="library",
            title="My Tune",
            fmt=".mid",
            file_data=(tmp_path / "orig.mid").read_bytes(),
        )
    save(tune(5), tmp_path / "query.mid")
    code, out, _ = run(capsys, "check", str(tmp_path / "query.mid"), "--json")
    report = json.loads(out)
    assert code == 0 and report["matches"][0]["title"] == "My Tune (library)"
    assert (
        report["matches"][0]["similarity"] == 1.0 and report["matches"][0]["alignment"]["transposition"] == 5
    )
    code, out, _ = run(capsys, "check", str(tmp_path / "query.mid"))
    assert "MATCH 1.00  My Tune" in out


def test_bad_inputs_get_one_line_errors(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "noise.wav").write_bytes(b"RIFF but not really")
    # input errors exit 1 (2 is for usage errors: README, "Exit status")
    code, _, err = run(capsys, "identify", str(tmp_path / "noise.wav"))
    assert code == 1 and err.startswith("error:") and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "check", str(tmp_path / "missing.mid"))
    assert code == 1 and "no such file" in err
    code, _, err = run(capsys, "registry", "verify", "--head", "nonsense")
    assert code == 1 and "SIZE:ROOT" in err


def _wav(path: Path, samples: np.ndarray, rate: int = 8000) -> Path:
    from pedalboard.io import AudioFile

    with AudioFile(str(path), "w", rate, 1) as fh:
        fh.write(samples.astype(np.float32)[None, :])
    return path


@pytest.mark.parametrize("add", [False, True])
def test_identify_bad_audio_one_line_errors(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], add: bool
) -> None:
    """Not audio, unreadable, empty, too short, silent: exit 1 with one line that says which."""
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(8000 * 2) / 8000)
    cases = {
        "text.wav": (b"just some text, not audio\n", "not readable audio"),
        "empty.flac": (b"", "not readable audio"),
        "song.mid": ((DATA / "melody_chords.mid").read_bytes(), "not readable audio"),
        "short.wav": (_wav(tmp_path / "short_src.wav", tone).read_bytes(), "at least 3 s"),
        "silent.wav": (_wav(tmp_path / "silent_src.wav", np.zeros(8000 * 5)).read_bytes(), "silent"),
    }
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        args = ["identify", str(tmp_path / name)] + (["--add"] if add else [])
        code, out, err = run(capsys, *args)
        assert code == 1, (name, out, err)
        assert err.startswith("error:") and len(err.strip().splitlines()) == 1, (name, err)
        assert expected in err, (name, err)
    code, _, err = run(capsys, "identify", str(tmp_path / "nowhere.wav"))
    assert code == 1 and "no such file" in err


def test_added_recording_is_identified_from_an_excerpt(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(3)
    x = np.arange(int(0.3 * 8000)) / 8000
    notes = [np.sin(2 * np.pi * 220 * 2 ** rng.uniform(0, 2) * x) * np.exp(-4 * x) for _ in range(100)]
    song = 0.3 * np.concatenate(notes)  # 30 s of random plucked notes
    _wav(tmp_path / "song.wav", song)
    code, out, _ = run(capsys, "identify", "--add", str(tmp_path / "song.wav"), "--title", "Plucks")
    assert code == 0 and "added: recording 1" in out
    _wav(tmp_path / "clip.wav", song[8000 * 12 : 8000 * 20])
    code, out, _ = run(capsys, "identify", str(tmp_path / "clip.wav"), "--json")
    match = json.loads(out)["match"]
    assert code == 0 and match["title"] == "Plucks" and abs(match["offset_seconds"] - 12) < 1
    assert match["score"] >= match["threshold"] and match["peaks_on_piece"] > match["chance"]
    _wav(
        tmp_path / "other.wav",
        0.3 * np.sin(2 * np.pi * 330 * np.arange(8000 * 5) / 8000) * np.linspace(1, 0, 40000),
    )
    code, out, _ = run(capsys, "identify", str(tmp_path / "other.wav"))
    assert code == 1 and "no stored piece or recording matches" in out


def test_composed_piece_is_registered_certified_and_verified(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.io import load_one, save
    from tunesmith.render.piece import compose_to_files
    from tunesmith.store.db import open_store

    paths = compose_to_files(
        ComposeRequest(style="folk", bars=8, form="AB", candidates=1, model="rules", seed=4),
        tmp_path / "out",
        formats=["mid", "json"],
    )
    code, out, _ = run(capsys, "certificate", "1", "--entry")
    cert = json.loads(out)
    body = cert["certificate"]
    assert code == 0 and body["seed"] == 4 and body["controls"]["style"] == "folk"
    assert body["files"]["mid"]["sha256"] and "originality" in body and cert["log"]["seq"] == 1
    (tmp_path / "cert.json").write_text(out)
    assert run(capsys, "verify", str(tmp_path / "cert.json"))[1].endswith("certificate valid\n")

    code, out, _ = run(capsys, "verify", str(paths["mid"]))
    assert code == 0 and "registered, unchanged" in out
    altered = load_one(paths["mid"])
    melody = max(altered.tracks, key=lambda t: len(t.notes) if not t.is_drum else 0)
    melody.notes[3].pitch += 1
    save(altered, tmp_path / "altered.mid")
    code, out, _ = run(capsys, "verify", str(tmp_path / "altered.mid"))
    assert code == 0 and "registered, altered" in out
    save(tune(), tmp_path / "other.mid")
    code, out, _ = run(capsys, "verify", str(tmp_path / "other.mid"))
    assert code == 1, out

    assert run(capsys, "registry", "verify")[0] == 0
    head = run(capsys, "registry", "head")[1].strip()
    with open_store(db) as store, store.session() as s:
        s.execute(
            text("UPDATE registry_entries SET payload = replace(payload, :a, :b)"),
            {"a": '"seed":4', "b": '"seed":5'},
        )
    code, out, _ = run(capsys, "registry", "verify", "--head", head)
    assert code == 1 and "body was edited" in out
