"""Provokers for the exercise and session routes (joined into test_openapi's table): one request per
documented status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from httpx import Response

NOBODY = {"Authorization": "Bearer not-a-token"}
E = "/api/exercises/{exercise_id}"


def _exercise(w: Any) -> str:
    made = w.c.post("/api/exercises", json={"kind": "intervals", "level": 1, "questions": 2, "seed": 3})
    return str(made.json()["id"])


def _dictation(w: Any) -> str:
    made = w.c.post("/api/exercises", json={"kind": "melodic-dictation", "level": 1, "seed": 3})
    return str(made.json()["id"])


def _session_piece(w: Any) -> int:
    from tests.web.conftest import wait_job

    job = w.c.post(
        "/api/sessions", json={"start": "tense", "end": "calm", "minutes": 0.5, "style": "ambient"}
    )
    done = wait_job(w.c, job.json()["job_id"], timeout=240)
    return int(done["pieces"][0]["piece_id"])


LEARNING: dict[tuple[str, str, int], Callable[[Any], Response]] = {
    ("POST", "/api/exercises", 201): lambda w: w.c.post(
        "/api/exercises", json={"kind": "chords", "level": 1}
    ),
    ("POST", "/api/exercises", 401): lambda w: w.c.post(
        "/api/exercises", json={"kind": "chords"}, headers=NOBODY
    ),
    ("POST", "/api/exercises", 422): lambda w: w.c.post("/api/exercises", json={"kind": "fugue"}),
    ("GET", E + "/files/{name}", 200): lambda w: w.c.get(f"/api/exercises/{_exercise(w)}/files/audio"),
    ("GET", E + "/files/{name}", 401): lambda w: w.c.get(
        "/api/exercises/0123456789ab/files/audio", headers=NOBODY
    ),
    ("GET", E + "/files/{name}", 403): lambda w: w.c.get(f"/api/exercises/{_exercise(w)}/files/answer_text"),
    ("GET", E + "/files/{name}", 404): lambda w: w.c.get("/api/exercises/0123456789ab/files/audio"),
    ("POST", E + "/answer", 200): lambda w: w.c.post(
        f"/api/exercises/{_exercise(w)}/answer", data={"text": "M3\nm3"}
    ),
    ("POST", E + "/answer", 401): lambda w: w.c.post(
        "/api/exercises/0123456789ab/answer", data={"text": "M3"}, headers=NOBODY
    ),
    ("POST", E + "/answer", 404): lambda w: w.c.post(
        "/api/exercises/0123456789ab/answer", data={"text": "M3"}
    ),
    ("POST", E + "/answer", 413): lambda w: w.c.post(
        f"/api/exercises/{_exercise(w)}/answer", files={"file": ("a.mid", b"MThd" + b"\0" * 1_000_001)}
    ),
    ("POST", E + "/answer", 415): lambda w: w.c.post(
        f"/api/exercises/{_dictation(w)}/answer", files={"file": ("a.mid", b"\x00\x01 not music")}
    ),
    ("POST", E + "/answer", 422): lambda w: w.c.post(
        f"/api/exercises/{_exercise(w)}/answer", data={"text": "M3"}
    ),
    ("GET", "/api/progress", 200): lambda w: w.c.get("/api/progress"),
    ("GET", "/api/progress", 401): lambda w: w.c.get("/api/progress", headers=NOBODY),
    ("GET", "/api/sessions/options", 200): lambda w: w.c.get("/api/sessions/options"),
    ("POST", "/api/sessions", 202): lambda w: w.c.post(
        "/api/sessions", json={"preset": "relax", "minutes": 0.5, "style": "ambient"}
    ),
    ("POST", "/api/sessions", 401): lambda w: w.c.post(
        "/api/sessions", json={"preset": "relax"}, headers=NOBODY
    ),
    ("POST", "/api/sessions", 422): lambda w: w.c.post("/api/sessions", json={"preset": "nap"}),
    ("POST", "/api/sessions", 503): lambda w: w.with_setting(
        w.ctx.settings, "max_queued_jobs", 0, lambda: w.c.post("/api/sessions", json={"preset": "relax"})
    ),
    ("GET", "/api/sessions/{piece_id}/files/{kind}", 200): lambda w: w.c.get(
        f"/api/sessions/{_session_piece(w)}/files/plot"
    ),
    ("GET", "/api/sessions/{piece_id}/files/{kind}", 401): lambda w: w.c.get(
        "/api/sessions/1/files/plot", headers=NOBODY
    ),
    ("GET", "/api/sessions/{piece_id}/files/{kind}", 404): lambda w: w.c.get("/api/sessions/1/files/plot"),
    ("GET", "/api/sessions/{piece_id}/files/{kind}", 422): lambda w: w.c.get("/api/sessions/one/files/plot"),
}
