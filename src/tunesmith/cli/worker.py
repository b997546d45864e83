"""`tunesmith worker`: run compose jobs from the queue, on this machine or any other that reaches
the store and the queue (the web server then needs no compose threads: `serve --workers 0`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from tunesmith.cli.serve import DbOption, QueueOption, StaleOption


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)


def worker_command(
    *,
    db: DbOption = None,
    queue: QueueOption = None,
    files: Annotated[
        Path | None,
        typer.Option(help="Folder for generated files, best shared with the server (default: data dir/web)."),
    ] = None,
    threads: Annotated[int, typer.Option(help="Jobs this process runs at once (1-16).", min=1, max=16)] = 1,
    processes: Annotated[
        int, typer.Option(help="Worker processes to start (1-64), each with --threads jobs.", min=1, max=64)
    ] = 1,
    stale_after: StaleOption = 30.0,
) -> None:
    """Run compose jobs from the job queue until stopped (SIGTERM or Ctrl-C finish the running jobs;
    a second one stops at once, and the job is retried elsewhere)."""
    if processes > 1:
        _supervise(
            processes,
            [
                *_opt("--db", db),
                *_opt("--queue", queue),
                *_opt("--files", files),
                "--threads",
                str(threads),
                "--stale-after",
                str(stale_after),
            ],
        )
        return

    from tunesmith.web.context import Context
    from tunesmith.web.settings import WebSettings

    settings = WebSettings(
        db_url=db,
        files_dir=files,
        queue_url=queue,
        workers=0,
        job_stale_s=stale_after,
        job_heartbeat_s=min(5.0, stale_after / 3),
        corpus_collections=(),
    )
    ctx = Context(settings)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        if stop.is_set():  # a second signal: stop now; the running job is retried by another worker
            os._exit(1)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ctx.jobs.start(threads)
    typer.echo(f"tunesmith worker: {threads} job(s) at once from {ctx.jobs.url}", err=True)
    while not stop.wait(1.0):
        pass
    typer.echo("tunesmith worker: stopping after the running jobs", err=True)
    ctx.jobs.shutdown(timeout=600.0)
    ctx.store.close()


def _opt(name: str, value: object) -> list[str]:
    return [] if value is None else [name, str(value)]


def _supervise(processes: int, options: list[str]) -> None:
    """Start ``processes`` single-process workers and pass a stop signal on to them."""
    args = [sys.executable, "-m", "tunesmith", "worker", *options]
    children = [subprocess.Popen(args) for _ in range(processes)]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [child.wait() for child in children]
    if any(codes):
        raise typer.Exit(max(abs(c) for c in codes))
