"""`tunesmith compose`: a finished piece from a few controls (or from a piece's JSON)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tunesmith.compose.request import ComposeRequest, controls, split_list
from tunesmith.errors import InputFileError

DEFAULT_FORMATS = ["wav", "mid", "musicxml", "png", "json"]
FORMATS_HELP = ("wav, flac, mp3, mid, musicxml, png, json: a comma list, or the option repeated "
                "(default wav,mid,musicxml,png,json).")


def chosen_formats(formats: list[str] | None) -> list[str]:
    """The formats of --format (comma lists, the option repeated), or the default ones."""
    return split_list(",".join(formats or DEFAULT_FORMATS))


def register(app: typer.Typer) -> None:
    app.command("compose")(compose_command)


def _with_control_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with one option per compose control (compose.request.ComposeRequest's fields: a
    list is a comma-separated string here) in place of its ``**values``; every option defaults to
    None, so --from can tell which were given and the request's own defaults apply."""
    hints = get_type_hints(ComposeRequest)
    signature = inspect.signature(command, eval_str=True)
    fixed = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    options = []
    for f, control in controls(cli=True):
        base = next(t for t in get_args(hints[f.name]) or (hints[f.name],) if t is not type(None))
        kind = str if get_origin(base) is list else base
        default = "" if f.default is None else f" (default {f.default})"
        option = typer.Option(f"--{f.name.replace('_', '-')}", help=control.describe() + default + ".")
        annotation = Annotated[kind | None, option]  # type: ignore[valid-type]
        options.append(
            inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
        )
    command.__signature__ = signature.replace(parameters=[*fixed[:2], *options, *fixed[2:]])  # type: ignore[attr-defined]
    return command


@_with_control_options
def compose_command(
    *,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder (created if missing).")],
    from_json: Annotated[
        Path | None,
        typer.Option("--from", help="Regenerate the piece a JSON file (written by compose) describes."),
    ] = None,
    formats: Annotated[list[str] | None, typer.Option("--format", help=FORMATS_HELP)] = None,
    stems: Annotated[bool, typer.Option("--stems", help="Also write one audio file per track.")] = False,
    soundfont: Annotated[
        Path | None, typer.Option(help="General MIDI SoundFont (.sf2) for the audio.")
    ] = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not record the piece in the store.")
    ] = False,
    keep_candidates: Annotated[
        bool,
        typer.Option(
            "--keep-candidates",
            help="Also write every other ranked candidate, to OUTPUT/candidate-2, candidate-3, ...",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object (progress stays on stderr).")
    ] = False,
    **values: Any,
) -> None:
    """Compose, arrange, mix and master a piece; writes audio, MIDI, MusicXML, a piano roll and JSON."""
    if values.get("instruments") is not None:
        values["instruments"] = split_list(values["instruments"])
    given = {k: v for k, v in values.items() if v is not None}
    if from_json is not None:
        if given:
            raise typer.BadParameter(
                f"--from regenerates a saved piece; drop {', '.join('--' + k for k in given)}"
            )
        try:
            text = from_json.read_text(encoding="utf-8")
        except OSError as err:
            raise InputFileError(from_json, f"cannot read ({err.strerror or err})") from err
        if _is_revised(text):
            raise InputFileError(
                from_json, "is a revised piece: replay it with `tunesmith revise FILE -o DIR`"
            )
        request = ComposeRequest.from_json(text)
    else:
        request = ComposeRequest(**given)
    _run(
        request, output, chosen_formats(formats), stems=stems, soundfont=soundfont,
        record=not no_record,
        keep_candidates=keep_candidates, as_json=as_json,
    )  # fmt: skip


def _is_revised(text: str) -> bool:
    """Whether a piece JSON carries revision steps (tunesmith revise wrote it), which --from would drop."""
    try:
        data = json.loads(text)
    except ValueError:
        return False  # ComposeRequest.from_json reports the broken file
    return isinstance(data, dict) and bool(data.get("revisions"))


def _run(
    request: Any,
    out: Path,
    formats: list[str],
    *,
    stems: bool,
    soundfont: Path | None,
    record: bool,
    keep_candidates: bool = False,
    as_json: bool = False,
) -> None:
    from tunesmith.compose.api import compose
    from tunesmith.render.piece import check_formats, write_files

    check_formats(formats)
    request.validate()
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description:<22}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("planning", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        composition = compose(request, lambda stage, f: progress(stage, 0.3 * f))
        paths = write_files(
            composition,
            out,
            formats=formats,
            stems=stems,
            soundfont=soundfont,
            progress=lambda stage, f: progress(stage, 0.3 + 0.7 * f),
            record=record,
        )
        others = _write_candidates(composition, out, formats, soundfont) if keep_candidates else []
    if as_json:
        _print_json(composition, paths, others)
    else:
        _print_summary(composition, paths)
        for i, files in enumerate(others, 2):
            typer.echo(f"candidate {i}:")
            typer.echo("\n".join(f"  {p}" for p in files.values()))


def _write_candidates(
    composition: Any, out: Path, formats: list[str], soundfont: Path | None
) -> list[dict[str, Path]]:
    """Files of every candidate but the best (already written), each in its own folder. No JSON:
    a piece's JSON regenerates the best candidate, not these; they are not recorded in the store."""
    from tunesmith.render.piece import write_files

    wanted = [f for f in formats if f != "json"] or ["mid"]
    written = []
    for i, candidate in enumerate(composition.candidates[1:], 2):
        alone = replace(composition, score=candidate.score, candidates=[candidate], files={})
        written.append(
            write_files(alone, out / f"candidate-{i}", formats=wanted, soundfont=soundfont, record=False)
        )
    return written


def _files_of(rank: int, best: dict[str, Path], others: list[dict[str, Path]]) -> dict[str, Path]:
    if rank == 1:
        return best
    return others[rank - 2] if len(others) >= rank - 1 else {}


def _print_json(composition: Any, paths: dict[str, Path], others: list[dict[str, Path]]) -> None:
    data = {
        "summary": composition.summary(),
        "request": composition.request.to_dict(),
        "files": {k: str(p) for k, p in paths.items()},
        "candidates": [
            {
                "rank": i,
                "seed": c.seed,
                "total": round(c.total, 4),
                "components": {k: round(v, 4) for k, v in c.components.items()},
                "files": {k: str(p) for k, p in _files_of(i, paths, others).items()},
            }
            for i, c in enumerate(composition.candidates, 1)
        ],
    }
    typer.echo(json.dumps(data, indent=2))


def _print_summary(composition: Any, paths: dict[str, Path]) -> None:
    info = composition.summary()
    minutes, secs = divmod(info["duration_seconds"], 60)
    lines = [
        f"title:    {info['title']}",
        f"key:      {info['key']}    tempo: {info['tempo']:g} bpm    meter: {info['meter']}",
        f"bars:     {info['bars']} ({'-'.join(info['form'])}, plus intro and ending)    "
        f"duration: {int(minutes)}:{secs:04.1f}",
        f"tracks:   {', '.join(info['tracks'])}",
        f"made by:  melody {info['melody']}, harmony {info['harmony']}, seed {info['seed']}",
    ]
    loudness = composition_loudness(paths)
    if loudness:
        lines.append(f"loudness: {loudness}")
    lines.append("files:")
    lines += [f"  {p}" for p in paths.values()]
    typer.echo("\n".join(lines))


def composition_loudness(paths: dict[str, Path]) -> str:
    """The master report's loudness line, when the renderer wrote one."""
    report = paths.get("report")
    if report is None or not report.exists():
        return ""

    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    lufs, peak = data.get("integrated_lufs"), data.get("true_peak_dbtp")
    return f"{lufs:.1f} LUFS, true peak {peak:.1f} dBTP" if lufs is not None and peak is not None else ""
