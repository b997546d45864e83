"""`tunesmith revise`: a new version of a composed piece with some bars of some tracks regenerated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tunesmith.cli.compose import FORMATS_HELP, chosen_formats
from tunesmith.errors import ControlError, InputFileError

if TYPE_CHECKING:
    from tunesmith.cocreate.edit import Edit


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
    formats: Annotated[list[str] | None, typer.Option("--format", help=FORMATS_HELP)] = None,
    edits: Annotated[
        Path | None,
        typer.Option(
            "--edits",
            help="A JSON list of hand edits of the --track named (its full name or role): "
            '[{"op": "move", "pitch": 62, "start": 960, "to_pitch": 64, "to_start": 960}]; '
            "ops add, delete, move, resize.",
        ),
    ] = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not record the version in the store.")
    ] = False,
) -> None:
    """Keep what you like, regenerate the rest: everything not named stays note for note.

    Without --bars or --regenerate the JSON is replayed as it is (a revised piece's files again)."""
    from tunesmith.cocreate import Step, revise_to_files
    from tunesmith.compose.plan import resolve_seed

    if edits is not None:
        if bars is not None or regenerate is not None or keep or chords or style:
            raise ControlError("edits", "hand edits are a step of their own: give --edits with --track only")
        edit_step = Step(track, 0, edits=_read_edits(edits))
        version, paths = revise_to_files(
            piece, edit_step, out, formats=chosen_formats(formats), record=not no_record
        )
        typer.echo(f"edited:   {version.plan.title} ({len(edit_step.edits)} edits of {track})\nfiles:\n"
                   + "\n".join(f"  {p}" for p in paths.values()))  # fmt: skip
        return
    replay = bars is None and regenerate is None
    if replay and (keep or chords or style or seed is not None):
        raise ControlError("bars", "name the bars (--bars 9-16) or the section (--regenerate B) to revise")
    step = (
        None
        if replay
        else Step(track, resolve_seed(seed), bars, regenerate, tuple(keep or ()), chords, style)
    )
    version, paths = revise_to_files(piece, step, out, formats=chosen_formats(formats), record=not no_record)
    plan = version.plan
    count = f"{len(version.steps)} revision{'s' if len(version.steps) != 1 else ''}"
    lines = [f"{'replayed' if step is None else 'revised'}:  {plan.title} ({count})"]
    if step is not None:
        where = f"bars {step.bars}" if step.bars else f"section {step.section}"
        lines.append(f"step:     track {step.track}, {where}, seed {step.seed}")
    lines += [
        "files:",
        *[f"  {p}" for p in paths.values()],
    ]
    typer.echo("\n".join(lines))


MAX_EDITS_BYTES = 1 << 20


def _read_edits(path: Path) -> tuple[Edit, ...]:
    """The edits file as checked Edits (tunesmith.cocreate.edit); InputFileError when unreadable."""
    from tunesmith.cocreate.edit import parse_edits

    try:
        if path.stat().st_size > MAX_EDITS_BYTES:
            raise InputFileError(
                str(path), f"is larger than {MAX_EDITS_BYTES // 1024} KiB; an edits file is a short list"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputFileError(str(path), "no such file") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(str(path), f"is not a JSON list of edits ({err})") from err
    return parse_edits(data)
