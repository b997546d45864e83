"""Provokers for the co-creation routes (joined into test_openapi's table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from httpx import Response

NOBODY = {"Authorization": "Bearer not-a-token"}
R = "/api/pieces/{piece_id}/revise"
V = "/api/pieces/{piece_id}/versions"


def _generated(w: Any) -> int:
    return int(w.c.get(f"/api/jobs/{w.job}").json()["pieces"][0]["piece_id"])


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
    ("GET", V, 200): lambda w: w.c.get(f"/api/pieces/{_generated(w)}/versions"),
    ("GET", V, 401): lambda w: w.c.get(f"/api/pieces/{_generated(w)}/versions", headers=NOBODY),
    ("GET", V, 404): lambda w: w.c.get("/api/pieces/987654/versions"),
    ("GET", V, 422): lambda w: w.c.get("/api/pieces/one/versions"),
}
