"""Compose jobs on a task queue (Huey): their state in the store, their work in any worker process.

Submitting stores the job (tunesmith.store.jobs) and puts its id on the queue. The queue is Huey's
SQLite storage by default (a file, no server: one machine) or Redis (``redis://``: many machines,
each running ``tunesmith worker`` against the same store and Redis). A worker takes an id, claims
the job in the store (one attempt at a time), composes, and records the pieces and 'done' in one
transaction. Every worker beats a heartbeat into the job row; a job whose heartbeat stops (its
worker was killed) is queued again by the next recovery pass, or failed with the reason after
``max_attempts``. The files of an attempt live in generated/<job>/a<attempt>/ and are removed
when that attempt fails or dies, so no partial files are left behind.

Status is read from the store, so any number of web processes can answer for any job.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.compose.request import ComposeRequest
from tunesmith.errors import StoreError, TunesmithError
from tunesmith.store import jobs as job_store
from tunesmith.store.models import Job, User
from tunesmith.therapy.trajectory import trajectory
from tunesmith.web.revise_job import run_revise_job
from tunesmith.web.service import compose_pieces, primer_file

if TYPE_CHECKING:
    from huey import Huey

    from tunesmith.web.context import Context

log = logging.getLogger("tunesmith.jobs")

TASK_NAME = "tunesmith.compose"


class QueueFullError(Exception):
    """Too many compose jobs are waiting (HTTP 503)."""


def queue_url(settings: Any) -> str:
    """The queue's URL: the setting, else $TUNESMITH_QUEUE_URL, else a SQLite file beside the files."""
    if settings.queue_url:
        return str(settings.queue_url)
    env = os.environ.get("TUNESMITH_QUEUE_URL")
    if env:
        return env
    return f"sqlite:///{settings.resolved_files_dir() / 'queue.db'}"


def open_queue(url: str) -> Huey:
    """A Huey instance for ``sqlite:///path`` or ``redis://host:port/db``; StoreError otherwise."""
    from huey import RedisHuey, SqliteHuey

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        if not path.parent.is_dir():
            raise StoreError(f"job queue {url}: folder {path.parent} does not exist")
        return SqliteHuey("tunesmith", filename=str(path), results=False, timeout=30)
    if url.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis  # noqa: F401  (the optional extra; say so instead of Huey's message)
        except ImportError as err:
            raise StoreError(
                "a redis:// job queue needs the redis extra: pip install 'tunesmith[redis]'"
            ) from err
        return RedisHuey("tunesmith", url=url, results=False, blocking=True, read_timeout=1)
    raise StoreError(
        f"job queue {url[:200]!r}: not a queue URL; allowed: sqlite:///path/queue.db, redis://host:port/0"
    )


def worker_name() -> str:
    """``host:pid:start:thread``: the process start time tells a restarted process that got the
    same pid (a container's PID 1) from the one that died."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid) or 0}:{threading.get_ident() % 100000}"


def _started(pid: int | str) -> str | None:
    """The process's start time (clock ticks since boot) and None if it is gone or a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def running_here(worker: str | None) -> bool:
    """Whether ``worker`` (a worker_name()) is a process still running on this machine; False for
    other machines (only their heartbeats can tell) and for killed or zombie processes."""
    host, pid, start, *_ = [*(worker or "").split(":"), "", "", ""]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return _started(pid) == start


class JobQueue:
    """Submit, read and run compose jobs. Runs ``workers`` in-process worker threads (0: none, for
    a web process whose jobs are run by separate ``tunesmith worker`` processes)."""

    def __init__(self, ctx: Context, workers: int = 0) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.url = queue_url(ctx.settings)
        self.huey = open_queue(self.url)
        self.task = self.huey.task(name=TASK_NAME)(self._task)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        if workers > 0:
            self.start(workers)

    # -- the web side --------------------------------------------------------------------------

    def submit(
        self,
        owner_id: int,
        request: dict[str, Any],
        outputs: list[str],
        *,
        steer: bool = False,
        primer_piece: int | None = None,
        kind: str = "compose",
    ) -> Job:
        """Store a new job of ``kind`` (a key of RUNNERS) and queue it; QueueFullError when too
        many jobs wait already."""
        with self.ctx.write_lock, self.ctx.store.session() as s:
            if job_store.active_count(s) >= self.settings.max_queued_jobs:
                raise QueueFullError(
                    f"{self.settings.max_queued_jobs} compose jobs are already waiting; try again soon"
                )
            job = job_store.create_job(
                s,
                owner_id,
                request,
                outputs,
                steer=steer,
                primer_piece=primer_piece,
                max_attempts=self.settings.job_attempts,
                kind=kind,
            )
        try:
            self.task(job.id)
        except Exception as err:  # the queue is down: the job must not wait forever for nothing
            with self.ctx.write_lock, self.ctx.store.session() as s:
                job_store.fail_queued(s, job.id, f"could not queue the job: {type(err).__name__}: {err}")
            raise StoreError(f"job queue {self.url}: cannot queue the job ({err})") from err
        return job

    def get(self, job_id: str) -> Job | None:
        with self.ctx.store.session() as s:
            job = job_store.get_job(s, job_id)
            if job is not None:
                s.expunge(job)
            return job

    def owned_by(self, owner_id: int) -> list[Job]:
        with self.ctx.store.session() as s:
            found = job_store.jobs_of(s, owner_id)
            s.expunge_all()
            return found

    # -- the worker side -----------------------------------------------------------------------

    def start(self, workers: int) -> None:
        """Start ``workers`` threads that take jobs from the queue, and one that recovers jobs
        whose worker died."""
        for i in range(workers):
            thread = threading.Thread(target=self.work, name=f"compose-{i + 1}", daemon=True)
            thread.start()
            self._threads.append(thread)
        thread = threading.Thread(target=self._recover_loop, name="job-recovery", daemon=True)
        thread.start()
        self._threads.append(thread)

    def work(self) -> None:
        """Take and run jobs until stop() (a worker's main loop)."""
        while not self._stop.is_set():
            try:
                task = self.huey.dequeue()
            except Exception as err:  # the broker is away: wait and try again, never die
                log.warning("job queue %s: %s", self.url, err)
                self._stop.wait(1.0)
                continue
            if task is None:
                if not self.url.startswith("redis"):  # Redis dequeue already waited a second
                    self._stop.wait(0.2)
                continue
            self.huey.execute(task)

    def _task(self, job_id: str) -> None:
        run_job(self.ctx, job_id)

    def recover(self) -> job_store.Recovery:
        """One recovery pass: requeue (or fail) jobs whose worker stopped; remove their partial files."""
        stale = self.settings.job_stale_s
        # Queued jobs are sent again only while the queue is empty: then their message is surely
        # lost (a server killed between storing a job and queueing it), not merely waiting.
        lost = max(60.0, 4 * stale) if self.huey.pending_count() == 0 else None
        with self.ctx.write_lock, self.ctx.store.session() as s:
            found = job_store.recover(s, stale, requeue_after=lost, alive=running_here)
        for job_id, attempt in found.dead_attempts:
            remove_attempt(self.ctx, job_id, attempt)
        for job_id in found.requeued:
            self.task(job_id)
        for job_id in found.requeued + found.failed:
            log.warning(
                "job %s: worker stopped; %s", job_id, "queued again" if job_id in found.requeued else "failed"
            )
        return found

    def _recover_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.recover()
            except Exception as err:  # a store or broker hiccup: try again next round
                log.warning("job recovery: %s", err)
            self._stop.wait(max(0.5, self.settings.job_stale_s / 2))

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop taking jobs; wait for running ones (a job cut off here is recovered later)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []
        with contextlib.suppress(Exception):
            self.huey.storage.close()


def attempt_folder(ctx: Context, job_id: str, attempt: int) -> Path:
    return ctx.files.root / "generated" / job_id / f"a{attempt}"


def remove_attempt(ctx: Context, job_id: str, attempt: int) -> None:
    shutil.rmtree(attempt_folder(ctx, job_id, attempt), ignore_errors=True)


class _Heartbeat:
    """Beats the job's heartbeat (with the latest progress) every few seconds from a thread, so a
    long stage without progress calls does not look like a dead worker; notices a lost job."""

    def __init__(self, ctx: Context, job_id: str, attempt: int) -> None:
        self.ctx, self.job_id, self.attempt = ctx, job_id, attempt
        self.stage: str | None = None
        self.progress = 0.0
        self.lost = False
        self._written = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"beat-{job_id[:8]}", daemon=True)
        self._thread.start()

    def report(self, stage: str, fraction: float) -> None:
        self.stage, self.progress = stage, round(max(self.progress, min(1.0, fraction)), 3)
        if time.monotonic() - self._written > 0.5:
            self.beat()
        if self.lost:
            raise job_store.JobLostError(f"job {self.job_id} was taken over by another attempt")

    def beat(self) -> None:
        self._written = time.monotonic()
        try:
            with self.ctx.write_lock, self.ctx.store.session() as s:
                if not job_store.beat(s, self.job_id, self.attempt, self.stage, self.progress):
                    self.lost = True
        except StoreError as err:  # a busy store: the next beat will do
            log.warning("job %s heartbeat: %s", self.job_id, err)

    def _run(self) -> None:
        while not self._stop.wait(self.ctx.settings.job_heartbeat_s):
            self.beat()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def run_job(ctx: Context, job_id: str) -> None:
    """Run one attempt at a job, if it is still queued; the outcome goes to the store."""
    with ctx.write_lock, ctx.store.session() as s:
        attempt = job_store.claim(s, job_id, worker_name())
    if attempt is None:
        return  # done, failed, or being run by another worker: a duplicate message, nothing to do
    with ctx.store.session() as s:
        job = job_store.get_job(s, job_id)
        assert job is not None
        s.expunge(job)
    for older in range(1, attempt):  # partial files of attempts that died
        remove_attempt(ctx, job_id, older)
    beat = _Heartbeat(ctx, job_id, attempt)
    try:
        runner = RUNNERS.get(job.kind)
        if runner is None:
            raise TunesmithError(f"unknown kind of job {job.kind!r}")
        runner(ctx, job, attempt, beat.report)
    except job_store.JobLostError:
        remove_attempt(ctx, job_id, attempt)
        log.warning("job %s attempt %d: taken over by another attempt; its work is dropped", job_id, attempt)
    except TunesmithError as err:
        remove_attempt(ctx, job_id, attempt)
        with ctx.write_lock, ctx.store.session() as s:
            job_store.fail(s, job_id, attempt, str(err), getattr(err, "field", None))
    except Exception as err:  # a bug must not kill the worker; the job reports it
        log.exception("job %s failed", job_id)
        remove_attempt(ctx, job_id, attempt)
        with ctx.write_lock, ctx.store.session() as s:
            job_store.fail(s, job_id, attempt, f"internal error: {type(err).__name__}: {err}")
    finally:
        beat.stop()


def _compose(ctx: Context, job: Job, attempt: int, progress: Callable[[str, float], None]) -> None:
    controls = dict(job.request)
    if job.primer_piece is not None:
        controls["primer"] = str(primer_file(ctx.store, ctx.files, job.primer_piece, job.owner_id))
    request = ComposeRequest.from_dict(controls)
    request.validate()
    scorer = None
    if job.steer:
        from tunesmith.feedback.steer import preference_scorer, steer_request

        with ctx.store.session() as s:
            user = s.get(User, job.owner_id)
            name = user.name if user is not None else ""
        prefs = ctx.preferences()
        request = steer_request(request, prefs, name)
        scorer = preference_scorer(prefs, name)

    def finish(session: Any, pieces: list[dict[str, Any]]) -> None:
        record = request.to_dict()
        if job.primer_piece is not None:
            record.pop("primer", None)  # a path on the worker's machine, not part of the request
        job_store.complete(session, job.id, attempt, pieces, record)

    compose_pieces(
        ctx.store,
        ctx.files,
        job.owner_id,
        request,
        list(job.outputs),
        attempt_folder(ctx, job.id, attempt),
        progress,
        scorer,
        ctx.write_lock,
        finish,
        primer_piece=job.primer_piece,
    )


def _session(ctx: Context, job: Job, attempt: int, progress: Callable[[str, float], None]) -> None:
    """A listening session (tunesmith.therapy): composed, rendered and reported into the attempt's
    folder; the session's piece and the job's 'done' commit together."""
    from tunesmith.therapy.service import record_session, write_session

    body = dict(job.request)
    path, styles = trajectory(body.get("start"), body.get("end"), body.get("preset"), body.get("via") or [])
    with ctx.store.session() as s:
        user = s.get(User, job.owner_id)
        name = user.name if user is not None else None
    style = body.get("style")
    data = write_session(
        path,
        float(body.get("minutes", 5.0)),
        attempt_folder(ctx, job.id, attempt),
        styles=styles,
        style=style,
        key=str(body.get("key") or "C"),
        seed=body.get("seed"),
        user=name,
        audio_format="mp3",
        record=False,
        preferences=ctx.preferences() if style is None else None,
        progress=progress,
    )
    with ctx.write_lock, ctx.store.session() as s:
        piece_id = record_session(s, data["score"], data["session"], data["paths"], job.owner_id)
        files = {k: f"/api/sessions/{piece_id}/files/{k}" for k in ("audio", "plot", "json", "midi")}
        result = {
            "piece_id": piece_id,
            "files": files,
            "correlation": data["report"]["correlation"],
            "seams": data["report"]["seams"],
            "disclaimer": data["disclaimer"],
        }
        job_store.complete(s, job.id, attempt, [result])


def _revise(ctx: Context, job: Job, attempt: int, progress: Callable[[str, float], None]) -> None:
    run_revise_job(ctx, job, attempt, attempt_folder(ctx, job.id, attempt), progress)


RUNNERS: dict[str, Callable[[Context, Job, int, Callable[[str, float], None]], None]] = {
    "compose": _compose,
    "session": _session,
    "revise": _revise,
}
"""What each kind of job runs (job.kind)."""
