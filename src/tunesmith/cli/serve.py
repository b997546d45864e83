"""`tunesmith serve`, `tunesmith recommend`, `tunesmith tune --from-feedback`: the web app and the
feedback loop from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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


def serve_command(
    host: Annotated[
        str, typer.Option(help="Address to listen on; any non-loopback address requires accounts.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (1-65535).", min=1, max=65535)] = 8000,
    db: DbOption = None,
    workers: Annotated[int, typer.Option(help="Compose jobs run at once (1-16).", min=1, max=16)] = 2,
    files: Annotated[
        Path | None, typer.Option(help="Folder for generated files (default: data dir/web).")
    ] = None,
) -> None:
    """Serve the web page and the REST API (OpenAPI schema at /openapi.json)."""
    from tunesmith.web import create_app
    from tunesmith.web.server import run
    from tunesmith.web.settings import WebSettings

    settings = WebSettings.for_host(host, db_url=db, workers=workers, files_dir=files)
    mode = "password-less local user allowed" if settings.local_sign_in else "accounts required"
    typer.echo(f"tunesmith on http://{host}:{port}/ ({mode})")
    run(create_app(settings), host=host, port=port)


def recommend_command(
    user: Annotated[str, typer.Option("--user", help="User name whose ratings steer the list.")],
    limit: Annotated[int, typer.Option(help="How many pieces (1-100).", min=1, max=100)] = 10,
    db: DbOption = None,
) -> None:
    """Pieces for USER: like what they rated highly and what listeners like them liked."""
    from tunesmith.errors import NotFoundError
    from tunesmith.recommend.store import recommend_for
    from tunesmith.store.db import open_store
    from tunesmith.store.ratings import get_user

    with open_store(db) as store, store.session() as session:
        try:
            get_user(session, user)
        except NotFoundError:
            typer.echo(f"(no user {user!r} yet: showing popular pieces)", err=True)
        found = recommend_for(session, user, limit)
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
    from tunesmith.errors import ControlError

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
