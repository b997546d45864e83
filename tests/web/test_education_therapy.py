"""Exercise sheets and listening sessions over the REST API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import register, wait_job


def test_exercise_sheet_round_trip(client: TestClient) -> None:
    made = client.post("/api/exercises", json={"kind": "intervals", "level": 2, "questions": 4, "seed": 9})
    assert made.status_code == 201, made.text
    ex = made.json()
    assert "answer" not in ex and ex["questions"] == 4 and ex["level"] == 2
    audio = client.get(ex["files"]["audio"])
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert client.get(f"/api/exercises/{ex['id']}/files/answer_text").status_code == 403
    wrong = client.post(f"/api/exercises/{ex['id']}/answer", data={"text": "P5\nP5"})
    assert wrong.status_code == 422 and "another exercise" in wrong.json()["detail"]
    graded = client.post(f"/api/exercises/{ex['id']}/answer", data={"text": "P1\nP1\nP1\nP1"})
    assert graded.status_code == 200, graded.text
    body = graded.json()
    assert 0 <= body["score"] <= 1 and body["feedback"][0].endswith("right.")
    key = client.get(f"/api/exercises/{ex['id']}/files/answer_text")
    assert key.status_code == 200
    right = "\n".join(line.split(":")[1].split("(")[0].strip() for line in key.text.splitlines())
    assert client.post(f"/api/exercises/{ex['id']}/answer", data={"text": right}).json()["score"] == 1.0
    progress = client.get("/api/progress").json()
    assert progress["kinds"]["intervals"]["answers"] == 2


def test_exercise_ids_and_input_are_checked(client: TestClient) -> None:
    assert client.get("/api/exercises/..%2F..%2Fweb.db/files/audio").status_code == 404
    assert client.get("/api/exercises/0123456789ab/files/audio").status_code == 404
    assert client.post("/api/exercises", json={"kind": "fugue"}).status_code == 422
    assert client.post("/api/exercises", json={"kind": "chords", "level": 9}).status_code == 422


def test_session_job_makes_audio_and_a_report_only_its_owner_reads(client: TestClient) -> None:
    options = client.get("/api/sessions/options").json()
    assert "not a medical device" in options["disclaimer"] and "relax" in options["presets"]
    assert client.post("/api/sessions", json={"preset": "nap"}).status_code == 422
    assert (
        client.post("/api/sessions", json={"start": "anxious", "end": "calm", "minutes": 0}).status_code
        == 422
    )
    r = client.post(
        "/api/sessions",
        json={"start": "anxious", "end": "calm", "minutes": 0.5, "seed": 2, "style": "ambient"},
    )
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["job_id"], timeout=180)
    assert job["status"] == "done", job
    result = job["pieces"][0]
    mp3 = client.get(result["files"]["audio"]).content
    assert mp3[:3] == b"ID3" or mp3[:2] in (b"\xff\xfb", b"\xff\xf3")
    assert client.get(result["files"]["plot"]).content[:4] == b"\x89PNG"
    client.post("/api/auth/logout")
    register(client, "eve", "long enough pw")
    assert client.get(result["files"]["audio"]).status_code == 404
