"""Fixtures for the web tests: an app over a fresh SQLite store, files in a temporary folder."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tunesmith.web import create_app
from tunesmith.web.settings import WebSettings

LOOPBACK = "http://127.0.0.1"
"""Base URL of the test clients: the password-less local user answers only loopback Host names."""

FAST = {"style": "folk", "bars": 8, "form": "AB", "candidates": 1, "model": "rules", "outputs": ["mid"]}
"""A small, fast compose request (rules melody, no audio) for tests that only need a piece."""


def make_settings(tmp: Path, **changes: Any) -> WebSettings:
    values: dict[str, Any] = {
        "db_url": f"sqlite:///{tmp / 'web.db'}",
        "files_dir": tmp / "files",
        "preference_dir": tmp / "feedback",
        "corpus_limit": 6,
        "default_outputs": ("mid",),
    }
    values.update(changes)
    return WebSettings(**values)


@pytest.fixture(autouse=True)
def _no_originality_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Composing checks melodies against an index of the whole corpus, built on first use (10-30 s
    on a busy machine). The web tests are about the app, not that check (tests/compose covers it),
    so they compose with the check reported as skipped, as on a machine without the corpus."""
    from tunesmith.compose import engines

    monkeypatch.setattr(engines, "_originality_index", lambda: None)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store with six corpus pieces registered, made once and copied for each test."""
    tmp = tmp_path_factory.mktemp("template")
    app = create_app(make_settings(tmp))
    assert app.state.ctx.corpus_ready.wait(60)
    app.state.ctx.store.close()
    app.state.ctx.jobs.shutdown()
    return tmp / "web.db"


@pytest.fixture(scope="session")
def postgres_template(postgres: str) -> str:
    """A PostgreSQL database like template_db (migrated, six corpus pieces), copied per test with
    CREATE DATABASE ... TEMPLATE."""
    import tempfile

    from tests.services import create_database

    url = create_database(postgres, "web_template")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(make_settings(Path(tmp), db_url=url))
        assert app.state.ctx.corpus_ready.wait(60)
        app.state.ctx.jobs.shutdown()
        app.state.ctx.store.close()
    return url


_copies = iter(range(1, 1_000_000))


def _store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store of one test: a copy of the template, on SQLite unless the test asks for
    ``postgresql`` (``@pytest.mark.parametrize("app_client", ["postgresql"], indirect=True)``)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("template_db"), tmp_path / "web.db")
        return f"sqlite:///{tmp_path / 'web.db'}"
    import psycopg

    server: str = request.getfixturevalue("postgres")
    request.getfixturevalue("postgres_template")
    name = f"web{next(_copies)}"
    port = server.rsplit(":", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE web_template')  # type: ignore[arg-type]
    request.addfinalizer(lambda: _drop(server, name))
    return f"{server}/{name}"


def _drop(server: str, name: str) -> None:
    from tests.services import drop_database

    drop_database(server, name)


@pytest.fixture
def app_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    url = _store_url(request, tmp_path)
    app = create_app(make_settings(tmp_path, corpus_collections=(), db_url=url))
    with TestClient(app, base_url=LOOPBACK) as client:
        yield client
    app.state.ctx.jobs.shutdown()
    app.state.ctx.store.close()


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    """A client signed in as the local user."""
    assert app_client.post("/api/auth/local").status_code == 200
    return app_client


def register(client: Any, name: str, password: str) -> str:
    """Create an account and sign in (registering answers alike for free and taken names); the token."""
    r = client.post("/api/auth/register", json={"name": name, "password": password})
    assert r.status_code == 202, r.text
    r = client.post("/api/auth/login", json={"name": name, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def wait_job(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def compose_piece(client: TestClient, **changes: Any) -> int:
    r = client.post("/api/compose", json={**FAST, **changes})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "done", job
    return int(job["pieces"][0]["piece_id"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template_db: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, Path]]:
    """The real app under uvicorn on a free loopback port (a thread of this process); yields (url, tmp)."""
    import uvicorn

    from tunesmith.web import create_app

    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    shutil.copyfile(template_db, tmp_path / "web.db")
    app = create_app(make_settings(tmp_path, corpus_collections=(), **getattr(request, "param", {})))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", tmp_path
    srv.should_exit = True
    thread.join(10)
    app.state.ctx.jobs.shutdown()
