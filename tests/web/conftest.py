"""Fixtures for the web tests: an app over a fresh SQLite store, files in a temporary folder."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tunesmith.web import create_app
from tunesmith.web.settings import WebSettings

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


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store with six corpus pieces registered, made once and copied for each test."""
    tmp = tmp_path_factory.mktemp("template")
    app = create_app(make_settings(tmp))
    assert app.state.ctx.corpus_ready.wait(60)
    app.state.ctx.store.close()
    app.state.ctx.jobs.shutdown()
    return tmp / "web.db"


@pytest.fixture
def app_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template_db: Path) -> Iterator[TestClient]:
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    shutil.copyfile(template_db, tmp_path / "web.db")
    app = create_app(make_settings(tmp_path, corpus_collections=()))
    with TestClient(app) as client:
        yield client
    app.state.ctx.jobs.shutdown()
    app.state.ctx.store.close()


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    """A client signed in as the local user."""
    assert app_client.post("/api/auth/local").status_code == 200
    return app_client


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
