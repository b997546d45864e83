"""Crash test: the server and a worker, real processes, killed with SIGKILL in the middle of a job.

After both restart every job ends done or failed with a reason (none lost, none done twice), the
killed attempt's partial files are gone, and every rating given before the crash is still there.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.web.conftest import FAST
from tests.web.procs import common, kill9, start_server, start_worker, stop

from tunesmith.store.db import open_store
from tunesmith.store.models import Job, Piece

pytestmark = pytest.mark.slow
DATA = Path(__file__).resolve().parent.parent / "data"


def _all_ended(http: httpx.Client, ids: list[str], timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = [http.get(f"/api/jobs/{j}").raise_for_status().json() for j in ids]
        if all(j["status"] in ("done", "failed") for j in jobs):
            return jobs
        time.sleep(0.3)
    raise AssertionError(f"jobs still open: {[(j['id'], j['status'], j['stage']) for j in jobs]}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql+redis"])
def test_kill_9_server_and_worker_mid_job(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":  # one machine: SQLite store, Huey's SQLite queue
        opts = common(tmp_path)
    else:  # many machines: PostgreSQL store, Redis queue (a message taken by the killed worker is gone)
        opts = common(tmp_path, request.getfixturevalue("redis_url"), request.getfixturevalue("postgres_url"))
    server, url = start_server(tmp_path, [*opts, "--workers", "0"])
    worker = start_worker(tmp_path, opts)
    try:
        with httpx.Client(base_url=url, timeout=30) as anon:
            token = anon.post("/api/auth/local").raise_for_status().json()["token"]
        http = httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})
        uploads = http.post("/api/uploads", files={"file": ("tunes.abc", (DATA / "tunes.abc").read_bytes())})
        pieces = [p["id"] for p in uploads.raise_for_status().json()]
        ratings = {pid: 1 + i % 5 for i, pid in enumerate(pieces)}
        for pid, stars in ratings.items():
            http.put(f"/api/pieces/{pid}/rating", json={"stars": stars}).raise_for_status()
        # One slow job (many bars, audio-free) to be caught running, then quick ones queued behind it.
        slow = {**FAST, "bars": 64, "form": "AABA", "candidates": 3, "outputs": ["mid", "musicxml"]}
        slow["seed"] = 1
        ids = [http.post("/api/compose", json=slow).raise_for_status().json()["job_id"]]
        ids += [http.post("/api/compose", json={**FAST, "seed": s}).raise_for_status().json()["job_id"]
                for s in range(2, 7)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until the first job is mid-way
            first = http.get(f"/api/jobs/{ids[0]}").json()
            if first["status"] == "running" and first["progress"] > 0:
                break
            time.sleep(0.05)
        assert first["status"] == "running", first
        http.close()
        kill9(server)
        kill9(worker)

        # The crash left the job 'running' in the store, with a partial attempt folder.
        with open_store(opts[1]) as store, store.session() as s:
            states = {j.id: (j.status, j.attempts) for j in s.scalars(select(Job))}
        assert states[ids[0]] == ("running", 1)

        server, url = start_server(tmp_path, [*opts, "--workers", "0"])
        worker = start_worker(tmp_path, opts)
        http = httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})
        jobs = _all_ended(http, ids, timeout=180)
        for job in jobs:
            assert job["status"] == "done" or job["error"], job
        assert jobs[0]["status"] == "done", jobs[0]["error"]  # retried after its worker died
        assert all(j["status"] == "done" for j in jobs), [j["error"] for j in jobs]
        mine = {r["piece_id"]: r["stars"] for r in http.get("/api/ratings").raise_for_status().json()}
        assert mine == ratings
        http.close()
        with open_store(opts[1]) as store, store.session() as s:
            rows = {j.id: j for j in s.scalars(select(Job))}
            assert rows[ids[0]].attempts == 2
            generated = s.scalars(select(Piece.id).where(Piece.source == "generated")).all()
        # Each done job recorded its pieces once; only the finishing attempt's files are kept.
        made = [p["piece_id"] for j in jobs for p in j["pieces"]]
        assert sorted(made) == sorted(generated) and len(made) == 3 + 5
        folders = sorted(p.name for p in (tmp_path / "files" / "generated" / ids[0]).iterdir())
        assert folders == ["a2"]
    finally:
        stop(worker)
        stop(server)
