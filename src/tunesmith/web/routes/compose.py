"""The choices the page offers, compose jobs and their status."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter

from tunesmith.errors import ControlError, NotFoundError
from tunesmith.store.models import Job
from tunesmith.web.context import Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import ComposeBody, Config, JobCreated, JobState, JobStatus
from tunesmith.web.service import primer_file
from tunesmith.web.settings import ALL_OUTPUTS

router = APIRouter(prefix="/api", tags=["compose"])


@router.get("/config", response_model=Config)
def config(ctx: Ctx) -> dict[str, Any]:
    """The choices the page offers: styles, moods, meters, modes, models, ranges, outputs."""
    from tunesmith.compose import request as r
    from tunesmith.compose.styles import available_styles

    settings = ctx.settings
    return {
        "local_sign_in": settings.local_sign_in,
        "styles": available_styles(settings.extra_styles_path),
        "moods": {k: list(v) for k, v in r.MOODS.items()},
        "meters": list(r.METERS),
        "modes": list(r.MODES),
        "models": list(r.MODELS),
        "keys": list(r.KEY_NAMES),
        "forms": list(r.FORMS),
        "ranges": {
            "tempo": r.TEMPO_RANGE,
            "bars": r.BARS_RANGE,
            "seconds": r.SECONDS_RANGE,
            "temperature": r.TEMPERATURE_RANGE,
            "candidates": r.CANDIDATES_RANGE,
        },
        "outputs": list(ALL_OUTPUTS),
        "default_outputs": list(settings.default_outputs),
        "max_upload_bytes": settings.max_upload_bytes,
    }


@router.post("/compose", response_model=JobCreated, status_code=202, responses=errors(401, 422, 503))
def compose(body: ComposeBody, user: Me, ctx: Ctx) -> JobCreated:
    """Start composing; poll the returned status URL for progress and the result. The job is kept
    in the store and run by a worker from the queue, so it outlives a restart of this server."""
    from tunesmith.compose.request import ComposeRequest

    controls = body.model_dump(exclude={"primer_piece", "outputs", "steer"})
    outputs = [o.strip().lower() for o in (body.outputs or list(ctx.settings.default_outputs))]
    bad = [o for o in outputs if o not in ALL_OUTPUTS]
    if bad or not outputs:
        raise ControlError(
            "outputs", f"{', '.join(bad) or 'none'} not allowed; allowed: {', '.join(ALL_OUTPUTS)}"
        )
    if body.primer_piece is not None:  # checked (and written) now, so a bad primer is a 422 here
        controls["primer"] = str(primer_file(ctx.store, ctx.files, body.primer_piece, user.id))
    request = ComposeRequest.from_dict(controls)
    request.validate()
    stored = request.to_dict()
    stored.pop("primer", None)  # the worker writes the primer on its own machine from primer_piece
    job = ctx.jobs.submit(user.id, stored, outputs, steer=bool(body.steer), primer_piece=body.primer_piece)
    return JobCreated(job_id=job.id, status_url=f"/api/jobs/{job.id}")


def _status(job: Job) -> JobStatus:
    return JobStatus(
        id=job.id,
        status=cast(JobState, job.status),
        stage=job.stage,
        progress=job.progress,
        error=job.error,
        field=job.error_field,
        pieces=job.pieces or [],
        request=job.request,
    )


@router.get("/jobs/{job_id}", response_model=JobStatus, responses=errors(401, 404))
def job_status(job_id: str, user: Me, ctx: Ctx) -> JobStatus:
    job = ctx.jobs.get(job_id) if len(job_id) <= 64 else None
    if job is None or job.owner_id != user.id:
        raise NotFoundError(f"no compose job {job_id[:64]!r}")
    return _status(job)


@router.get("/jobs", response_model=list[JobStatus], responses=errors(401))
def my_jobs(user: Me, ctx: Ctx) -> list[JobStatus]:
    return [_status(j) for j in ctx.jobs.owned_by(user.id)]
