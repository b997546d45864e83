"""Hostile inputs of issue 12 against a real server process: status, time to answer, peak memory.

    .venv/bin/python benchmarks/bench_hostile.py [--out benchmarks/results/hostile.md]

Starts `tunesmith.web.server.run` in a subprocess over a fresh store, signs in as the local user,
sends each input, then stops the server with SIGTERM during a conversion and reads the peak RSS the
server and its conversion children reported (resource.getrusage).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.web import hostile

RESULT = "benchmarks/results/hostile.md"
LAUNCH = """
import json, resource, sys
from pathlib import Path
from tunesmith.web import create_app, sandbox
from tunesmith.web.server import run
from tunesmith.web.settings import WebSettings
tmp = Path(sys.argv[1])
app = create_app(WebSettings(db_url=f"sqlite:///{tmp / 'web.db'}", files_dir=tmp / "files",
                             preference_dir=tmp / "feedback", corpus_collections=()))
def report():
    print(json.dumps({"server_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "child_kib": sandbox.peak_child_kib[0]}), flush=True)
app.router.add_event_handler("shutdown", report)
run(app, "127.0.0.1", int(sys.argv[2]))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tunesmith-hostile-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TUNESMITH_HOME": str(tmp / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(tmp), str(port)], env=env, stdout=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/api/config", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    http = httpx.Client(base_url=url, timeout=300)
    http.post("/api/auth/local").raise_for_status()
    rows = []

    def timed(name: str, call: object) -> None:
        started = time.perf_counter()
        r = call()  # type: ignore[operator]
        seconds = time.perf_counter() - started
        detail = r.json().get("detail", "") if r.headers.get("content-type") == "application/json" else ""
        rows.append((name, r.status_code, seconds, str(detail)[:110] if isinstance(detail, str) else ""))

    def upload(name: str, data: bytes) -> object:
        return lambda: http.post("/api/uploads", files={"file": (name, data)})

    timed("upload: 100,000-note MIDI (800 KB, 1.7 h)", upload("big.mid", hostile.many_notes_midi()))
    timed("upload: `::` bomb ABC (120 KB, 40,000 bars)", upload("bomb.abc", hostile.repeat_bomb_abc()))
    timed("upload: nested repeats ABC (200 KB, 402,200 notes)", upload("n.abc", hostile.nested_repeats_abc()))
    timed("upload: header-only MIDI", upload("h.mid", hostile.header_only_midi()))
    timed("upload: note-ons without note-offs", upload("u.mid", hostile.unended_notes_midi()))
    timed(
        "compose: 100 MB title",
        lambda: http.post(
            "/api/compose",
            content=b'{"title": "' + b"t" * 100 * 2**20 + b'"}',
            headers={"Content-Type": "application/json"},
        ),
    )
    timed("compose: key C#####", lambda: http.post("/api/compose", json={"key": "C#####"}))
    timed(
        "compose: 100,000 instruments",
        lambda: http.post("/api/compose", json={"instruments": ["piano"] * 100_000}),
    )
    timed("compose: style ../../x", lambda: http.post("/api/compose", json={"style": "../../x"}))
    timed("GET piece id 2^63", lambda: http.get(f"/api/pieces/{2**63}"))
    big = http.post("/api/uploads", files={"file": ("p.mid", hostile.many_notes_midi(19_000, 90))})
    pid = big.json()[0]["id"]
    rows.append(("upload: 19,000-note MIDI (the most allowed)", big.status_code, float("nan"), ""))
    timed("GET its MIDI (made on request)", lambda: http.get(f"/api/pieces/{pid}/files/mid"))
    timed("GET its WAV (30 min of music)", lambda: http.get(f"/api/pieces/{pid}/files/wav"))
    timed("GET its MusicXML (60 s limit)", lambda: http.get(f"/api/pieces/{pid}/files/musicxml"))
    # Two compose jobs at once, each asking for the longest audio allowed (the server's two
    # compose workers render in the server process).
    longest = {"style": "folk", "seconds": 235, "candidates": 1, "outputs": ["wav"], "steer": False}
    started = time.perf_counter()
    ids = [http.post("/api/compose", json={**longest, "seed": s}).json()["job_id"] for s in (1, 2)]
    states = []
    for job_id in ids:
        while (job := http.get(f"/api/jobs/{job_id}").json())["status"] not in ("done", "failed"):
            time.sleep(1)
        states.append(job["status"] + (f" ({job['error']})" if job.get("error") else ""))
    compose_seconds = time.perf_counter() - started
    rows.append(("2 compose jobs at once, 235 s of audio each", 202, compose_seconds, ", ".join(states)))
    # SIGTERM while the piano roll is drawn.
    answer: list[object] = []
    thread = threading.Thread(
        target=lambda: answer.append(_status(http, f"/api/pieces/{pid}/files/png")), daemon=True
    )
    thread.start()
    time.sleep(3)
    stop = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    stopped = time.perf_counter() - stop
    thread.join(30)
    memory = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    lines = [
        "# Hostile inputs against a server process (issue 12)",
        "",
        f"Command: `nice -n 10 .venv/bin/python benchmarks/bench_hostile.py --out {RESULT}`",
        "",
        "| input | status | seconds | answer |",
        "|---|---|---|---|",
        *[f"| {n} | {c} | {s:.2f} | {d.replace('|', '/')} |" for n, c, s, d in rows],
        "",
        f"SIGTERM while the piano roll was being drawn: the server exited {stopped:.1f} s later "
        f"(exit status {proc.returncode}); the drawing request got {answer[0] if answer else 'no answer'}.",
        "",
        f"Peak RSS of the server process: {memory['server_kib'] / 1024:.0f} MiB; largest peak RSS a "
        f"conversion child reported: {memory['child_kib'] / 1024:.0f} MiB (children killed at a time "
        "limit report nothing; each is capped at 2 GiB of address space).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


def _status(http: httpx.Client, path: str) -> object:
    try:
        return http.get(path).status_code
    except httpx.HTTPError as err:
        return type(err).__name__


if __name__ == "__main__":
    main()
