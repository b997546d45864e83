"""Command groups that several modules add commands to (`tunesmith train X`, `tunesmith generate X`).

A module adds its command with e.g. ``@train_app.command("poly")`` inside its register(app)."""

from __future__ import annotations

import typer

train_app = typer.Typer(help="Train a model on the built-in corpus or your library.", no_args_is_help=True)
generate_app = typer.Typer(help="Generate melody or chords with a trained model.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks that score models by a published protocol.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")
    app.add_typer(generate_app, name="generate")
    app.add_typer(bench_app, name="bench")
