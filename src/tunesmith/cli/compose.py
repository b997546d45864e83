"""`tunesmith compose`: a finished piece from a few controls (or from a piece's JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    app.command("compose")(compose_command)


def compose_command(
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (created if missing)."),
    from_json: Path | None = typer.Option(None, "--from", help="Regenerate the piece a JSON file describes."),
    style: str | None = typer.Option(None, help="Style: folk, celtic, chorale, pop, ballad, waltz, march, ..."),
    mood: str | None = typer.Option(None, help="Named mood: happy, sad, calm, energetic, tense, tender, ..."),
    valence: float | None = typer.Option(None, help="Mood valence -1 (negative) .. 1 (positive)."),
    arousal: float | None = typer.Option(None, help="Mood arousal -1 (calm) .. 1 (excited)."),
    key: str | None = typer.Option(None, help="Tonic, optionally with mode: D, F# minor, Bbm."),
    mode: str | None = typer.Option(None, help="major, minor, dorian, mixolydian or a pentatonic mode."),
    tempo: float | None = typer.Option(None, help="Tempo in quarter-note beats per minute (30-240)."),
    meter: str | None = typer.Option(None, help="Time signature: 4/4, 3/4, 6/8 or 2/4."),
    bars: int | None = typer.Option(None, help="Length of the form in bars (intro and ending extra)."),
    seconds: float | None = typer.Option(None, help="Length in seconds (instead of --bars)."),
    form: str | None = typer.Option(None, help="AABA, ABAB, AABB, verse-chorus, rondo or 'A,B,A,C'."),
    chords: str | None = typer.Option(None, help="Progression to follow bar for bar: 'C Am F G' or 'I vi IV V'."),
    primer: Path | None = typer.Option(None, help="Melody to develop (MIDI, ABC or MusicXML)."),
    instruments: str | None = typer.Option(None, help="General MIDI names, melody first: 'violin,acoustic guitar'."),
    model: str | None = typer.Option(None, help="Generator: rnn, vae, gan or rules (default: rnn when installed)."),
    temperature: float | None = typer.Option(None, help="Sampling temperature 0.1-2 (default 1.0)."),
    candidates: int | None = typer.Option(None, help="Candidates to make and rank, 1-16 (default 3)."),
    seed: int | None = typer.Option(None, help="Random seed (default: a fresh one, recorded in the JSON)."),
    title: str | None = typer.Option(None, help="Title of the piece."),
    styles_path: str | None = typer.Option(None, "--styles-path", help="Extra folders of style .toml files."),
    formats: str = typer.Option("wav,mid,musicxml,png,json", "--format", help="Comma list: wav,flac,mp3,mid,musicxml,png,json."),
    stems: bool = typer.Option(False, "--stems", help="Also write one audio file per track."),
    soundfont: Path | None = typer.Option(None, help="General MIDI SoundFont (.sf2) for the audio."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not record the piece in the store."),
) -> None:
    """Compose, arrange, mix and master a piece; writes audio, MIDI, MusicXML, a piano roll and JSON."""
    from tunesmith.compose.request import ComposeRequest, split_list
    from tunesmith.errors import InputFileError

    controls: dict[str, Any] = {
        "style": style, "mood": mood, "valence": valence, "arousal": arousal, "key": key, "mode": mode,
        "tempo": tempo, "meter": meter, "bars": bars, "seconds": seconds, "form": form, "chords": chords,
        "primer": str(primer) if primer else None, "instruments": split_list(instruments) if instruments else None,
        "model": model, "temperature": temperature, "candidates": candidates, "seed": seed, "title": title,
        "styles_path": styles_path,
    }  # fmt: skip
    given = {k: v for k, v in controls.items() if v is not None}
    if from_json is not None:
        if given:
            raise typer.BadParameter(f"--from regenerates a saved piece; drop {', '.join('--' + k for k in given)}")
        try:
            text = from_json.read_text(encoding="utf-8")
        except OSError as err:
            raise InputFileError(from_json, f"cannot read ({err.strerror or err})") from err
        request = ComposeRequest.from_json(text)
    else:
        request = ComposeRequest(**given)
    _run(request, out, split_list(formats), stems, soundfont, not no_record)


def _run(request: Any, out: Path, formats: list[str], stems: bool, soundfont: Path | None, record: bool) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tunesmith.compose.api import _check_formats, compose, write_files

    _check_formats(formats)
    request.validate()
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description:<22}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("planning", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        composition = compose(request, lambda stage, f: progress(stage, 0.3 * f))
        paths = write_files(composition, out, formats, stems, soundfont,
                            lambda stage, f: progress(stage, 0.3 + 0.7 * f), record)  # fmt: skip
    _print_summary(composition, paths)


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
    import json

    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    lufs, peak = data.get("integrated_lufs"), data.get("true_peak_dbtp")
    return f"{lufs:.1f} LUFS, true peak {peak:.1f} dBTP" if lufs is not None and peak is not None else ""
