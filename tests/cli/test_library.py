"""`tunesmith library add|list|show|remove` with a temporary database (--db and TUNESMITH_DB_URL)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tunesmith.cli.library import register
from tunesmith.errors import NotFoundError, StoreError, TunesmithError

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)
    return application


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'lib.db'}"
    monkeypatch.setenv("TUNESMITH_DB_URL", url)
    return url


@pytest.fixture
def music(tmp_path: Path) -> Path:
    folder = tmp_path / "music" / "nested"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "tunes.abc", folder / "tunes.abc")
    shutil.copy(DATA / "melody_chords.mid", folder.parent / "melody.mid")
    shutil.copy(DATA / "truncated.mid", folder / "truncated.mid")
    return folder.parent


def test_add_list_show_remove(app: typer.Typer, db: str, music: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["library", "add", str(music), "--tag", "folk", "--tag", "calm"])
    assert added.exit_code == 0, added.output
    assert "4 added, 0 already in the library, 1 could not be read" in added.output
    assert "truncated.mid" in added.output  # reported, not fatal

    again = runner.invoke(app, ["library", "add", str(music / "melody.mid"), "--tag", "evening"])
    assert "0 added, 1 already in the library" in again.output and "new tags: evening" in again.output

    listed = runner.invoke(app, ["library", "list", "--tag", "evening"])
    assert listed.exit_code == 0 and "1 piece tagged evening" in listed.output
    piece_id = int(listed.output.split()[0])

    shown = runner.invoke(app, ["library", "show", str(piece_id)])
    assert shown.exit_code == 0, shown.output
    for expected in ("calm, evening, folk", "G major", "4/4", "program 73", "content hash"):
        assert expected in shown.output

    everything = runner.invoke(app, ["library", "list"])
    assert "4 pieces" in everything.output and "Waltz In Dorian" in everything.output

    removed = runner.invoke(app, ["library", "remove", str(piece_id)])
    assert removed.exit_code == 0 and f"removed {piece_id}" in removed.output
    assert "3 pieces" in runner.invoke(app, ["library", "list"]).output
    gone = runner.invoke(app, ["library", "show", str(piece_id)])
    assert isinstance(gone.exception, NotFoundError)


def test_db_option_overrides_env(app: typer.Typer, db: str, music: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    result = CliRunner().invoke(app, ["library", "add", str(music / "melody.mid"), "--db", f"sqlite:///{other}"])
    assert result.exit_code == 0 and other.is_file()
    assert "0 pieces" in CliRunner().invoke(app, ["library", "list"]).output


def test_nothing_importable_fails(app: typer.Typer, db: str, tmp_path: Path) -> None:
    args = ["library", "add", str(DATA / "truncated.mid"), str(tmp_path / "no.abc")]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, TunesmithError)
    assert "nothing could be imported" in str(result.exception)


def test_corrupt_database_is_a_store_error(app: typer.Typer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 200)
    result = CliRunner().invoke(app, ["library", "list", "--db", f"sqlite:///{bad}"])
    assert isinstance(result.exception, StoreError)
