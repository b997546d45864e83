"""Co-creation over REST: revise a generated piece (a job, like compose) and its version tree."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tunesmith.errors import ControlError
from tunesmith.io import loads
from tunesmith.store.models import Piece
from tunesmith.web.context import Context, Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.revise_job import piece_data
from tunesmith.web.schemas import JobCreated, PieceId
from tunesmith.web.settings import ALL_OUTPUTS
from tunesmith.web.views import visible

router = APIRouter(prefix="/api", tags=["co-creation"])


class ReviseBody(BaseModel):
    """One revision: bars ("9-16") or a section label, the track to regenerate, tracks to keep."""

    bars: str | None = Field(None, max_length=20, description="1-based, inclusive: 9-16 or 5")
    section: str | None = Field(None, max_length=20, description="a section label: every occurrence")
    track: str = Field("melody", description="melody, chords, accompaniment, drums or all")
    keep: list[str] = Field(default_factory=list, max_length=10)
    chords: str | None = Field(None, max_length=400, description='new chords for the span: "Am F | C G"')
    style: str | None = Field(None, max_length=40, description="another style for the span")
    seed: int | None = Field(None, ge=0, le=2**31 - 1)
    outputs: list[str] | None = None


@router.post(
    "/pieces/{piece_id}/revise",
    response_model=JobCreated,
    status_code=202,
    responses=errors(401, 404, 422, 503),
)
def revise_piece(piece_id: PieceId, body: ReviseBody, user: Me, ctx: Ctx) -> JobCreated:
    """Start a revision of a generated piece; poll the status URL. Everything not named is kept
    note for note; the new version is recorded as a child of the piece."""
    from tunesmith.cocreate import Step  # torch and scipy: they load with the first co-creation request
    from tunesmith.cocreate.revise import TRACKS
    from tunesmith.compose.plan import resolve_seed

    outputs = _outputs(body.outputs, ctx)
    if body.track not in TRACKS:
        raise ControlError("track", f"{body.track!r} is not one of {', '.join(TRACKS)}")
    if (body.bars is None) == (body.section is None):
        raise ControlError("bars", "give either bars (like 9-16) or a section label to regenerate")
    with ctx.store.session() as s:
        piece = visible(s.get(Piece, piece_id), user)
        piece_data(piece)  # checked now so a bad piece is a 4xx here; the worker reads it again
        score = _stored_score(piece)
    _check_span(score, body)
    step = Step(
        body.track,
        resolve_seed(body.seed),
        body.bars,
        body.section,
        tuple(body.keep),
        body.chords,
        body.style,
    )
    job = ctx.jobs.submit(user.id, {"piece_id": piece_id, "step": step.to_dict()}, outputs, kind="revise")
    return JobCreated(job_id=job.id, status_url=f"/api/jobs/{job.id}")


def _check_span(score: Any, body: ReviseBody) -> None:
    """Bars outside the piece, a section or a track it does not have: a 422 now, not a failed job
    later (the job checks again on the replayed version)."""
    from tunesmith.cocreate.revise import parse_bars, role

    bar = score.time_signatures[0].bar_ticks if score.time_signatures else 1920
    if body.bars is not None:
        parse_bars(body.bars, _bars(score, bar))
    labels = list(dict.fromkeys(s.label for s in score.sections))
    if body.section is not None and body.section not in labels:
        raise ControlError(
            "section", f"the piece has no section {body.section!r} (its sections: {', '.join(labels)})"
        )
    roles = {role(t) for t in score.tracks}
    for name in [body.track, *body.keep]:
        if name not in roles and name not in ("chords", "all"):
            raise ControlError(
                "track", f"the piece has no {name} track (its tracks: {', '.join(sorted(roles))})"
            )


@router.get("/pieces/{piece_id}/versions", responses=errors(401, 404, 422))
def versions(piece_id: PieceId, user: Me, ctx: Ctx) -> dict[str, Any]:
    """The tree of versions the piece belongs to, from the original: {id, title, steps, children}."""
    from tunesmith.cocreate.versions import version_tree

    with ctx.store.session() as s:
        visible(s.get(Piece, piece_id), user)
        return version_tree(s, piece_id)


# ----- the page editor: the notes to draw, hand edits, the JSON that regenerates a version ----------


class EditOp(BaseModel):
    """add a note (pitch, start, duration); delete, move (to_pitch, to_start) or resize (duration)
    the note at (pitch, start) of the version being edited."""

    op: Literal["add", "delete", "move", "resize"]
    pitch: int = Field(ge=0, le=127)
    start: int = Field(ge=0, le=10_000_000, description="onset in ticks (480 per quarter)")
    duration: int | None = Field(None, ge=1, le=100_000)
    velocity: int | None = Field(None, ge=1, le=127)
    to_pitch: int | None = Field(None, ge=0, le=127)
    to_start: int | None = Field(None, ge=0, le=10_000_000)


class EditBody(BaseModel):
    """Hand edits of one track of a piece, applied in order as one new version."""

    track: str = Field(max_length=80, description="a track's name, or its role (melody, bass, ...)")
    edits: list[EditOp] = Field(min_length=1, max_length=200)
    outputs: list[str] | None = None


def _stored_score(piece: Piece) -> Any:
    """The piece's notes as recorded (its MIDI, which keeps every tick and track of the version)."""
    if not piece.file_data or piece.format != ".mid":
        raise ControlError("piece", "only pieces tunesmith composed (or revised) can be edited")
    return loads(piece.file_data, ".mid", f"piece {piece.id}")[0]


def _outputs(body_outputs: list[str] | None, ctx: Context) -> list[str]:
    outputs = [o.strip().lower() for o in (body_outputs or list(ctx.settings.default_outputs))]
    bad = [o for o in outputs if o not in ALL_OUTPUTS]
    if bad or not outputs:
        raise ControlError(
            "outputs", f"{', '.join(bad) or 'none'} not allowed; allowed: {', '.join(ALL_OUTPUTS)}"
        )
    return outputs


@router.post(
    "/pieces/{piece_id}/edit",
    response_model=JobCreated,
    status_code=202,
    responses=errors(401, 404, 422, 503),
)
def edit_piece(piece_id: PieceId, body: EditBody, user: Me, ctx: Ctx) -> JobCreated:
    """Start a job that applies hand edits to one track and records the result as a child version
    (re-rendered like a revision); poll the status URL. Notes are named by pitch and onset tick as
    GET /pieces/{id}/notes lists them; an edit that names no such note, or goes outside the piece,
    is refused here (422) before any job starts."""
    from tunesmith.cocreate import Step
    from tunesmith.cocreate.edit import apply_edits, find_track, parse_edits

    outputs = _outputs(body.outputs, ctx)
    edits = parse_edits([e.model_dump(exclude_none=True) for e in body.edits])
    with ctx.store.session() as s:
        piece = visible(s.get(Piece, piece_id), user)
        piece_data(piece)
        score = _stored_score(piece)
    bar = score.time_signatures[0].bar_ticks if score.time_signatures else 1920
    end = _bars(score, bar) * bar
    track = score.tracks[find_track(score.tracks, body.track)]
    apply_edits(track, edits, end, bar, 80)  # the same checks the job makes on the replayed version
    step = Step(track.name, 0, edits=edits)
    job = ctx.jobs.submit(user.id, {"piece_id": piece_id, "step": step.to_dict()}, outputs, kind="revise")
    return JobCreated(job_id=job.id, status_url=f"/api/jobs/{job.id}")


def _bars(score: Any, bar: int) -> int:
    """The piece's bars: to the end of its last section (its form), else of its last onset."""
    if score.sections:
        return max(1, -(-max(s.end for s in score.sections) // bar))
    return 1 + max((n.start // bar for t in score.tracks for n in t.notes), default=0)


@router.get("/pieces/{piece_id}/notes", responses=errors(401, 404, 422))
def notes(piece_id: PieceId, user: Me, ctx: Ctx) -> dict[str, Any]:
    """The notes of every track of a generated piece, for a piano roll: tracks [{name, role, drum,
    notes: [[pitch, start, duration, velocity]]}], bar and quarter ticks, bars, sections, tempo,
    the parent version's id."""
    from tunesmith.cocreate.revise import role

    with ctx.store.session() as s:
        piece = visible(s.get(Piece, piece_id), user)
        controls = piece.controls or {}
        piece_data(piece)
        score = _stored_score(piece)
        title, parent = piece.title, controls.get("parent_id")
    bar = score.time_signatures[0].bar_ticks if score.time_signatures else 1920
    bars = _bars(score, bar)
    sections = [{"label": s.label, "bar": s.start // bar, "bars": max(1, (s.end - s.start) // bar)}
                for s in score.sections]  # fmt: skip
    return {
        "id": piece_id,
        "title": title,
        "parent_id": parent,
        "ticks_per_quarter": score.ticks_per_quarter,
        "bar_ticks": bar,
        "bars": bars,
        "bpm": score.tempos[0].bpm if score.tempos else 120.0,
        "sections": sections,
        "tracks": [
            {
                "name": t.name,
                "role": role(t),
                "drum": t.is_drum,
                "notes": [[n.pitch, n.start, n.duration, n.velocity] for n in t.notes],
            }
            for t in score.tracks
        ],
    }


@router.get("/pieces/{piece_id}/piece.json", responses=errors(401, 404, 422))
def piece_json(piece_id: PieceId, user: Me, ctx: Ctx) -> Response:
    """The JSON that regenerates this version note for note (`tunesmith revise PIECE.json`
    replays it): the compose request, model versions, candidate and revision steps."""
    with ctx.store.session() as s:
        piece = visible(s.get(Piece, piece_id), user)
        data = piece_data(piece)
    return Response(
        json.dumps(data, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="piece-{piece_id}.json"'},
    )
