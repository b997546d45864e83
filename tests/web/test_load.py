"""Load on loopback: 20 concurrent compose jobs, 200 concurrent reads, 50 concurrent rating writes.

Runs against the real server (uvicorn, SQLite in WAL mode with a busy timeout, writes serialised),
with many client threads at once; every request must succeed and every rating must be stored.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.conftest import FAST, register

pytestmark = pytest.mark.slow


def _client(url: str, token: str | None = None) -> httpx.Client:
    """One client per listener, shared by the threads (httpx clients are thread-safe); its pool
    allows 64 connections, so the requests really are in flight together."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    return httpx.Client(base_url=url, headers=headers, timeout=60.0, limits=limits)


def _wait(http: httpx.Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = http.get(f"/api/jobs/{job_id}").raise_for_status().json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.parametrize("server", [{"max_queued_jobs": 32, "max_jobs_per_user": 32}], indirect=True)
def test_concurrent_composes_reads_and_ratings(server: tuple[str, Path]) -> None:
    url, _ = server
    with _client(url) as anon:
        token = anon.post("/api/auth/local").raise_for_status().json()["token"]
    http = _client(url, token)

    # 20 compose jobs submitted at once: all accepted, all finish, 20 distinct pieces.
    def submit(seed: int) -> str:
        r = http.post("/api/compose", json={**FAST, "seed": seed, "steer": False})
        assert r.status_code == 202, r.text
        return str(r.json()["job_id"])

    with ThreadPoolExecutor(20) as pool:
        job_ids = list(pool.map(submit, range(100, 120)))
    jobs = [_wait(http, j) for j in job_ids]
    assert [j["status"] for j in jobs] == ["done"] * 20, [j["error"] for j in jobs if j["error"]]
    piece_ids = sorted({j["pieces"][0]["piece_id"] for j in jobs})
    assert len(piece_ids) == 20

    # 200 reads at once (lists, details, files): all 200.
    paths = (
        ["/api/pieces", "/api/tags", "/api/ratings"]
        + [f"/api/pieces/{p}" for p in piece_ids]
        + [f"/api/pieces/{p}/files/mid" for p in piece_ids]
    )

    def read(i: int) -> int:
        return http.get(paths[i % len(paths)]).status_code

    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(read, range(200)))
    assert codes == [200] * 200

    # 50 ratings written at once by 5 listeners on 10 pieces each: none lost.
    raters = []
    for k in range(5):
        raters.append(_client(url, register(http, f"rater{k}", "load-test-pass")))
    writes = [(k, p, 1 + (k + i) % 5) for k in range(5) for i, p in enumerate(piece_ids[:10])]

    def rate(item: tuple[int, int, int]) -> int:
        k, piece, stars = item
        return raters[k].put(f"/api/pieces/{piece}/rating", json={"stars": stars}).status_code

    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(rate, writes))
    assert codes == [200] * 50
    for k, rater in enumerate(raters):
        stored = {(r["piece_id"], r["stars"]) for r in rater.get("/api/ratings").json()}
        assert stored == {(p, s) for kk, p, s in writes if kk == k}
        rater.close()
    http.close()
