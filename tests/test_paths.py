from pathlib import Path

import pytest

from tunesmith.paths import data_dir, database_url


def test_data_dir_and_db_url_follow_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TUNESMITH_DB_URL", raising=False)
    assert data_dir() == tmp_path / "home"
    assert database_url() == f"sqlite:///{tmp_path / 'home' / 'tunesmith.db'}"
    monkeypatch.setenv("TUNESMITH_DB_URL", "sqlite:///:memory:")
    assert database_url() == "sqlite:///:memory:"
    assert database_url("postgresql://x/y") == "postgresql://x/y"
