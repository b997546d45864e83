"""`tunesmith info FILE` and `tunesmith convert IN OUT`: look into and convert music files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tunesmith.errors import ControlError, UnsupportedFormatError
from tunesmith.io import WRITE_SUFFIXES, load, save

if TYPE_CHECKING:
    from tunesmith.score import KeySignature, Score

_MAJOR_NAMES = ("Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#")
_MINOR_NAMES = ("Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#")


def key_name(key: KeySignature | None) -> str:
    if key is None:
        return "none given"
    names = _MINOR_NAMES if key.mode == "minor" else _MAJOR_NAMES
    return f"{names[key.fifths + 7]} {key.mode}"


def _changes(count: int) -> str:
    return f" (+{count - 1} change{'s' if count > 2 else ''})" if count > 1 else ""


def describe(score: Score, chords_shown: int = 12) -> list[str]:
    """Lines of text summarising one piece."""
    lines = []
    title = score.metadata.title or "(untitled)"
    if score.metadata.composer:
        title += f" — {score.metadata.composer}"
    lines.append(title)
    seconds = score.duration_seconds()
    clock = f" ({int(seconds // 60)}:{seconds % 60:04.1f})" if seconds >= 60 else ""
    lines.append(f"  length: {score.bar_count()} bars, {seconds:.1f} s{clock}")
    tempo = f"{score.tempo_at(0):g} bpm{_changes(len(score.tempos))}"
    meter = f"{score.time_signature_at(0)}{_changes(len(score.time_signatures))}"
    key = f"{key_name(score.key_at(0))}{_changes(len(score.key_signatures))}"
    lines.append(f"  key: {key}   tempo: {tempo}   time signature: {meter}")
    lines.append(f"  tracks: {len(score.tracks)}")
    width = max([len(t.name) for t in score.tracks] + [4])
    for i, track in enumerate(score.tracks, 1):
        kind = "drums" if track.is_drum else f"program {track.program:3d}"
        lines.append(f"    {i:2d}. {track.name or '-':<{width}}  {kind:<11}  {len(track.notes):6d} notes")
    if score.chords:
        shown = " ".join(c.figure for c in score.chords[:chords_shown])
        more = f" ... ({len(score.chords)} in all)" if len(score.chords) > chords_shown else ""
        lines.append(f"  chords: {shown}{more}")
    else:
        lines.append("  chords: none")
    if score.sections:
        lines.append("  sections: " + " ".join(s.label for s in score.sections[:chords_shown]))
    return lines


def facts(score: Score, chords_shown: int = 12) -> dict[str, object]:
    """What `info --json` prints for one piece (the same facts as :func:`describe`)."""
    return {
        "title": score.metadata.title,
        "composer": score.metadata.composer,
        "bars": score.bar_count(),
        "seconds": round(score.duration_seconds(), 3),
        "key": key_name(score.key_at(0)) if score.key_at(0) is not None else None,
        "key_changes": max(0, len(score.key_signatures) - 1),
        "tempo": score.tempo_at(0),
        "tempo_changes": max(0, len(score.tempos) - 1),
        "meter": str(score.time_signature_at(0)),
        "meter_changes": max(0, len(score.time_signatures) - 1),
        "tracks": [
            {"name": t.name, "program": t.program, "drums": t.is_drum, "notes": len(t.notes)}
            for t in score.tracks
        ],
        "chords": [c.figure for c in score.chords[:chords_shown]],
        "chord_count": len(score.chords),
        "sections": [s.label for s in score.sections],
    }


def info_command(
    file: Annotated[Path, typer.Argument(help="A .mid/.midi, .musicxml/.xml/.mxl or .abc file.")],
    limit: Annotated[int, typer.Option(
        "--limit", "-n", min=1, help="Most pieces to describe when the file holds several (ABC).")] = 5,
    chords: Annotated[int, typer.Option("--chords", min=0, help="How many chord symbols to list.")] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Show tracks, note counts, length (bars, seconds), key, tempo, meter and first chords."""
    scores = load(file)
    if as_json:
        typer.echo(json.dumps({
            "file": str(file), "pieces": len(scores), "shown": min(limit, len(scores)),
            "scores": [facts(s, chords) for s in scores[:limit]],
        }, indent=2))  # fmt: skip
        return
    header = f"{file}: {len(scores)} pieces" if len(scores) > 1 else f"{file}"
    if len(scores) > limit:
        header += f" (showing the first {limit}; --limit N for more)"
    typer.echo(header)
    for i, score in enumerate(scores[:limit], 1):
        lines = describe(score, chords)
        if len(scores) > 1:
            lines[0] = f"[{i}] {lines[0]}"
        typer.echo("\n".join(lines))


def convert_command(
    source: Annotated[Path, typer.Argument(help="Input file: .mid/.midi, .musicxml/.xml/.mxl or .abc.")],
    target: Annotated[Path, typer.Argument(help="Output file: .mid/.midi, .musicxml/.xml or .mxl.")],
    index: Annotated[int | None, typer.Option(
        "--index", "-i", min=1,
        help="For a file of several tunes (ABC): convert only tune N (1 = the first) to OUT. "
             "Without it every tune is written, to OUT with -1, -2, ... before the suffix "
             "(tunes.abc -> out-1.mid, out-2.mid, ...).",
    )] = None,
) -> None:
    """Convert a music file to another format, chosen by the output file's suffix."""
    if target.suffix.lower() not in WRITE_SUFFIXES:
        raise UnsupportedFormatError(target, f"cannot write suffix '{target.suffix}'; "
                                             f"tunesmith writes {', '.join(WRITE_SUFFIXES)}")
    scores = load(source)
    if index is not None:
        if index > len(scores):
            raise ControlError("--index", f"{source} holds {len(scores)} piece(s); choose 1 to {len(scores)}")
        jobs = [(scores[index - 1], target)]
    elif len(scores) == 1:
        jobs = [(scores[0], target)]
    else:
        jobs = [(s, target.with_name(f"{target.stem}-{i}{target.suffix}")) for i, s in enumerate(scores, 1)]
    for score, out in jobs:
        notes = save(score, out)  # the notes the written file holds
        typer.echo(f"wrote {out} ({len(score.tracks)} track(s), {notes} notes, {score.bar_count()} bars)")


def register(app: typer.Typer) -> None:
    app.command("info")(info_command)
    app.command("convert")(convert_command)
