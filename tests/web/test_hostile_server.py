"""The real server in its own process, fed every hostile input of issue 12: it refuses each with a
clear error, stops conversions when the client leaves and on SIGTERM, and its memory (the server
process and every conversion child) stays under 2 GB, measured with resource.getrusage."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web import hostile

pytestmark = pytest.mark.slow  # a server process, a fork server and ~20 conversions: ~40 s

GB = 1_000_000_000
LAUNCH = """
import json, resource, sys
from pathlib import Path
from tunesmith.web import create_app, sandbox
from tunesmith.web.server import run
from tunesmith.web.settings import WebSettings
tmp = Path(sys.argv[1])
settings = WebSettings(db_url=f"sqlite:///{tmp / 'web.db'}", files_dir=tmp / "files",
                       preference_dir=tmp / "feedback", corpus_collections=(), default_outputs=("mid",),
                       convert_seconds=float(sys.argv[3]))
app = create_app(settings)
def report():  # at the end of the graceful shutdown (uvicorn then re-raises the SIGTERM)
    print(json.dumps({"server_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "child_kib": sandbox.peak_child_kib[0]}), flush=True)
app.router.add_event_handler("shutdown", report)
run(app, "127.0.0.1", int(sys.argv[2]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in found:
                found.add(child)
                todo.append(child)
    return found


@pytest.fixture
def live(tmp_path: Path, template_db: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    shutil.copyfile(template_db, tmp_path / "web.db")
    port = _free_port()
    env = {**os.environ, "TUNESMITH_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(tmp_path), str(port), "20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/config", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"server did not start: {proc.communicate()[0][-2000:]}")
    yield url, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _raw(url: str, head: bytes, body_chunks: Iterator[bytes], timeout: float = 20) -> tuple[bytes, int]:
    """Send a request by hand; returns (the response, bytes of body sent before it came)."""
    host, port = url.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        response = b""
        for chunk in body_chunks:
            with contextlib.suppress(BlockingIOError):
                response += sock.recv(65536)
            if response:
                break
            try:
                sock.sendall(chunk)
                sent += len(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in response and time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            response += data
    return response, sent


def test_hostile_inputs_against_a_server_process(live: tuple[str, subprocess.Popen[str]]) -> None:
    url, proc = live
    http = httpx.Client(base_url=url, timeout=120)
    assert http.post("/api/auth/local").status_code == 200
    cookie = http.cookies.get("tunesmith_session")

    # A 300 MB upload is refused on its Content-Length, before any of it is read.
    head = (
        f"POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: tunesmith_session={cookie}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {300 * 2**20}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    response, sent = _raw(url, head, iter([b"x" * 65536] * 4800))
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert sent < 50 * 2**20 and time.monotonic() - started < 20
    # The same without a Content-Length (chunked): cut off while streaming, near the limit.
    head = head.replace(f"Content-Length: {300 * 2**20}".encode(), b"Transfer-Encoding: chunked")
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.mid"\r\n\r\n'
    first = f"{len(part):x}\r\n".encode() + part + b"\r\n"
    chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
    response, sent = _raw(url, head, iter([first] + [chunk] * 4800))
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert sent < 50 * 2**20

    # Files that ask for gigabytes or hours are refused at upload with the limit named.
    for name, data, words in (
        ("big.mid", hostile.many_notes_midi(), "notes; allowed"),
        ("bomb.abc", hostile.repeat_bomb_abc(), "bars"),
        ("nested.abc", hostile.nested_repeats_abc(), "notes; allowed"),
        ("header.mid", hostile.header_only_midi(), "no notes"),
        ("unended.mid", hostile.unended_notes_midi(), "no notes"),
    ):
        r = http.post("/api/uploads", files={"file": (name, data)})
        assert r.status_code == 422 and words in r.json()["detail"], (name, r.text)
    r = http.post("/api/compose", json={"style": "folk", "title": "t" * 100 * 2**20})
    assert r.status_code == 413

    # The largest piece an upload may be: its MIDI is made; its audio is refused as too long.
    piece = http.post("/api/uploads", files={"file": ("p.mid", hostile.many_notes_midi(19_000, 90))})
    assert piece.status_code == 201, piece.text
    pid = piece.json()[0]["id"]
    assert http.get(f"/api/pieces/{pid}/files/mid").status_code == 200
    r = http.get(f"/api/pieces/{pid}/files/wav")
    assert r.status_code == 422 and "too long to render" in r.json()["detail"]

    # A client that leaves stops the drawing it asked for: the conversion child goes away.
    before = _descendants(proc.pid)
    with pytest.raises(httpx.TimeoutException):
        httpx.get(f"{url}/api/pieces/{pid}/files/png", cookies={"tunesmith_session": cookie}, timeout=3)
    deadline = time.monotonic() + 10
    while _descendants(proc.pid) - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _descendants(proc.pid) - before, "the conversion kept running after the client left"

    # SIGTERM while a conversion runs: the server stops within seconds and reports its memory.
    answers: list[Any] = []

    def fetch() -> None:
        try:
            answers.append(http.get(f"/api/pieces/{pid}/files/png").status_code)
        except httpx.HTTPError as err:
            answers.append(type(err).__name__)

    thread = threading.Thread(target=fetch)
    thread.start()
    deadline = time.monotonic() + 30
    while not (_descendants(proc.pid) - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert proc.poll() is None
    stopping = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode in (0, -signal.SIGTERM), out[-2000:]
    assert time.monotonic() - stopping < 15, "SIGTERM was not honoured while a conversion ran"
    thread.join(30)
    assert answers and answers[0] in (503, "RemoteProtocolError", "ReadError"), answers
    memory = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    print("peak RSS (KiB):", memory)
    assert memory["server_kib"] * 1024 < 2 * GB, memory
    assert memory["child_kib"] * 1024 < 2 * GB, memory
    http.close()
