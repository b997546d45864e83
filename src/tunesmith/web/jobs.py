"""Compose jobs: a bounded thread pool runs them, the API polls their progress.

A job holds its owner, status ('queued', 'running', 'done', 'failed'), the stage and fraction the
composer reports, and when done the store ids of the pieces it made (one per candidate, best
first). At most ``max_queued`` jobs wait or run at once; beyond that submit() refuses (HTTP 503)
rather than letting a queue grow without bound.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tunesmith.errors import TunesmithError


class QueueFullError(Exception):
    """Too many compose jobs are waiting (HTTP 503)."""


@dataclass
class Job:
    id: str
    owner_id: int
    status: str = "queued"
    stage: str = "queued"
    progress: float = 0.0
    error: str | None = None
    error_field: str | None = None
    pieces: list[dict[str, Any]] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    finished: float | None = None


Work = Callable[[Job, Callable[[str, float], None]], list[dict[str, Any]]]


class JobManager:
    def __init__(self, workers: int, max_queued: int, keep: int = 500) -> None:
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="compose")
        self.max_queued = max_queued
        self.keep = keep
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def active(self) -> int:
        with self.lock:
            return sum(j.status in ("queued", "running") for j in self.jobs.values())

    def submit(self, owner_id: int, request: dict[str, Any], work: Work) -> Job:
        with self.lock:
            if sum(j.status in ("queued", "running") for j in self.jobs.values()) >= self.max_queued:
                raise QueueFullError(f"{self.max_queued} compose jobs are already waiting; try again soon")
            job = Job(uuid.uuid4().hex, owner_id, request=request)
            self.jobs[job.id] = job
            self._forget_old()
        self.pool.submit(self._run, job, work)
        return job

    def _forget_old(self) -> None:
        done = sorted((j for j in self.jobs.values() if j.finished), key=lambda j: j.finished or 0)
        for job in done[: max(0, len(self.jobs) - self.keep)]:
            del self.jobs[job.id]

    def _run(self, job: Job, work: Work) -> None:
        def progress(stage: str, fraction: float) -> None:
            job.stage, job.progress = stage, round(max(job.progress, min(1.0, fraction)), 3)

        job.status = "running"
        try:
            job.pieces = work(job, progress)
            job.status, job.stage, job.progress = "done", "done", 1.0
        except TunesmithError as err:
            job.status, job.error = "failed", str(err)
            job.error_field = getattr(err, "field", None)
        except Exception as err:  # a bug must not kill the worker thread; the job reports it
            job.status, job.error = "failed", f"internal error: {type(err).__name__}: {err}"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def owned_by(self, owner_id: int) -> list[Job]:
        with self.lock:
            return sorted((j for j in self.jobs.values() if j.owner_id == owner_id), key=lambda j: -j.created)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
