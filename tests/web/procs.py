"""Real server and worker processes for the crash and load tests.

They run the real ``tunesmith serve`` and ``tunesmith worker`` commands, through a launcher that
only switches off composing's originality check (an index of the whole corpus built on first use,
10-30 s per process on a busy machine), as the in-process web tests do (tests/web/conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.services import free_port

LAUNCH = (
    "import sys; from tunesmith.compose import engines; engines._originality_index = lambda: None; "
    "from tunesmith.cli.main import main; main(sys.argv[1:])"
)


def _spawn(args: list[str], tmp: Path, log: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, TUNESMITH_HOME=str(tmp / "home"), OMP_NUM_THREADS="1")
    out = (tmp / log).open("ab")
    return subprocess.Popen([sys.executable, "-c", LAUNCH, *args], stdout=out, stderr=out, env=env,
                            start_new_session=True)


def common(tmp: Path, queue: str | None = None, db: str | None = None) -> list[str]:
    return [
        "--db", db or f"sqlite:///{tmp / 'web.db'}",
        "--queue", queue or f"sqlite:///{tmp / 'queue.db'}",
        "--files", str(tmp / "files"),
        "--stale-after", "2",
    ]  # fmt: skip


def start_server(tmp: Path, extra: list[str], port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = port or free_port()
    proc = _spawn(["serve", "--port", str(port), "--corpus", "", *extra], tmp, "server.log")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("server exited: " + (tmp / "server.log").read_text()[-2000:])
        try:
            if httpx.get(f"{url}/api/config", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not start: " + (tmp / "server.log").read_text()[-2000:])


def start_worker(tmp: Path, extra: list[str]) -> subprocess.Popen[bytes]:
    return _spawn(["worker", *extra], tmp, "worker.log")


def kill9(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything it started (its session): nothing gets to clean up."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill9(proc)
    except ProcessLookupError:
        pass
