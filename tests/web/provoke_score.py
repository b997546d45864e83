"""Provokers for the score-view routes (joined into test_openapi's table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from httpx import Response

NOBODY = {"Authorization": "Bearer not-a-token"}
S = "/api/pieces/{piece_id}/score"

SCORE: dict[tuple[str, str, int], Callable[[Any], Response]] = {
    ("GET", S, 200): lambda w: w.c.get(f"/api/pieces/{w.piece}/score"),
    ("GET", S, 401): lambda w: w.c.get(f"/api/pieces/{w.piece}/score", headers=NOBODY),
    ("GET", S, 404): lambda w: w.c.get("/api/pieces/987654/score"),
    ("GET", S, 422): lambda w: w.c.get("/api/pieces/one/score"),
    ("GET", S + "/{page}", 200): lambda w: w.c.get(f"/api/pieces/{w.piece}/score/1"),
    ("GET", S + "/{page}", 401): lambda w: w.c.get(f"/api/pieces/{w.piece}/score/1", headers=NOBODY),
    ("GET", S + "/{page}", 404): lambda w: w.c.get(f"/api/pieces/{w.piece}/score/39"),
    ("GET", S + "/{page}", 422): lambda w: w.c.get(f"/api/pieces/{w.piece}/score/0"),
}
