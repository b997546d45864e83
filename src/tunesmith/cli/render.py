"""`tunesmith render` (music file → mixed, mastered audio) and `tunesmith pianoroll` (→ PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tunesmith import io
from tunesmith.errors import ControlError
from tunesmith.render.export import AUDIO_FORMATS, render_score, write_pianoroll


def render_command(
    source: Annotated[Path, typer.Argument(help="MIDI, MusicXML or ABC file to render (first piece).")],
    *,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Audio file: .wav, .flac or .mp3 (default: input name + .wav).")] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", help="wav, flac or mp3 (default: from the output's suffix).")] = None,
    stems: Annotated[Path | None, typer.Option(
        "--stems", help="Also write one 24-bit WAV per track into this folder.")] = None,
    soundfont: Annotated[Path | None, typer.Option(
        "--soundfont", help="General MIDI SoundFont (.sf2); default: $TUNESMITH_SOUNDFONT or the system's.",
    )] = None,
    no_master: Annotated[bool, typer.Option(
        "--no-master", help="Skip loudness mastering (the raw mix may be quiet or clip).")] = False,
    lufs: Annotated[float, typer.Option("--lufs", help="Loudness target in LUFS (integrated).")] = -14.0,
    bit_depth: Annotated[int, typer.Option("--bit-depth", help="16 or 24 (WAV and FLAC).")] = 16,
    pianoroll: Annotated[Path | None, typer.Option(
        "--pianoroll", help="Also draw a piano-roll PNG here.")] = None,
) -> None:
    """Render a music file with a SoundFont synthesizer, mix it and master it to a loudness target."""
    if fmt is not None and fmt.lower().lstrip(".") not in AUDIO_FORMATS:
        raise ControlError("--format", f"'{fmt}' is not one of {', '.join(AUDIO_FORMATS)}")
    if output is None:
        output = source.with_suffix("." + (fmt or "wav").lower().lstrip("."))
    elif fmt is not None and output.suffix.lower().lstrip(".") != fmt.lower().lstrip("."):
        output = output.with_suffix("." + fmt.lower().lstrip("."))
    console = Console(stderr=True)
    with console.status(f"reading {source}"):
        score = io.load_one(source)
    if not score.metadata.title:
        score.metadata.title = source.stem
    with console.status(f"rendering {score.duration_seconds():.0f} s of music"):
        result = render_score(
            score, output, stems=stems if stems is not None else False, soundfont=soundfont,
            do_master=not no_master, target_lufs=lufs, bit_depth=bit_depth,
        )
    if pianoroll is not None:
        write_pianoroll(score, pianoroll)
    out = Console()
    for path in result.files.values():
        out.print(f"wrote {path}", highlight=False)
    if result.stems:
        out.print(f"wrote {len(result.stems)} stems to {result.stems[0].parent}", highlight=False)
    if pianoroll is not None:
        out.print(f"wrote {pianoroll}", highlight=False)
    for line in result.report.lines():
        out.print(line, highlight=False, soft_wrap=True)
    total = sum(result.timings.values())
    out.print(f"rendered in {total:.2f} s ({result.report.duration_s / max(total, 1e-9):.0f}× real time)",
              highlight=False)


def pianoroll_command(
    source: Annotated[Path, typer.Argument(help="MIDI, MusicXML or ABC file (first piece).")],
    *,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="PNG file (default: the input name with .png).")] = None,
    title: Annotated[str | None, typer.Option(
        "--title", help="Heading (default: the piece's title).")] = None,
) -> None:
    """Draw a piano roll of a music file: tracks in colours, bar lines, chord symbols."""
    target = output or source.with_suffix(".png")
    score = io.load_one(source)
    if title is None and not score.metadata.title:
        title = source.stem
    write_pianoroll(score, target, title=title)
    typer.echo(f"wrote {target}")


def register(app: typer.Typer) -> None:
    app.command("render")(render_command)
    app.command("pianoroll")(pianoroll_command)
