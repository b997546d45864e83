"""`tunesmith session`: a wellbeing listening session that follows a mood trajectory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tunesmith.cli.library import DbOption
from tunesmith.therapy.trajectory import trajectory


def session_command(
    *,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the session's files (created).")],
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="Where the listener is: anxious, stressed, tired, sad, ... or 'valence,arousal'."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to", help="Where to lead them: calm, relaxed, sleepy, focused, energetic, ... or 'v,a'."
        ),
    ] = None,
    via: Annotated[list[str] | None, typer.Option(help="Waypoints between (repeatable).")] = None,
    preset: Annotated[str | None, typer.Option(help="relax, sleep, focus or energise.")] = None,
    minutes: Annotated[float, typer.Option(help="Length in minutes (0.5-60).")] = 10.0,
    style: Annotated[
        str | None, typer.Option(help="Style for the whole session (default: by preset/ratings).")
    ] = None,
    key: Annotated[str, typer.Option(help="Key signature (minor moods use its relative minor).")] = "C",
    seed: Annotated[int | None, typer.Option(help="Seed (0-2147483647) for an exact repeat.", min=0)] = None,
    user: Annotated[
        str | None, typer.Option(help="Listener whose ratings pick the style and instruments.")
    ] = None,
    audio_format: Annotated[str, typer.Option("--format", help="wav, flac or mp3.")] = "wav",
    db: DbOption = None,
) -> None:
    """Compose, render and report a session; not a medical device (see the JSON's disclaimer)."""
    from tunesmith.therapy.service import write_session

    path, styles = trajectory(start, end, preset, via)
    result = write_session(
        path,
        minutes,
        output,
        styles=styles,
        style=style,
        key=key,
        seed=seed,
        user=user,
        audio_format=audio_format,
        db=db,
        progress=lambda stage, _f: typer.echo(f"  {stage}", err=True),
    )
    seams = result["report"]["seams"]
    typer.echo(
        f"{result['files']['audio']}: {minutes:g} min of {result['session']['style']}, "
        f"{len(result['session']['segments'])} segments"
    )
    typer.echo(
        "intended vs measured, correlation per feature: " + json.dumps(result["report"]["correlation"])
    )
    typer.echo(
        f"largest step between seconds: loudness {seams['loudness_max_step_db']} dB "
        f"(whole change {seams['loudness_total_change_db']} dB), tempo {seams['tempo_max_step_bpm']} bpm "
        f"(whole change {seams['tempo_total_change_bpm']} bpm)"
    )
    typer.echo("Not a medical device: music for relaxation and wellbeing, not treatment.")


def register(app: typer.Typer) -> None:
    app.command("session")(session_command)
