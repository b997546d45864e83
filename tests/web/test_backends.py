"""The web app on each store and queue it supports: a representative set of the API tests on a
real PostgreSQL server (tests/web/test_app.py runs them all on SQLite), a Redis job queue, and
several web processes sharing one store and queue (job status comes from the store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web import test_app as on_sqlite
from tests.web.conftest import FAST, LOOPBACK, make_settings, wait_job

from tunesmith.web import create_app

postgres = pytest.mark.parametrize("app_client", ["postgresql"], indirect=True)


@postgres
def test_compose_job_progress_result_and_files_postgres(client: TestClient) -> None:
    on_sqlite.test_compose_job_progress_result_and_files(client)


@postgres
def test_pieces_search_tags_paging_postgres(client: TestClient) -> None:
    on_sqlite.test_pieces_search_tags_paging(client)


@postgres
def test_ratings_are_private_and_replaced_postgres(client: TestClient) -> None:
    on_sqlite.test_ratings_are_private_and_replaced(client)


@postgres
def test_uploads_checked_by_content_and_private_postgres(client: TestClient) -> None:
    on_sqlite.test_uploads_checked_by_content_and_private(client)


@postgres
def test_accounts_register_login_logout_postgres(app_client: TestClient) -> None:
    on_sqlite.test_accounts_register_login_logout(app_client)


@postgres
def test_recommendations_cold_start_then_personal_postgres(client: TestClient) -> None:
    on_sqlite.test_recommendations_cold_start_then_personal(client)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql+redis"])
def test_job_taken_by_one_process_is_run_by_another_and_reported_by_both(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two app instances over one store and queue, as two web processes (or machines) are: the one
    that accepts the job runs no jobs itself (workers=0), the other runs it; both report it."""
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    changes: dict[str, object] = {"corpus_collections": ()}
    if backend == "sqlite":
        changes["db_url"] = f"sqlite:///{tmp_path / 'shared.db'}"
        changes["queue_url"] = f"sqlite:///{tmp_path / 'queue.db'}"
    else:
        changes["db_url"] = request.getfixturevalue("postgres_url")
        changes["queue_url"] = request.getfixturevalue("redis_url")
    front = create_app(make_settings(tmp_path / "front", workers=0, **changes))
    back = create_app(make_settings(tmp_path / "back", workers=1, **changes))
    try:
        with TestClient(front, base_url=LOOPBACK) as a, TestClient(back, base_url=LOOPBACK) as b:
            token = a.post("/api/auth/local").json()["token"]
            a.headers["Authorization"] = b.headers["Authorization"] = f"Bearer {token}"
            job_id = a.post("/api/compose", json={**FAST, "seed": 3}).json()["job_id"]
            done = wait_job(a, job_id)
            assert done["status"] == "done", done
            assert wait_job(b, job_id) == done
            piece = done["pieces"][0]
            assert b.get(piece["files"]["mid"]).content[:4] == b"MThd"
            assert [j["id"] for j in b.get("/api/jobs").json()] == [job_id]
    finally:
        for app in (front, back):
            app.state.ctx.jobs.shutdown()
            app.state.ctx.store.close()
