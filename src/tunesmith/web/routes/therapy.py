"""Wellbeing listening sessions: start one along a mood trajectory (a job), then play it and read
its report. Not a medical device: every answer carries the disclaimer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from tunesmith.compose.styles import available_styles
from tunesmith.errors import ControlError, NotFoundError
from tunesmith.store.models import Piece
from tunesmith.therapy.trajectory import PRESETS, STATES, trajectory
from tunesmith.web.context import Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import JobCreated, PieceId

router = APIRouter(prefix="/api", tags=["sessions"])
WEB_MAX_MINUTES = 20.0
FILES = {
    "audio": ("session.mp3", "audio/mpeg"),
    "plot": ("report.png", "image/png"),
    "json": ("session.json", "application/json"),
    "midi": ("session.mid", "audio/midi"),
}


class SessionBody(BaseModel):
    preset: str | None = Field(None, max_length=20, description="relax, sleep, focus or energise")
    start: str | None = Field(
        None, max_length=40, description="a state (anxious, tired...) or 'valence,arousal'"
    )
    end: str | None = Field(None, max_length=40)
    via: list[str] = Field(default_factory=list, max_length=10)
    minutes: float = Field(5.0, ge=0.5, le=WEB_MAX_MINUTES)
    style: str | None = Field(None, max_length=20)
    key: str = Field("C", max_length=12)
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


@router.get("/sessions/options")
def options() -> dict[str, Any]:
    """Presets, named states and the disclaimer the page shows."""
    from tunesmith.therapy.session import DISCLAIMER

    return {
        "presets": {k: {"waypoints": list(v[0]), "styles": list(v[1])} for k, v in PRESETS.items()},
        "states": {k: list(v) for k, v in STATES.items()},
        "max_minutes": WEB_MAX_MINUTES,
        "disclaimer": DISCLAIMER,
    }


@router.post("/sessions", response_model=JobCreated, status_code=202, responses=errors(401, 422, 503))
def start_session(body: SessionBody, user: Me, ctx: Ctx) -> JobCreated:
    """Start composing a session; poll the job, then fetch its files."""
    trajectory(body.start, body.end, body.preset, body.via)  # bad input fails now, not in the worker
    if body.style is not None and body.style not in available_styles():
        raise ControlError(
            "style", f"unknown style {body.style!r}; allowed: {', '.join(available_styles())}"
        )

    job = ctx.jobs.submit(user.id, body.model_dump(), [], kind="session")
    return JobCreated(job_id=job.id, status_url=f"/api/jobs/{job.id}")


@router.get(
    "/sessions/{piece_id}/files/{kind}",
    response_class=FileResponse,
    responses={
        200: {"content": {m: {"schema": {"type": "string", "format": "binary"}} for _, m in FILES.values()}},
        **errors(401, 404, 422),
    },
)
def session_file(piece_id: PieceId, kind: str, user: Me, ctx: Ctx) -> FileResponse:
    """A session's audio (MP3), report plot (PNG), JSON report or MIDI."""
    if kind not in FILES:
        raise NotFoundError(f"no session file {kind[:20]!r}; allowed: {', '.join(FILES)}")
    with ctx.store.session() as s:
        piece = s.get(Piece, piece_id)
        if piece is None or piece.owner_id != user.id or "session" not in (piece.controls or {}):
            raise NotFoundError(f"no session {piece_id}")
        midi = piece.path
    folder = Path(midi or "").parent
    path = folder / FILES[kind][0]
    if not midi or not path.is_file() or not path.resolve().is_relative_to(ctx.files.root.resolve()):
        raise NotFoundError(f"session {piece_id} has no {kind} file")
    return FileResponse(path, media_type=FILES[kind][1], filename=f"session-{piece_id}-{FILES[kind][0]}")
