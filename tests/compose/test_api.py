from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import tunesmith
from tunesmith.compose import engines
from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.render.piece import compose_to_files
from tunesmith.theory.key import Key
from tunesmith.theory.keydetect import detect_key


def _notes(score) -> list[tuple]:
    return [
        (t.name, t.program, t.is_drum, [(n.pitch, n.start, n.duration, n.velocity) for n in t.notes])
        for t in score.tracks
    ]


@pytest.mark.parametrize(
    ("style", "key", "mode", "tempo", "meter"),
    [
        ("folk", "D", "major", 112.0, "6/8"),
        ("waltz", "G", "minor", 150.0, "3/4"),
        ("march", "Bb", "major", 120.0, "2/4"),
        ("pop", "E", "minor", 96.0, "4/4"),
        ("lullaby", "F", "major", 66.0, "6/8"),
        ("celtic", "A", "minor", 124.0, "4/4"),
    ],
)
def test_key_tempo_and_meter_are_obeyed(style: str, key: str, mode: str, tempo: float, meter: str) -> None:
    piece = compose(
        ComposeRequest(
            style=style, key=key, mode=mode, tempo=tempo, meter=meter, model="rules", seed=13, candidates=1
        )
    )
    want = Key.parse(f"{key} {mode}")
    got = detect_key(piece.score)
    assert (got.tonic, got.is_minor) == (want.tonic, want.is_minor)
    assert piece.score.tempos[0].bpm == tempo
    assert all(t.bpm <= tempo for t in piece.score.tempos)  # only the closing ritardando slows it
    assert [str(ts) for ts in piece.score.time_signatures] == [meter]
    assert piece.score.key_signatures[0] == want.to_signature(0)


def test_default_model_obeys_the_key_too() -> None:
    piece = compose(ComposeRequest(style="folk", key="A", mode="major", seed=2, candidates=1))
    assert piece.plan.model in ("rnn", "rules")
    got = detect_key(piece.score)
    assert (got.tonic, got.is_minor) == (9, False)


def test_same_request_same_notes_and_json_regenerates_them() -> None:
    first = compose(ComposeRequest(style="ballad", mood="tender", seed=77, candidates=2, model="rules"))
    again = compose(ComposeRequest.from_json(first.to_json()))
    assert _notes(again.score) == _notes(first.score)
    assert again.request == first.request and first.request.seed == 77


def test_unseeded_request_records_its_seed_for_regeneration() -> None:
    first = compose(ComposeRequest(style="march", model="rules", candidates=1))
    assert first.request.seed is not None and first.request.model == "rules"
    again = compose(ComposeRequest.from_dict(first.request.to_dict()))
    assert _notes(again.score) == _notes(first.score)


def test_candidates_are_ranked_best_first() -> None:
    piece = compose(ComposeRequest(style="folk", seed=5, candidates=4, model="rules"))
    totals = [c.total for c in piece.candidates]
    assert len(totals) == 4 and totals == sorted(totals, reverse=True)
    assert piece.score is piece.candidates[0].score
    assert len({c.seed for c in piece.candidates}) == 4
    assert {"in_chord_strong", "in_scale", "leaps", "span"} <= set(piece.candidates[0].components)


def test_a_copied_melody_is_rejected_and_regenerated(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake_copied_run(melody):
        calls.append(len(melody))
        return (14, "Some Reel") if len(calls) == 1 else (5, "Other Jig")

    monkeypatch.setattr(engines, "copied_run", fake_copied_run)
    piece = compose(ComposeRequest(style="folk", seed=5, candidates=1, model="rules"))
    best = piece.candidates[0]
    assert best.rejected_seeds == [5] and best.seed != 5 and best.copied_run == 5
    assert len(calls) == 2
    monkeypatch.setattr(engines, "copied_run", lambda melody: None)
    rejected = compose(ComposeRequest(style="folk", seed=5, candidates=1, model="rules"))
    assert _notes(rejected.score)[0] != _notes(piece.score)[0]  # a new melody replaced the copy


@pytest.mark.slow
def test_symbolic_files_and_the_python_api(tmp_path: Path) -> None:
    paths = compose_to_files(
        ComposeRequest(style="waltz", seed=3, model="rules", candidates=1),
        tmp_path,
        formats=("mid", "musicxml", "json", "png"),
    )
    assert set(paths) == {"mid", "musicxml", "json", "png"}
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths.values())
    saved = json.loads(paths["json"].read_text())
    assert saved["request"]["seed"] == 3 and saved["summary"]["meter"] == "3/4"
    loaded = tunesmith.load(paths["mid"])[0]
    assert round(loaded.tempos[0].bpm, 3) == saved["summary"]["tempo"]
    piece = tunesmith.compose_piece(style="waltz", seed=3, model="rules", candidates=1)
    assert _notes(piece.score) == _notes(compose(ComposeRequest.from_json(paths["json"].read_text())).score)


@pytest.mark.slow
def test_finished_piece_renders_masters_engraves_and_is_recorded(tmp_path: Path) -> None:
    from tunesmith.store import open_store
    from tunesmith.store.pieces import list_pieces

    piece = tunesmith.compose_piece(
        tmp_path,
        formats=("wav", "mid", "musicxml", "json", "png"),
        style="march",
        bars=8,
        form="AB",
        seed=4,
        model="rules",
        candidates=1,
    )
    files = piece.files
    assert {"wav", "mid", "musicxml", "json", "png", "report"} <= set(files)
    report = json.loads(files["report"].read_text())
    assert abs(report["integrated_lufs"] + 14.0) <= 0.5 and report["true_peak_dbtp"] <= -1.0
    assert not [w for w in report["warnings"] if "silent" in w]
    with open_store() as store, store.session() as session:
        stored = list_pieces(session)
        assert any(p.controls and p.controls["request"]["seed"] == 4 for p in stored)
    if shutil.which("mscore3"):
        out = tmp_path / "page.png"
        result = subprocess.run(
            ["mscore3", "-o", str(out), str(files["musicxml"])],
            capture_output=True,
            check=False,
            timeout=120,
            env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        )
        assert result.returncode == 0, result.stderr[-500:]
        assert list(tmp_path.glob("page*.png"))
