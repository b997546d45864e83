"""The choices the page offers, compose jobs and their status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter

from tunesmith.errors import ControlError, InputFileError, NotFoundError, QuotaError, TunesmithError
from tunesmith.store.models import Piece, User
from tunesmith.web.context import Context, Ctx, Me
from tunesmith.web.jobs import Job
from tunesmith.web.schemas import ComposeBody, JobCreated, JobStatus
from tunesmith.web.service import AUDIO_KINDS, compose_pieces, public_request
from tunesmith.web.settings import ALL_OUTPUTS

router = APIRouter(prefix="/api", tags=["compose"])


@router.get("/config")
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


@router.post("/compose", response_model=JobCreated, status_code=202)
def compose(body: ComposeBody, user: Me, ctx: Ctx) -> JobCreated:
    """Start composing; poll the returned status URL for progress and the result."""
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.compose.styles import available_styles

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
    primer_id = body.primer_piece
    if primer_id is not None:
        controls["primer"] = str(_primer_file(ctx, primer_id, user))
    request = ComposeRequest.from_dict(controls)
    try:
        request.validate()
    except TunesmithError as err:
        raise _public_error(err) from None
    if any(o in AUDIO_KINDS for o in outputs):
        _check_audio_length(ctx, request)
    steer = body.steer

    def work(job: Any, progress: Any) -> list[dict[str, Any]]:
        try:
            req = request
            scorer = None
            if steer:
                from tunesmith.feedback.steer import preference_scorer, steer_request

                prefs = ctx.preferences()
                req = steer_request(req, prefs, user.name)
                scorer = preference_scorer(prefs, user.name)
                job.request = public_request(req.to_dict(), primer_id)
                if any(o in AUDIO_KINDS for o in outputs):  # steering may have chosen a slower tempo
                    _check_audio_length(ctx, req)
            return compose_pieces(
                ctx.store,
                ctx.files,
                user.id,
                req,
                outputs,
                job.id,
                progress,
                scorer,
                ctx.write_lock,
                primer_piece=primer_id,
            )
        except TunesmithError as err:  # no server path (the primer's file) in a job's error
            raise _public_error(err) from None
        except Exception as err:  # a bug: reported without the paths its message may hold
            from tunesmith.web.errors import public

            raise TunesmithError(public(f"internal error: {type(err).__name__}: {err}")) from err

    job = ctx.jobs.submit(user.id, public_request(request.to_dict(), primer_id), work)
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
    from tunesmith.web.errors import public

    if isinstance(err, ControlError):
        return ControlError(err.field, public(err.problem))
    if isinstance(err, InputFileError):
        return type(err)(public(err.path), public(err.problem))
    try:
        return type(err)(public(str(err)))
    except TypeError:  # a subclass with other constructor arguments
        return TunesmithError(public(str(err)))


def _primer_file(ctx: Context, piece_id: int, user: User) -> Path:
    with ctx.store.session() as s:
        piece = s.get(Piece, piece_id)
        if piece is None or piece.owner_id != user.id or not piece.file_data:
            raise ControlError(
                "primer_piece",
                f"{piece_id} is not one of your uploads; allowed: the id of one of your uploads",
            )
        folder = ctx.files.root / "primers" / str(int(piece.id))
        folder.mkdir(parents=True, exist_ok=True)
        suffix = piece.format if piece.format in (".mid", ".musicxml", ".abc") else ".mid"
        path = folder / f"primer{suffix}"
        if not path.is_file():
            from tunesmith.fileutil import write_bytes_atomic

            write_bytes_atomic(path, piece.file_data)
        return path


def _status(job: Job) -> JobStatus:
    return JobStatus(
        id=job.id,
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        error=job.error,
        field=job.error_field,
        pieces=job.pieces,
        request=job.request,
    )


@router.get("/jobs/{job_id}", response_model=JobStatus)
def job_status(job_id: str, user: Me, ctx: Ctx) -> JobStatus:
    job = ctx.jobs.get(job_id)
    if job is None or job.owner_id != user.id:
        raise NotFoundError(f"no compose job {job_id!r}")
    return _status(job)


@router.get("/jobs", response_model=list[JobStatus])
def my_jobs(user: Me, ctx: Ctx) -> list[JobStatus]:
    return [_status(j) for j in ctx.jobs.owned_by(user.id)]
