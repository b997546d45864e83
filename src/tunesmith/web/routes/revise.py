"""Co-creation over REST: revise a generated piece (a job, like compose) and its version tree."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tunesmith.errors import ControlError
from tunesmith.store.models import Piece
from tunesmith.web.context import Context, Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import JobCreated, PieceId
from tunesmith.web.service import KINDS
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


def _piece_data(piece: Piece) -> dict[str, Any]:
    """The compose/revise JSON of a generated piece, rebuilt from what the store recorded."""
    controls = piece.controls or {}
    if piece.source != "generated" or "request" not in controls:
        raise ControlError("piece", "only pieces tunesmith composed (or revised) can be revised")
    return {
        "tunesmith_piece": 1,
        "request": controls["request"],
        "model_versions": controls.get("model_versions", {}),
        "candidate": int(controls.get("rank", 1)) - 1
        if "revisions" not in controls
        else controls.get("candidate", 0),
        "revisions": controls.get("revisions", []),
    }


@router.post(
    "/pieces/{piece_id}/revise",
    response_model=JobCreated,
    status_code=202,
    responses=errors(401, 404, 422, 503),
)
def revise_piece(piece_id: PieceId, body: ReviseBody, user: Me, ctx: Ctx) -> JobCreated:
    """Start a revision of a generated piece; poll the status URL. Everything not named is kept
    note for note; the new version is recorded as a child of the piece."""
    from tunesmith.cocreate import Step
    from tunesmith.compose.plan import resolve_seed

    outputs = [o.strip().lower() for o in (body.outputs or list(ctx.settings.default_outputs))]
    bad = [o for o in outputs if o not in ALL_OUTPUTS]
    if bad or not outputs:
        raise ControlError(
            "outputs", f"{', '.join(bad) or 'none'} not allowed; allowed: {', '.join(ALL_OUTPUTS)}"
        )
    from tunesmith.cocreate.revise import TRACKS

    if body.track not in TRACKS:
        raise ControlError("track", f"{body.track!r} is not one of {', '.join(TRACKS)}")
    if (body.bars is None) == (body.section is None):
        raise ControlError("bars", "give either bars (like 9-16) or a section label to regenerate")
    with ctx.store.session() as s:
        piece = visible(s.get(Piece, piece_id), user)
        data, expected = _piece_data(piece), piece.content_hash
    step = Step(
        body.track,
        resolve_seed(body.seed),
        body.bars,
        body.section,
        tuple(body.keep),
        body.chords,
        body.style,
    )

    del data, expected  # checked now so a bad piece is a 4xx here; the worker reads them again
    job = ctx.jobs.submit(user.id, {"piece_id": piece_id, "step": step.to_dict()}, outputs, kind="revise")
    return JobCreated(job_id=job.id, status_url=f"/api/jobs/{job.id}")


def run_revise_job(ctx: Context, job: Any, attempt: int, progress: Any) -> None:
    """The worker's side of POST /pieces/{id}/revise: the child version's piece and the job's
    'done' commit together (tunesmith.web.jobs runs it for jobs of kind 'revise')."""
    from tunesmith.cocreate import Step
    from tunesmith.store import jobs as job_store
    from tunesmith.web.jobs import attempt_folder

    parent_id = int(job.request["piece_id"])
    with ctx.store.session() as s:
        piece = s.get(Piece, parent_id)
        if piece is None:
            raise ControlError("piece", f"piece {parent_id} is gone")
        data, expected = _piece_data(piece), piece.content_hash
    step = Step.from_dict(job.request["step"])

    def finish(session: Any, result: dict[str, Any]) -> None:
        job_store.complete(session, job.id, attempt, [result])

    _revise(ctx, job.owner_id, parent_id, data, expected, step, list(job.outputs),
            attempt_folder(ctx, job.id, attempt), progress, finish)  # fmt: skip


def _revise(  # noqa: PLR0917 (one call site)
    ctx: Context,
    owner_id: int,
    parent_id: int,
    data: dict[str, Any],
    expected: str,
    step: Any,
    outputs: list[str],
    out: Path,
    progress: Any,
    finish: Any,
) -> dict[str, Any]:
    from tunesmith.cocreate import load_version, revise
    from tunesmith.errors import InputFileError
    from tunesmith.feedback.features import FEATURES_VERSION, piece_features
    from tunesmith.render.piece import write_files
    from tunesmith.store.models import PieceVersion
    from tunesmith.store.pieces import add_piece, content_hash

    progress("replaying the piece", 0.05)
    source = f"piece {parent_id}"
    parent = load_version(data, source)
    if content_hash(parent.score) != expected:
        raise InputFileError(source, "does not regenerate note for note here (made by another tunesmith "
                             "version or other model checkpoints)")  # fmt: skip
    progress("regenerating", 0.4)
    child = revise(parent, step)
    progress("writing files", 0.6)
    formats = sorted(set(outputs) | {"mid", "json"})
    paths = write_files(child.composition(), out, formats=formats, soundfont=ctx.files.settings.soundfont,
                        record=False)  # fmt: skip
    rel = {k: str(Path(p).resolve().relative_to(ctx.files.root)) for k, p in paths.items() if k in KINDS}
    steps = [s.to_dict() for s in child.steps]
    controls = {
        "request": child.request.to_dict(),
        "model_versions": child.model_versions,
        "candidate": data.get("candidate", 0),
        "revisions": steps,
        "web_files": rel,
        "parent_id": parent_id,
    }
    plan = child.plan
    tags = sorted(
        {plan.style.name, plan.key.name, str(plan.meter), f"model:{plan.model}", "generated", "revised"}
    )
    values = piece_features(child.score, controls)
    with ctx.write_lock, ctx.store.session() as session:
        piece, created = add_piece(session, child.score, source="generated", tags=tags,
                                   title=f"{plan.title} (v{len(steps) + 1})", fmt=".mid",
                                   file_data=paths["mid"].read_bytes(), controls=controls)  # fmt: skip
        if created:
            piece.owner_id = owner_id
            piece.features = {
                "version": FEATURES_VERSION,
                "values": {k: (None if math.isnan(v) else v) for k, v in values.items()},
            }
            session.flush()
            session.add(PieceVersion(piece_id=piece.id, parent_id=parent_id, steps=steps))
        piece_id = piece.id
        result = {
            "piece_id": piece_id,
            "parent_id": parent_id,
            "revisions": steps,
            "files": {k: f"/api/pieces/{piece_id}/files/{k}" for k in rel},
        }
        finish(session, result)
    progress("done", 1.0)
    return result


@router.get("/pieces/{piece_id}/versions", responses=errors(401, 404, 422))
def versions(piece_id: PieceId, user: Me, ctx: Ctx) -> dict[str, Any]:
    """The tree of versions the piece belongs to, from the original: {id, title, steps, children}."""
    from tunesmith.cocreate.versions import version_tree

    with ctx.store.session() as s:
        visible(s.get(Piece, piece_id), user)
        return version_tree(s, piece_id)
