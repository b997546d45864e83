"""`tunesmith library add|list|show|remove`: the user's own music in the store.

`library add` imports every readable file and reports each one it cannot read; it exits with status 1
(bad input) only when nothing at all could be imported (so a folder with a few broken files still imports the
rest, and a script learns that a wholly wrong path failed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tunesmith.errors import ControlError, NotFoundError, TunesmithError

library_app = typer.Typer(help="Your music library: add, list, show, remove.",
                          no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option(
    "--db", help="SQLAlchemy database URL (default: $TUNESMITH_DB_URL, else SQLite in the data dir).")]


@library_app.command("add")
def add_command(
    paths: Annotated[list[Path], typer.Argument(help="MIDI, MusicXML or ABC files, or folders (recursive).")],
    tag: Annotated[list[str] | None, typer.Option(
        "--tag", "-t", help="Tag for every piece (repeatable).")] = None,
    db: DbOption = None,
) -> None:
    """Import files and folders into your library; the same music twice is stored once."""
    from tunesmith.corpus.library import import_paths
    from tunesmith.store.db import open_store

    with open_store(db) as store:
        report = import_paths(store, paths, tag or [])
    for item in report.imported:
        if item.new:
            typer.echo(f"added   {item.piece_id:>5}  {item.title}  ({item.path})")
        else:
            extra = f"; new tags: {', '.join(item.tags_added)}" if item.tags_added else ""
            typer.echo(f"exists  {item.piece_id:>5}  {item.title}  ({item.path}){extra}")
    for where, problem in report.failed:
        typer.echo(f"skipped {where}: {problem}", err=True)
    typer.echo(
        f"{len(report.added)} added, {len(report.duplicates)} already in the library, "
        f"{len(report.failed)} could not be read"
    )
    if not report.imported:
        raise TunesmithError(f"{', '.join(map(str, paths))}: nothing could be imported")


SOURCES = ("library", "generated", "corpus", "all")


@library_app.command("list")
def list_command(
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Only pieces with this tag.")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s",
        help="Only pieces from this source (repeatable): library (imported), generated (composed), "
             "corpus, or all. Default: library and generated.",
    )] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of text.")] = False,
    db: DbOption = None,
) -> None:
    """Pieces in your library and the pieces you composed: id, source, title, key, meter, bars, tags."""
    from tunesmith.store.db import open_store
    from tunesmith.store.pieces import list_pieces

    wanted = [s.strip().lower() for s in (source or ["library", "generated"])]
    for name in wanted:
        if name not in SOURCES:
            raise ControlError("source", f"unknown source {name!r}; allowed: {', '.join(SOURCES)}")
    sources: list[str | None] = [None] if "all" in wanted else list(dict.fromkeys(wanted))
    with open_store(db) as store, store.session() as session:
        pieces = sorted(
            (p for src in sources for p in list_pieces(session, tag=tag, source=src)), key=lambda p: p.id
        )
        if as_json:
            typer.echo(json.dumps([
                {"id": p.id, "source": p.source, "title": p.title, "key": p.key, "meter": p.meter,
                 "tempo": p.tempo, "bars": p.bars, "seconds": p.seconds, "tags": p.tag_names,
                 "path": p.path}
                for p in pieces
            ], indent=2))  # fmt: skip
            return
        for p in pieces:
            typer.echo(
                f"{p.id:>5}  {p.source:<9}  {p.title[:40]:<40}  {p.key or '-':<9}  {p.meter or '-':<5}  "
                f"{p.bars or 0:>4} bars  {', '.join(p.tag_names)}"
            )
        tagged = f" tagged {tag}" if tag else ""
        typer.echo(f"{len(pieces)} piece{'s' if len(pieces) != 1 else ''}{tagged} ({', '.join(wanted)})")


@library_app.command("show")
def show_command(
    piece_id: Annotated[int, typer.Argument(help="Piece id (see `tunesmith library list`).")],
    db: DbOption = None,
) -> None:
    """Everything the store knows about one piece, and its tracks."""
    from tunesmith.corpus.library import piece_score
    from tunesmith.store.db import open_store
    from tunesmith.store.pieces import get_piece
    from tunesmith.store.ratings import average_stars

    with open_store(db) as store, store.session() as session:
        p = get_piece(session, piece_id)
        stars = average_stars(session, p.id)
        lines = [
            ("id", str(p.id)),
            ("title", p.title),
            ("source", p.source + (f" ({p.collection})" if p.collection else "")),
            ("imported from", p.path or "-"),
            ("format", p.format or "-"),
            ("key", p.key or "-"),
            ("meter", p.meter or "-"),
            ("tempo", f"{p.tempo:g} bpm" if p.tempo else "-"),
            ("length", f"{p.bars or 0} bars, {p.seconds or 0:.1f} s"),
            ("notes", str(p.note_count or 0)),
            ("tags", ", ".join(p.tag_names) or "-"),
            ("rating", f"{stars:.1f} stars ({len(p.ratings)} ratings)" if stars is not None else "not rated"),
            ("added", p.created_at.strftime("%Y-%m-%d %H:%M UTC")),
            ("content hash", p.content_hash),
        ]
        for label, value in lines:
            typer.echo(f"{label:>13}: {value}")
        if p.file_data and p.format:
            score = piece_score(p)
            for t in score.tracks:
                kind = "drums" if t.is_drum else f"program {t.program}"
                typer.echo(f"{'track':>13}: {t.name or '-'} ({kind}), {len(t.notes)} notes")
            if score.chords:
                first = " ".join(c.figure for c in score.chords[:8])
                typer.echo(f"{'chords':>13}: {first}{' ...' if len(score.chords) > 8 else ''}")


@library_app.command("remove")
def remove_command(
    piece_id: Annotated[int, typer.Argument(help="Piece id (see `tunesmith library list`).")],
    db: DbOption = None,
) -> None:
    """Delete a piece from your library (with its tags links and ratings)."""
    from tunesmith.store.db import open_store
    from tunesmith.store.pieces import get_piece, remove_piece

    with open_store(db) as store, store.session() as session:
        if get_piece(session, piece_id).source != "library":
            raise NotFoundError(f"piece {piece_id} is not in your library (it is a corpus or generated one)")
        removed = remove_piece(session, piece_id)
        typer.echo(f"removed {removed.id}: {removed.title}")


def register(app: typer.Typer) -> None:
    app.add_typer(library_app, name="library")
