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
from typing import Any

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


def run_load(tmp: Path, worker_processes: int, jobs: int = 100, reads: int = 1000, ratings: int = 100,
             web_processes: int = 2, queue: str | None = None, db: str | None = None,
             job: dict[str, Any] | None = None) -> dict[str, float]:
    """Start ``web_processes`` web processes (no compose threads) and ``worker_processes`` workers,
    then submit ``jobs`` tiny compose jobs at once, wait for all, and send ``reads`` reads together
    with ``ratings`` rating writes at once. Every request must succeed; returns the timings."""
    from concurrent.futures import ThreadPoolExecutor

    opts = common(tmp, queue, db)
    server, url = start_server(tmp, [*opts, "--workers", "0", "--processes", str(web_processes)])
    worker = start_worker(tmp, [*opts, "--processes", str(worker_processes)])
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    try:
        with httpx.Client(base_url=url, timeout=60) as anon:
            token = anon.post("/api/auth/local").raise_for_status().json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        http = httpx.Client(base_url=url, timeout=120, limits=limits, headers=auth)
        tiny = job or {"style": "folk", "bars": 4, "form": "A", "candidates": 1, "model": "rules"}
        tiny.setdefault("outputs", ["mid"])
        # Workers load their libraries on the first job: one warm-up job each, outside the timing.
        warm = [http.post("/api/compose", json={**tiny, "seed": 10_000 + i}).json()["job_id"]
                for i in range(worker_processes)]
        _wait_all(http, warm, 300)

        start = time.perf_counter()

        def submit(seed: int) -> str:
            # One user may have only a few jobs waiting (a quota): back off as a client would.
            deadline = time.monotonic() + 600
            while True:
                r = http.post("/api/compose", json={**tiny, "seed": seed})
                if r.status_code != 429 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert r.status_code == 202, r.text
            return str(r.json()["job_id"])

        with ThreadPoolExecutor(16) as pool:
            ids = list(pool.map(submit, range(jobs)))
        submitted = time.perf_counter() - start
        done = _wait_all(http, ids, 600)
        composed = time.perf_counter() - start
        failed = [j["error"] for j in done if j["status"] != "done"]
        assert not failed, failed
        pieces = sorted({p["piece_id"] for j in done for p in j["pieces"]})

        paths = ["/api/pieces", "/api/jobs", "/api/ratings", "/api/config", "/api/me"]
        paths += [f"/api/pieces/{p}" for p in pieces] + [f"/api/pieces/{p}/files/mid" for p in pieces]
        wanted = {p: 1 + i % 5 for i, p in enumerate(pieces[:ratings])}
        assert len(wanted) == ratings, f"only {len(pieces)} pieces to rate"

        def read(i: int) -> int:
            return http.get(paths[i % len(paths)]).status_code

        def rate(item: tuple[int, int]) -> int:
            return http.put(f"/api/pieces/{item[0]}/rating", json={"stars": item[1]}).status_code

        start = time.perf_counter()
        with ThreadPoolExecutor(32) as pool:
            writes = pool.map(rate, wanted.items())
            got = list(pool.map(read, range(reads)))
            wrote = list(writes)
        mixed = time.perf_counter() - start
        assert got == [200] * reads and wrote == [200] * len(wanted)
        stored = {r["piece_id"]: r["stars"] for r in http.get("/api/ratings").raise_for_status().json()}
        assert stored == wanted
        http.close()
        return {"jobs": jobs, "submit_s": submitted, "compose_s": composed, "jobs_per_s": jobs / composed,
                "reads_and_ratings_s": mixed, "pieces": len(pieces)}
    finally:
        stop(worker)
        stop(server)


def _wait_all(http: httpx.Client, ids: list[str], timeout: float) -> list[dict[str, Any]]:
    """Poll the jobs (a few requests per round, not one per job) until all have ended."""
    deadline = time.monotonic() + timeout
    want = set(ids)
    while time.monotonic() < deadline:
        listed = http.get("/api/jobs").raise_for_status().json()
        seen = {j["id"]: j for j in listed if j["id"] in want}
        for job_id in want - set(seen):  # older than the listing shows: ask for it alone
            seen[job_id] = http.get(f"/api/jobs/{job_id}").raise_for_status().json()
        if all(j["status"] in ("done", "failed") for j in seen.values()):
            return [seen[i] for i in ids]
        time.sleep(0.25)
    raise AssertionError("jobs did not all end in time")
