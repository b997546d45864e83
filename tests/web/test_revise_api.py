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
    for body, message in [
        ({"bars": "90-99"}, "outside the piece, which has"),
        ({"bars": "0-2"}, "bars count from 1"),
        ({"section": "Z"}, "no section 'Z' (its sections:"),
        ({"bars": "1", "keep": ["pad"]}, "no pad track"),
    ]:
        r = client.post(f"/api/pieces/{piece}/revise", json={**body, "outputs": ["mid"]})
        assert r.status_code == 422 and message in r.text, (body, r.text)
    assert client.post("/api/pieces/999999/revise", json={"bars": "1"}).status_code == 404
    assert client.get("/api/pieces/999999/versions").status_code == 404
    bad = client.post(f"/api/pieces/{piece}/revise", json={"bars": "1", "track": "banjo"})
    assert bad.status_code in (400, 422) and "banjo" in bad.text


def _melody(client: TestClient, piece: int) -> list[list[int]]:
    notes = client.get(f"/api/pieces/{piece}/notes").json()
    return next(t["notes"] for t in notes["tracks"] if t["role"] == "melody")


def test_edit_notes_by_hand_makes_a_child_that_replays(client: TestClient) -> None:
    piece = compose_piece(client, seed=3)
    info = client.get(f"/api/pieces/{piece}/notes").json()
    assert info["bars"] >= 8 and info["bar_ticks"] > 0 and info["sections"]
    before = _melody(client, piece)
    (p0, s0, *_), (p1, s1, d1, v1) = before[0], before[1]
    last_bar = (info["bars"] - 1) * info["bar_ticks"]
    edits = [{"op": "delete", "pitch": p0, "start": s0},
             {"op": "move", "pitch": p1, "start": s1, "to_pitch": p1 - 1, "to_start": s1},
             {"op": "add", "pitch": 72, "start": last_bar, "duration": 240, "velocity": 70}]  # fmt: skip
    r = client.post(f"/api/pieces/{piece}/edit", json={"track": "melody", "edits": edits, "outputs": ["mid"]})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "done", job
    child = job["pieces"][0]["piece_id"]
    after = _melody(client, child)
    expected = sorted(
        [[p1 - 1, s1, d1, v1], [72, last_bar, 240, 70], *before[2:]], key=lambda n: (n[1], n[0])
    )
    assert after == expected
    assert client.get(f"/api/pieces/{child}/notes").json()["parent_id"] == piece
    # The JSON download names the edit step; revising the child again replays the edit first.
    data = client.get(f"/api/pieces/{child}/piece.json").json()
    assert data["revisions"][-1]["edits"][0]["op"] == "delete"
    r = client.post(f"/api/pieces/{child}/revise", json={"bars": "1-2", "outputs": ["mid"], "seed": 2})
    grandchild = wait_job(client, r.json()["job_id"])
    assert grandchild["status"] == "done", grandchild
    assert [72, last_bar, 240, 70] in _melody(client, grandchild["pieces"][0]["piece_id"])


def test_edit_errors_are_refused_before_any_job(client: TestClient) -> None:
    piece = compose_piece(client, seed=3)
    info = client.get(f"/api/pieces/{piece}/notes").json()
    end = info["bars"] * info["bar_ticks"]
    cases = [
        ({"track": "banjo", "edits": [{"op": "delete", "pitch": 60, "start": 0}]}, "no track 'banjo'"),
        ({"track": "melody", "edits": [{"op": "delete", "pitch": 1, "start": 7}]}, "no note of pitch 1"),
        ({"track": "melody", "edits": [{"op": "add", "pitch": 60, "start": end, "duration": 10}]},
         "outside the piece"),
        ({"track": "melody", "edits": [{"op": "add", "pitch": 200, "start": 0, "duration": 10}]}, "pitch"),
        ({"track": "melody", "edits": []}, "edits"),
        ({"track": "melody", "edits": [{"op": "delete", "pitch": 60, "start": 0}] * 201}, "edits"),
    ]  # fmt: skip
    for body, message in cases:
        r = client.post(f"/api/pieces/{piece}/edit", json=body)
        assert r.status_code == 422 and message in r.text, (body, r.text)
    corpus = client.get("/api/pieces", params={"source": "corpus"}).json()["pieces"][0]["id"]
    r = client.post(f"/api/pieces/{corpus}/edit", json=cases[0][0])
    assert r.status_code == 422 and "only pieces tunesmith composed" in r.text


def test_a_revision_through_the_api_teaches_the_preference_model(client: TestClient) -> None:
    from tunesmith.feedback.implicit import WEIGHT
    from tunesmith.feedback.preference import rows_from_store

    piece = compose_piece(client, seed=6)
    r = client.post(f"/api/pieces/{piece}/revise", json={"bars": "5-6", "outputs": ["mid"], "seed": 1})
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "done"
    # A rating attaches to the version: each version is a piece of its own.
    child = job["pieces"][0]["piece_id"]
    assert client.put(f"/api/pieces/{child}/rating", json={"stars": 4}).status_code == 200
    assert client.get(f"/api/pieces/{child}").json()["my_rating"] == 4
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.store.session() as s:
        rows = [row for row in rows_from_store(s) if row.relative]
    me = client.get("/api/me").json()["name"]
    assert [(row.user, row.stars, row.weight) for row in rows[-2:]] == [(me, -1.0, WEIGHT), (me, 1.0, WEIGHT)]


def test_a_finished_revision_keeps_its_files(client: TestClient) -> None:
    """The job's files stay where the job wrote them (no late heartbeat reads the done job as lost)."""
    import time

    piece = compose_piece(client, seed=8)
    r = client.post(f"/api/pieces/{piece}/revise", json={"bars": "3-4", "outputs": ["mid"], "seed": 1})
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "done"
    time.sleep(0.6)  # past the heartbeat's half-second throttle
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    from tunesmith.store.models import Piece

    with ctx.store.session() as s:
        stored = ctx.files.stored(s.get(Piece, job["pieces"][0]["piece_id"]), "mid")
    assert stored is not None and stored.is_file()
