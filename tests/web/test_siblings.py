"""Recommendations never offer the other candidates of a compose job whose piece you just rated."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.conftest import FAST, wait_job


def test_rated_pieces_siblings_are_not_recommended(client: TestClient) -> None:
    job = wait_job(client, client.post("/api/compose", json={**FAST, "candidates": 3, "seed": 31,
                                                            "steer": False}).json()["job_id"])
    assert job["status"] == "done", job
    siblings = [p["piece_id"] for p in job["pieces"]]
    assert len(set(siblings)) == 3
    started = client.post("/api/compose", json={**FAST, "seed": 32, "steer": False})
    other = wait_job(client, started.json()["job_id"])
    other_id = other["pieces"][0]["piece_id"]

    before = [r["piece"]["id"] for r in client.get("/api/recommendations", params={"limit": 50}).json()]
    assert set(siblings) <= set(before)  # before rating, they are fair game

    assert client.put(f"/api/pieces/{siblings[0]}/rating", json={"stars": 5}).status_code == 200
    after = [r["piece"]["id"] for r in client.get("/api/recommendations", params={"limit": 50}).json()]
    assert not set(siblings) & set(after), after
    assert other_id in after  # a different job's piece still can be
