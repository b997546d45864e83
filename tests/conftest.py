"""Fixtures shared by the whole suite: a private TUNESMITH_HOME, composing without the corpus-wide
copy check, and the servers (PostgreSQL and Redis, tests/services.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.services import create_database, drop_database, postgres_server, redis_server

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The session's PostgreSQL server (URL without a database)."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    name = f"t{next(_names)}"
    yield create_database(postgres, name)
    drop_database(postgres, name)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, empty store URL on each backend: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'store.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh TUNESMITH_HOME (store, caches, checkpoints) with no database URL or styles path
    inherited from the environment."""
    home = tmp_path_factory.mktemp("tunesmith-home")
    monkeypatch.setenv("TUNESMITH_HOME", str(home))
    monkeypatch.delenv("TUNESMITH_DB_URL", raising=False)
    monkeypatch.delenv("TUNESMITH_STYLES_PATH", raising=False)
    return home


@pytest.fixture
def no_copy_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compose without the corpus-wide copy check (its index is built once per machine, seconds):
    compose/test_copies covers it."""
    from tunesmith.compose import engines

    monkeypatch.setattr(engines, "copied_run", lambda melody: None)
