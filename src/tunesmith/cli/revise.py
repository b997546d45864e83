"""`tunesmith revise`: a new version of a composed piece with some bars of some tracks regenerated."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("revise")(revise_command)


def revise_command(
    piece: Annotated[Path, typer.Argument(help="The piece's JSON, as compose (or revise) wrote it.")],
    *,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if missing).")],
    bars: Annotated[
        str | None, typer.Option("--bars", help="Bars to regenerate, 1-based: 9-16 or 5.")
    ] = None,
    regenerate: Annotated[
        str | None, typer.Option("--regenerate", help="A section label to regenerate (every occurrence): B.")
    ] = None,
    track: Annotated[
        str, typer.Option("--track", help="melody, chords, accompaniment, drums or all.")
    ] = "melody",
    keep: Annotated[
        list[str] | None, typer.Option("--keep", help="A track to keep as it is (repeatable).")
    ] = None,
    chords: Annotated[
        str | None, typer.Option("--chords", help='New chords for the span, bars split by |: "Am F | C G".')
    ] = None,
    style: Annotated[
        str | None, typer.Option("--style", help="Another style for the span (melody, patterns): march.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the revision (random if omitted).")
    ] = None,
    formats: Annotated[
        str, typer.Option("--format", help="Comma list of wav, flac, mp3, mid, musicxml, png, json.")
    ] = "wav,mid,musicxml,png,json",
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not record the version in the store.")
    ] = False,
) -> None:
    """Keep what you like, regenerate the rest: everything not named stays note for note."""
    from tunesmith.cocreate import Step, revise_to_files
    from tunesmith.compose.plan import resolve_seed
    from tunesmith.compose.request import split_list

    step = Step(track, resolve_seed(seed), bars, regenerate, tuple(keep or ()), chords, style)
    version, paths = revise_to_files(piece, step, out, formats=split_list(formats), record=not no_record)
    plan = version.plan
    where = f"bars {step.bars}" if step.bars else f"section {step.section}"
    lines = [
        f"revised:  {plan.title} ({len(version.steps)} revision{'s' if len(version.steps) != 1 else ''})",
        f"step:     track {step.track}, {where}, seed {step.seed}",
        "files:",
        *[f"  {p}" for p in paths.values()],
    ]
    typer.echo("\n".join(lines))
