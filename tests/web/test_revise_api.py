"""REST co-creation: POST /api/pieces/{id}/revise (a job) and GET /api/pieces/{id}/versions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.conftest import compose_piece, wait_job


def test_revise_a_composed_candidate_and_see_the_version_tree(client: TestClient) -> None:
    parent = compose_piece(client, candidates=2, seed=4)
    # The second-ranked candidate: the replay must pick that one, not the best.
    r = client.post("/api/compose", json={"style": "folk", "bars": 8, "form": "AB", "candidates": 2,
                                          "model": "rules", "outputs": ["mid"], "seed": 4})  # fmt: skip
    second = int(wait_job(client, r.json()["job_id"])["pieces"][1]["piece_id"])
    for piece in (parent, second):
        r = client.post(f"/api/pieces/{piece}/revise", json={"bars": "3-4", "track": "melody", "seed": 5,
                                                              "outputs": ["mid"]})  # fmt: skip
        assert r.status_code == 202, r.text
        job = wait_job(client, r.json()["job_id"])
        assert job["status"] == "done", job
        (made,) = job["pieces"]
        assert made["parent_id"] == piece and made["piece_id"] != piece
        assert client.get(made["files"]["mid"]).status_code == 200
    tree = client.get(f"/api/pieces/{made['piece_id']}/versions").json()
    assert tree["id"] == second
    assert [c["id"] for c in tree["children"]] == [made["piece_id"]]
    assert tree["children"][0]["steps"][0]["bars"] == "3-4"


def test_revise_errors_are_clear(client: TestClient) -> None:
    piece = compose_piece(client)
    r = client.post(f"/api/pieces/{piece}/revise", json={"bars": "90-99", "outputs": ["mid"]})
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "failed" and "outside the piece" in job["error"]
    assert client.post("/api/pieces/999999/revise", json={"bars": "1"}).status_code == 404
    assert client.get("/api/pieces/999999/versions").status_code == 404
    bad = client.post(f"/api/pieces/{piece}/revise", json={"bars": "1", "track": "banjo"})
    assert bad.status_code in (400, 422) and "banjo" in bad.text
