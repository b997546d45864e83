"""The choices the page offers, compose jobs and their status."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter

from tunesmith.compose import request as r
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import FORMS, available_styles
from tunesmith.errors import ControlError, InputFileError, NotFoundError, QuotaError, TunesmithError
from tunesmith.store.models import Job, User
from tunesmith.web.context import Context, Ctx, Me
from tunesmith.web.errors import public
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import ComposeBody, Config, JobCreated, JobState, JobStatus
from tunesmith.web.service import AUDIO_KINDS, primer_file
from tunesmith.web.settings import ALL_OUTPUTS

router = APIRouter(prefix="/api", tags=["compose"])


@router.get("/config", response_model=Config)
def config(ctx: Ctx) -> dict[str, Any]:
    """The choices the page offers: styles, moods, meters, modes, models, ranges, outputs."""
    settings = ctx.settings
    return {
        "local_sign_in": settings.local_sign_in,
        "styles": available_styles(settings.extra_styles_path),
        "moods": {k: list(v) for k, v in r.MOODS.items()},
        "meters": list(r.METERS),
        "modes": list(r.MODES),
        "models": list(r.MODELS),
        "keys": list(r.KEY_NAMES),
        "forms": list(FORMS),
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


@router.post("/compose", response_model=JobCreated, status_code=202, responses=errors(401, 422, 429, 503))
def compose(body: ComposeBody, user: Me, ctx: Ctx) -> JobCreated:
    """Start composing; poll the returned status URL for progress and the result. The job is kept
    in the store and run by a worker from the queue, so it outlives a restart of this server."""
    # Only the styles this server offers: a style is a name, never a path to a file.
    styles = available_styles(ctx.settings.extra_styles_path)
    if body.style.strip() not in styles:
        raise ControlError("style", f"unknown style {body.style!r}; allowed: {', '.join(styles)}")
    _check_job_quota(ctx, user)
    controls = body.model_dump(exclude={"primer_piece", "outputs", "steer"})
    outputs = [o.strip().lower() for o in (body.outputs or list(ctx.settings.default_outputs))]
    bad = [o for o in outputs if o not in ALL_OUTPUTS]
    if bad or not outputs:
        raise ControlError(
            "outputs", f"{', '.join(bad) or 'none'} not allowed; allowed: {', '.join(ALL_OUTPUTS)}"
        )
    _check_job_quota(ctx, user)
    if body.primer_piece is not None:  # checked (and written) now, so a bad primer is a 422 here
        controls["primer"] = str(primer_file(ctx.store, ctx.files, body.primer_piece, user.id))
    request = ComposeRequest.from_dict(controls)
    try:
        request.validate()
    except TunesmithError as err:
        raise _public_error(err) from None
    if any(o in AUDIO_KINDS for o in outputs):
        _check_audio_length(ctx, request)
    # the worker writes the primer on its own machine from primer_piece: no server path is stored
    stored = {k: v for k, v in request.to_dict().items() if k not in ("primer", "styles_path")}
    job = ctx.jobs.submit(user.id, stored, outputs, steer=bool(body.steer), primer_piece=body.primer_piece)
    return JobCreated(job_id=job.id, status_url=f"/api/jobs/{job.id}")


def _check_audio_length(ctx: Context, request: Any) -> None:
    """Audio is rendered only for pieces up to ``max_render_seconds`` (rendering holds the whole
    mix in memory: ~2 GB for 15 minutes), judged from the plan before any work is queued."""
    from tunesmith.compose.plan import make_plan

    plan = make_plan(request)
    seconds = plan.total_bars * plan.meter.bar_ticks / 480 * 60 / plan.tempo
    longest = ctx.settings.max_render_seconds
    if seconds > longest:
        raise ControlError(
            "outputs",
            f"a {seconds / 60:.1f}-minute piece is too long to render as audio; allowed: audio for "
            f"pieces up to {longest / 60:g} minutes (ask for mid or musicxml, or a shorter piece)",
        )


def _check_job_quota(ctx: Context, user: User) -> None:
    limit = ctx.settings.max_jobs_per_user
    active = sum(j.status in ("queued", "running") for j in ctx.jobs.owned_by(user.id))
    if active >= limit:
        raise QuotaError(f"you have {active} compose jobs waiting or running; allowed: at most {limit}")


def _public_error(err: TunesmithError) -> TunesmithError:
    """The same error with every server path cut from its message."""
    if isinstance(err, ControlError):
        return ControlError(err.field, public(err.problem))
    if isinstance(err, InputFileError):
        return type(err)(public(err.path), public(err.problem))
    try:
        return type(err)(public(str(err)))
    except TypeError:  # a subclass with other constructor arguments
        return TunesmithError(public(str(err)))


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
