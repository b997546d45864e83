"""`tunesmith corpus list|build|show` against a temporary TUNESMITH_HOME."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tunesmith.cli.corpus import register
from tunesmith.corpus import collections as registry
from tunesmith.errors import NotFoundError

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)
    return application


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The registry reduced to one small collection over a copy of tests/data/tunes.abc."""
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    root = tmp_path / "src"
    root.mkdir()
    shutil.copy(DATA / "tunes.abc", root / "tunes.abc")
    shutil.copy(DATA / "melody_chords.mid", root / "melody.mid")
    collection = registry.Collection("tinyfolk", "three test tunes", ("folk", "test"), "CC0", ("",),
                                     root=lambda: root)
    monkeypatch.setattr(registry, "COLLECTIONS", (collection,))
    return tmp_path / "home"


def test_list_counts_sources_before_build_and_cache_after(app: typer.Typer, tiny: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(app, ["corpus", "list"])
    assert before.exit_code == 0, before.output
    assert "tinyfolk" in before.output and "source files" in before.output and "folk, test" in before.output
    line = next(row for row in before.output.splitlines() if row.startswith("tinyfolk"))
    assert line.split()[1] == "4"

    build = ["corpus", "build", "--collection", "tinyfolk", "--workers", "1", "--no-progress"]
    built = runner.invoke(app, build)
    assert built.exit_code == 0, built.output
    assert "4 pieces cached" in built.output and (tiny / "corpus" / "tinyfolk.npz").is_file()

    after = runner.invoke(app, ["corpus", "list"])
    line = next(row for row in after.output.splitlines() if row.startswith("tinyfolk"))
    assert line.split()[1:3] == ["4", "cache"]

    again = runner.invoke(app, ["corpus", "build", "--workers", "1", "--no-progress"])
    assert "(0 pieces parsed" in again.output


def test_show_lists_pieces(app: typer.Typer, tiny: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["corpus", "build", "--workers", "1", "--no-progress"])
    out = runner.invoke(app, ["corpus", "show", "tinyfolk", "--limit", "2"])
    assert out.exit_code == 0, out.output
    assert "Repeat And Endings" in out.output and "Waltz In Dorian" not in out.output
    assert "G major" in out.output and "10 chords" in out.output
    assert "... 2 more" in out.output


def test_unknown_collection_is_a_clear_error(app: typer.Typer, tiny: Path) -> None:
    result = CliRunner().invoke(app, ["corpus", "build", "--collection", "nope"])
    assert isinstance(result.exception, NotFoundError)
    assert "known: tinyfolk" in str(result.exception)
