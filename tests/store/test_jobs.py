"""Job state in the store (SQLite and PostgreSQL): one attempt at a time, finishing only while the
attempt still owns the job, crashed attempts requeued then failed with the reason."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from tunesmith.store import jobs
from tunesmith.store.db import Store
from tunesmith.store.models import Job, utcnow


def _new(store: Store, attempts: int = 2) -> str:
    with store.session() as s:
        return jobs.create_job(s, 7, {"style": "folk"}, ["mid"], max_attempts=attempts).id


def _row(store: Store, job_id: str) -> Job:
    with store.session() as s:
        job = jobs.get_job(s, job_id)
        assert job is not None
        s.expunge(job)
        return job


def test_claim_is_exclusive_even_when_raced(store: Store) -> None:
    job_id = _new(store)
    won: list[int | None] = []
    lock = threading.Lock()

    def grab(name: str) -> None:
        try:
            with store.session() as s:
                got = jobs.claim(s, job_id, name)
        except Exception:  # SQLite may refuse a concurrent writer: that is a lost race too
            got = None
        with lock:
            won.append(got)

    threads = [threading.Thread(target=grab, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won, key=lambda x: x or 0) == [None] * 5 + [1]
    job = _row(store, job_id)
    assert (job.status, job.attempts) == ("running", 1)


def test_complete_commits_once_and_a_lost_attempt_cannot_finish(store: Store) -> None:
    job_id = _new(store)
    with store.session() as s:
        assert jobs.claim(s, job_id, "a") == 1
    with store.session() as s:  # the attempt looks dead: requeued, then taken by another worker
        s.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(hours=1)))
    with store.session() as s:
        found = jobs.recover(s, stale_seconds=30)
    assert found.requeued == [job_id] and found.dead_attempts == [(job_id, 1)]
    with store.session() as s:
        assert jobs.claim(s, job_id, "b") == 2
    # The first attempt was only slow: its heartbeat and its completion change nothing now.
    with store.session() as s:
        assert not jobs.beat(s, job_id, 1, "late", 0.5)
    with pytest.raises(jobs.JobLostError), store.session() as s:
        jobs.complete(s, job_id, 1, [{"piece_id": 1}])
    with store.session() as s:
        jobs.complete(s, job_id, 2, [{"piece_id": 2}])
    with pytest.raises(jobs.JobLostError), store.session() as s:
        jobs.complete(s, job_id, 2, [{"piece_id": 3}])  # completing twice is refused as well
    job = _row(store, job_id)
    assert (job.status, job.pieces, job.attempts) == ("done", [{"piece_id": 2}], 2)
    with store.session() as s:
        assert jobs.claim(s, job_id, "c") is None  # a duplicate queue message runs nothing


def test_dead_attempts_fail_with_the_reason_after_the_last_try(store: Store) -> None:
    job_id = _new(store, attempts=2)
    for attempt in (1, 2):
        with store.session() as s:
            assert jobs.claim(s, job_id, f"host:{attempt}") == attempt
        with store.session() as s:
            old = utcnow() - timedelta(minutes=5)
            s.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=old))
        with store.session() as s:
            found = jobs.recover(s, stale_seconds=30)
        assert found.dead_attempts == [(job_id, attempt)]
    job = _row(store, job_id)
    assert job.status == "failed" and found.failed == [job_id]
    assert "host:2" in (job.error or "") and "attempt 2 of 2" in (job.error or "")


def test_live_jobs_are_left_alone_and_lost_queue_messages_are_resent(store: Store) -> None:
    running, waiting = _new(store), _new(store)
    with store.session() as s:
        jobs.claim(s, running, "a")
    with store.session() as s:
        found = jobs.recover(s, stale_seconds=30, requeue_after=60)
    assert found.requeued == [] and found.failed == []
    with store.session() as s:
        s.execute(update(Job).where(Job.id == waiting).values(enqueued_at=utcnow() - timedelta(minutes=5)))
        assert jobs.active_count(s) == 2 and jobs.active_count(s, owner_id=8) == 0
    with store.session() as s:
        found = jobs.recover(s, stale_seconds=30, requeue_after=60)
    assert found.requeued == [waiting]
    time.sleep(0.01)
    with store.session() as s:
        assert jobs.recover(s, stale_seconds=30, requeue_after=60).requeued == []  # not again at once


def test_a_late_worker_known_to_be_running_keeps_its_job(store: Store) -> None:
    job_id = _new(store)
    with store.session() as s:
        jobs.claim(s, job_id, "here:1")
    with store.session() as s:
        s.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(seconds=60)))
    with store.session() as s:
        assert jobs.recover(s, stale_seconds=30, alive=lambda w: w == "here:1").requeued == []
    with store.session() as s:  # ten times the limit without a beat: hung, requeued all the same
        s.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(seconds=400)))
    with store.session() as s:
        assert jobs.recover(s, stale_seconds=30, alive=lambda w: w == "here:1").requeued == [job_id]
