"""Job state in the store: the one place that says whether a compose job waits, runs, or ended.

A run owns a job through its attempt number: ``claim`` moves a queued job to running and counts
the attempt in one conditional UPDATE, so two workers handed the same job never both run it, and
every later write (progress, done, failed) only applies while the job is still running under that
attempt. A run that lost its job (it was presumed dead and the job went to another worker) can
therefore never finish it a second time: its writes change no row and it throws its work away.

``recover`` is how a crash is noticed: a running job whose heartbeat is older than the stale limit
lost its worker; it is queued again for another attempt, or failed with the reason once its
attempts are used up.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tunesmith.store.models import Job, utcnow

ACTIVE = ("queued", "running")


class JobLostError(Exception):
    """The run no longer owns its job (another attempt took it over); its work must be dropped."""


def create_job(
    session: Session,
    owner_id: int,
    request: dict[str, Any],
    outputs: list[str],
    *,
    steer: bool = False,
    primer_piece: int | None = None,
    max_attempts: int = 3,
    kind: str = "compose",
) -> Job:
    now = utcnow()
    job = Job(
        id=uuid.uuid4().hex,
        owner_id=owner_id,
        kind=kind,
        status="queued",
        stage="queued",
        progress=0.0,
        request=request,
        outputs=list(outputs),
        steer=steer,
        primer_piece=primer_piece,
        attempts=0,
        max_attempts=max(1, max_attempts),
        created_at=now,
        enqueued_at=now,
    )
    session.add(job)
    session.flush()
    return job


def active_count(session: Session, owner_id: int | None = None) -> int:
    query = select(func.count()).select_from(Job).where(Job.status.in_(ACTIVE))
    if owner_id is not None:
        query = query.where(Job.owner_id == owner_id)
    return int(session.scalar(query) or 0)


def claim(session: Session, job_id: str, worker: str) -> int | None:
    """Start an attempt at a queued job: its attempt number, or None if the job is not queued
    (already running elsewhere, done, failed, or unknown)."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(
            status="running",
            attempts=Job.attempts + 1,
            worker=worker[:200],
            stage="starting",
            progress=0.0,
            started_at=now,
            heartbeat_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    attempts = session.scalar(select(Job.attempts).where(Job.id == job_id))
    return int(attempts or 0)


def _owned(job_id: str, attempt: int) -> Any:
    return (Job.id == job_id, Job.status == "running", Job.attempts == attempt)


def beat(
    session: Session, job_id: str, attempt: int, stage: str | None = None, progress: float | None = None
) -> bool:
    """Record that the run is alive (and its progress); False when the run no longer owns the job."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if stage is not None:
        values["stage"] = stage[:200]
    if progress is not None:
        values["progress"] = progress
    result = session.execute(
        update(Job)
        .where(*_owned(job_id, attempt))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def complete(
    session: Session,
    job_id: str,
    attempt: int,
    pieces: list[dict[str, Any]],
    request: dict[str, Any] | None = None,
) -> None:
    """Mark the job done with its pieces, in the caller's transaction (the one that stored the
    pieces), so the pieces and the 'done' commit together or not at all. JobLostError when the
    run no longer owns the job: the caller's transaction must then roll back."""
    values: dict[str, Any] = {
        "status": "done",
        "stage": "done",
        "progress": 1.0,
        "pieces": pieces,
        "finished_at": utcnow(),
        "error": None,
        "error_field": None,
    }
    if request is not None:
        values["request"] = request
    result = session.execute(
        update(Job)
        .where(*_owned(job_id, attempt))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise JobLostError(f"job {job_id} attempt {attempt} no longer owns the job")


def fail(session: Session, job_id: str, attempt: int, error: str, field: str | None = None) -> bool:
    result = session.execute(
        update(Job)
        .where(*_owned(job_id, attempt))
        .values(status="failed", stage="failed", error=error[:2000], error_field=field, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def fail_queued(session: Session, job_id: str, error: str) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="failed", stage="failed", error=error[:2000], finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )


@dataclass
class Recovery:
    requeued: list[str]
    """Jobs to put on the queue again."""
    failed: list[str]
    dead_attempts: list[tuple[str, int]]
    """(job, attempt) runs that died: their partial files can go."""


def recover(
    session: Session,
    stale_seconds: float,
    requeue_after: float | None = None,
    alive: Callable[[str | None], bool] | None = None,
) -> Recovery:
    """Requeue or fail the running jobs whose worker stopped beating; with ``requeue_after``, also
    hand back queued jobs that waited that long since they were last put on the queue (a server
    that died between storing a job and queueing it leaves such a job behind). ``alive(worker)``
    may say that a late worker is known to be still running (a busy machine delays heartbeats):
    its job is left alone until its heartbeat is ten times the stale limit old."""
    now = utcnow()
    stale_before = now - timedelta(seconds=stale_seconds)
    hung_before = now - timedelta(seconds=10 * stale_seconds)
    out = Recovery([], [], [])
    rows = session.execute(
        select(Job.id, Job.attempts, Job.max_attempts, Job.worker, Job.heartbeat_at).where(
            Job.status == "running", Job.heartbeat_at < stale_before
        )
    ).all()
    for job_id, attempts, max_attempts, worker, heartbeat in rows:
        if alive is not None and heartbeat is not None and heartbeat >= hung_before and alive(worker):
            continue
        guard = (*_owned(job_id, attempts), Job.heartbeat_at < stale_before)
        if attempts >= max_attempts:
            values: dict[str, Any] = {
                "status": "failed",
                "stage": "failed",
                "finished_at": now,
                "error": f"the worker running it ({worker}) stopped during attempt {attempts} of "
                f"{max_attempts}; not retried again",
            }
        else:
            values = {
                "status": "queued",
                "stage": f"queued again: worker {worker} stopped",
                "progress": 0.0,
                "enqueued_at": now,
            }
        result = session.execute(
            update(Job).where(*guard).values(**values).execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            out.dead_attempts.append((job_id, attempts))
            (out.failed if values["status"] == "failed" else out.requeued).append(job_id)
    if requeue_after is not None:
        waited = now - timedelta(seconds=requeue_after)
        ids = list(session.scalars(select(Job.id).where(Job.status == "queued", Job.enqueued_at < waited)))
        if ids:
            session.execute(
                update(Job)
                .where(Job.id.in_(ids), Job.status == "queued")
                .values(enqueued_at=now)
                .execution_options(synchronize_session=False)
            )
            out.requeued.extend(ids)
    return out


def get_job(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def jobs_of(session: Session, owner_id: int, limit: int = 100) -> list[Job]:
    query = select(Job).where(Job.owner_id == owner_id).order_by(Job.created_at.desc()).limit(limit)
    return list(session.scalars(query))
