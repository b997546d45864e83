"""Provokers for the co-creation routes (joined into test_openapi's table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from httpx import Response

NOBODY = {"Authorization": "Bearer not-a-token"}
R = "/api/pieces/{piece_id}/revise"
V = "/api/pieces/{piece_id}/versions"
E = "/api/pieces/{piece_id}/edit"
N = "/api/pieces/{piece_id}/notes"
J = "/api/pieces/{piece_id}/piece.json"


def _generated(w: Any) -> int:
    return int(w.c.get(f"/api/jobs/{w.job}").json()["pieces"][0]["piece_id"])


def _edit(w: Any, **kw: Any) -> Response:
    """Delete the melody's first note (as GET /notes lists it)."""
    piece = _generated(w)
    melody = next(t for t in w.c.get(f"/api/pieces/{piece}/notes").json()["tracks"] if t["role"] == "melody")
    pitch, start = melody["notes"][0][:2]
    body = {"track": "melody", "edits": [{"op": "delete", "pitch": pitch, "start": start}]}
    return w.c.post(f"/api/pieces/{piece}/edit", json=body, **kw)


REVISE: dict[tuple[str, str, int], Callable[[Any], Response]] = {
    ("POST", R, 202): lambda w: w.c.post(f"/api/pieces/{_generated(w)}/revise", json={"bars": "1-2"}),
    ("POST", R, 401): lambda w: w.c.post(
        f"/api/pieces/{_generated(w)}/revise", json={"bars": "1"}, headers=NOBODY
    ),
    ("POST", R, 404): lambda w: w.c.post("/api/pieces/987654/revise", json={"bars": "1-2"}),
    ("POST", R, 422): lambda w: w.c.post(
        f"/api/pieces/{_generated(w)}/revise", json={"bars": "1", "track": "x"}
    ),
    ("POST", R, 503): lambda w: w.with_setting(
        w.ctx.settings,
        "max_queued_jobs",
        0,
        lambda: w.c.post(f"/api/pieces/{_generated(w)}/revise", json={"bars": "1-2"}),
    ),
    ("POST", E, 202): _edit,
    ("POST", E, 401): lambda w: _edit(w, headers=NOBODY),
    ("POST", E, 404): lambda w: w.c.post(
        "/api/pieces/987654/edit",
        json={"track": "melody", "edits": [{"op": "delete", "pitch": 60, "start": 0}]},
    ),
    ("POST", E, 422): lambda w: w.c.post(
        f"/api/pieces/{_generated(w)}/edit",
        json={"track": "melody", "edits": [{"op": "delete", "pitch": 1, "start": 3}]},
    ),
    ("POST", E, 503): lambda w: w.with_setting(w.ctx.settings, "max_queued_jobs", 0, lambda: _edit(w)),
    ("GET", N, 200): lambda w: w.c.get(f"/api/pieces/{_generated(w)}/notes"),
    ("GET", N, 401): lambda w: w.c.get(f"/api/pieces/{_generated(w)}/notes", headers=NOBODY),
    ("GET", N, 404): lambda w: w.c.get("/api/pieces/987654/notes"),
    ("GET", N, 422): lambda w: w.c.get(f"/api/pieces/{w.piece}/notes"),
    ("GET", J, 200): lambda w: w.c.get(f"/api/pieces/{_generated(w)}/piece.json"),
    ("GET", J, 401): lambda w: w.c.get(f"/api/pieces/{_generated(w)}/piece.json", headers=NOBODY),
    ("GET", J, 404): lambda w: w.c.get("/api/pieces/987654/piece.json"),
    ("GET", J, 422): lambda w: w.c.get(f"/api/pieces/{w.piece}/piece.json"),
    ("GET", V, 200): lambda w: w.c.get(f"/api/pieces/{_generated(w)}/versions"),
    ("GET", V, 401): lambda w: w.c.get(f"/api/pieces/{_generated(w)}/versions", headers=NOBODY),
    ("GET", V, 404): lambda w: w.c.get("/api/pieces/987654/versions"),
    ("GET", V, 422): lambda w: w.c.get("/api/pieces/one/versions"),
}
