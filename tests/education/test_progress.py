"""Learner progress: results are kept per user, and the next level follows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tunesmith.cli.education import register
from tunesmith.education.grading import Grade
from tunesmith.education.progress import next_level, record, summary
from tunesmith.store.db import open_store
from tunesmith.store.ratings import get_or_create_user


def test_level_moves_up_after_good_results_and_down_after_poor(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, store.session() as s:
        ann = get_or_create_user(s, "ann")
        bob = get_or_create_user(s, "bob")
        assert next_level(s, ann.id, "intervals") == 1
        for _ in range(3):
            record(s, ann.id, Grade("x", "intervals", 1, 0.95))
        assert next_level(s, ann.id, "intervals") == 2
        record(s, ann.id, Grade("y", "intervals", 2, 0.2))
        assert next_level(s, ann.id, "intervals") == 1
        assert next_level(s, bob.id, "intervals") == 1  # one learner's results never move another's
        assert summary(s, ann.id)["intervals"]["answers"] == 4


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)
    return application


def test_cli_makes_grades_and_tracks(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TUNESMITH_DB_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    runner = CliRunner()
    out = tmp_path / "ex"
    made = runner.invoke(app, ["exercise", "chords", "-o", str(out), "--no-audio", "--level", "2"])
    assert made.exit_code == 0, made.output
    answers = (out / "answer.txt").read_text()
    graded = runner.invoke(app, ["grade", str(out), str(out / "answer.txt"), "--user", "ann", "--json"])
    assert graded.exit_code == 0, graded.output
    data = json.loads(graded.output)
    assert data["score"] == 1.0 and data["next_level"] == 2 and answers
    shown = runner.invoke(app, ["progress", "--user", "ann"])
    assert "chords" in shown.output and "answers   1" in shown.output
