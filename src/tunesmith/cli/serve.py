"""`tunesmith serve`, `tunesmith recommend`, `tunesmith tune --from-feedback`: the web app and the
feedback loop from the command line."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from tunesmith.errors import ControlError, NotFoundError

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLAlchemy database URL (default: $TUNESMITH_DB_URL, else SQLite in the data dir)."
    ),
]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.command("recommend")(recommend_command)
    app.command("tune")(tune_command)


QueueOption = Annotated[
    str | None,
    typer.Option(
        "--queue",
        help="Job queue URL: sqlite:///path/queue.db (one machine, the default: queue.db in the files "
        "folder) or redis://host:port/0 (many machines). Default: $TUNESMITH_QUEUE_URL.",
    ),
]
StaleOption = Annotated[
    float,
    typer.Option(
        "--stale-after",
        help="Seconds without a heartbeat after which a running job counts as lost and is retried (1-3600).",
        min=1.0,
        max=3600.0,
    ),
]


def serve_command(
    *,
    host: Annotated[
        str, typer.Option(help="Address to listen on; any non-loopback address requires accounts.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (1-65535).", min=1, max=65535)] = 8000,
    db: DbOption = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Compose jobs each web process runs at once (0-16; 0: only `tunesmith worker` runs them).",
            min=0,
            max=16,
        ),
    ] = 2,
    processes: Annotated[
        int, typer.Option(help="Web server processes (1-64); job status comes from the store.", min=1, max=64)
    ] = 1,
    files: Annotated[
        Path | None, typer.Option(help="Folder for generated files (default: data dir/web).")
    ] = None,
    queue: QueueOption = None,
    stale_after: StaleOption = 30.0,
    corpus: Annotated[
        str,
        typer.Option(help="Corpus collections listed in the library, comma-separated ('' for none)."),
    ] = "nottingham",
) -> None:
    """Serve the web page and the REST API (docs at /docs, OpenAPI schema at /openapi.json)."""
    import uvicorn

    from tunesmith.web import create_app
    from tunesmith.web.server import run
    from tunesmith.web.settings import WebSettings

    settings = WebSettings.for_host(
        host,
        db_url=db,
        workers=workers,
        files_dir=files,
        corpus_collections=tuple(c.strip() for c in corpus.split(",") if c.strip()),
        queue_url=queue,
        job_stale_s=stale_after,
        job_heartbeat_s=min(5.0, stale_after / 3),
    )
    mode = "password-less local user allowed" if settings.local_sign_in else "accounts required"
    typer.echo(f"tunesmith on http://{host}:{port}/ ({mode}; {processes} process(es), {workers} job(s) each)")
    if processes == 1:
        app = create_app(settings)
        try:
            run(app, host=host, port=port)  # SIGTERM stops conversions in flight at once
        finally:
            app.state.ctx.jobs.shutdown(timeout=5.0)
        return

    from tunesmith.web.context import Context
    from tunesmith.web.settings import SETTINGS_ENV, settings_to_json

    # The corpus is registered once here, not by every process at once (they would race on its rows).
    first = Context(replace(settings, workers=0))
    first.register_corpus()
    first.jobs.shutdown()
    first.store.close()
    os.environ[SETTINGS_ENV] = settings_to_json(replace(settings, corpus_collections=()))
    uvicorn.run(
        "tunesmith.cli.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=processes,
        log_level="warning",
    )


def app_from_env() -> object:
    """The app of one of several web processes, built from the settings the parent put in the
    environment (uvicorn ``--workers`` imports this in each process)."""
    from tunesmith.web import create_app
    from tunesmith.web.settings import SETTINGS_ENV, settings_from_json

    return create_app(settings_from_json(os.environ[SETTINGS_ENV]))


def recommend_command(
    user: Annotated[str, typer.Option("--user", help="User name whose ratings steer the list.")],
    limit: Annotated[int, typer.Option(help="How many pieces (1-100).", min=1, max=100)] = 10,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of text.")] = False,
) -> None:
    """Pieces for USER: like what they rated highly and what listeners like them liked."""
    from tunesmith.recommend.store import recommend_for
    from tunesmith.store.db import open_store
    from tunesmith.store.ratings import get_user

    with open_store(db) as store, store.session() as session:
        try:
            get_user(session, user)
        except NotFoundError:
            typer.echo(f"(no user {user!r} yet: showing popular pieces)", err=True)
        found = recommend_for(session, user, limit)
        if as_json:
            rows = [
                {"id": p.id, "title": p.title, "source": p.source, "score": round(sc.score, 4),
                 "reason": sc.reason}
                for p, sc in found
            ]  # fmt: skip
            typer.echo(json.dumps(rows, indent=2))
            return
        if not found:
            typer.echo("no pieces in the store yet: `tunesmith library add` or compose some")
        for piece, scored in found:
            typer.echo(
                f"{piece.id:>6}  {scored.score:+.3f}  {piece.source:9s}  {piece.title}  ({scored.reason})"
            )


def tune_command(
    from_feedback: Annotated[
        bool,
        typer.Option("--from-feedback", help="Fine-tune the melody model on well-rated generated pieces."),
    ] = False,
    user: Annotated[str | None, typer.Option(help="Only this user's ratings (default: everyone's).")] = None,
    min_stars: Annotated[
        int, typer.Option(help="Pieces rated at least this (1-5) are trained on.", min=1, max=5)
    ] = 4,
    epochs: Annotated[int, typer.Option(help="Passes over the rated pieces (1-50).", min=1, max=50)] = 3,
    db: DbOption = None,
) -> None:
    """Fine-tune the melody model from ratings (reward-weighted); the previous checkpoint is kept."""
    if not from_feedback:
        raise ControlError("tune", "say where the training signal comes from; allowed: --from-feedback")
    from tunesmith.feedback.tune import tune_from_feedback
    from tunesmith.store.db import open_store

    with open_store(db) as store:
        result = tune_from_feedback(store, user=user, min_stars=min_stars, epochs=epochs)
    typer.echo(
        f"fine-tuned on {result.pieces} pieces ({result.windows} windows, mean reward "
        f"{result.mean_reward:.2f}): loss {result.loss_before:.4f} -> {result.loss_after:.4f}"
    )
    typer.echo(f"new checkpoint {result.checkpoint} (previous kept: {result.previous})")
