"""The job queue's pieces that need no server: which queue a setting names, and how a worker that
died is told from one that is only late."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tunesmith.errors import StoreError
from tunesmith.web.jobs import open_queue, queue_url, running_here, worker_name
from tunesmith.web.settings import WebSettings


def test_queue_url_setting_then_environment_then_beside_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TUNESMITH_QUEUE_URL", raising=False)
    settings = WebSettings(files_dir=tmp_path)
    assert queue_url(settings) == f"sqlite:///{tmp_path.resolve() / 'queue.db'}"
    monkeypatch.setenv("TUNESMITH_QUEUE_URL", "redis://q:6379/1")
    assert queue_url(settings) == "redis://q:6379/1"
    assert queue_url(WebSettings(files_dir=tmp_path, queue_url="sqlite:///x.db")) == "sqlite:///x.db"


def test_bad_queue_urls_are_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a queue URL"):
        open_queue("amqp://broker/")
    with pytest.raises(StoreError, match="does not exist"):
        open_queue(f"sqlite:///{tmp_path / 'nope' / 'q.db'}")


def test_a_killed_worker_is_not_running_and_a_reused_pid_is_not_the_same_worker() -> None:
    assert running_here(worker_name())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host, _, start, thread = worker_name().split(":")
    from tunesmith.web import jobs

    name = f"{host}:{child.pid}:{jobs._started(child.pid)}:{thread}"
    assert running_here(name)
    assert not running_here(f"{host}:{child.pid}:{start}:{thread}")  # same pid, other start time
    child.kill()
    child.wait()
    assert not running_here(name)
    assert not running_here(f"elsewhere:{child.pid}:0:1") and not running_here(None)
