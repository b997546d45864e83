"""`tunesmith corpus list|build|show`: the built-in corpus collections and their cache."""

from __future__ import annotations

from typing import Annotated

import typer

corpus_app = typer.Typer(help="The built-in corpus: collections, cache build, pieces.",
                         no_args_is_help=True)


@corpus_app.command("list")
def list_command() -> None:
    """Each collection with its piece count and style tags."""
    from tunesmith.corpus.collections import COLLECTIONS
    from tunesmith.corpus.info import collection_counts

    rows = []
    for collection in COLLECTIONS:
        count, origin = collection_counts(collection)
        rows.append((collection.name, count, origin, ", ".join(collection.tags)))
    width = max(len(r[0]) for r in rows)
    typer.echo(f"{'collection':<{width}}  {'pieces':>6}  {'counted from':<14}  style tags")
    for name, count, origin, tags in rows:
        typer.echo(f"{name:<{width}}  {count:>6}  {origin:<14}  {tags}")
    built = sum(r[1] for r in rows if r[2] != "source files")
    typer.echo(
        f"\n{sum(r[1] for r in rows)} pieces ({built} in the cache). 'cache' and 'shipped cache' count "
        "parsed pieces; 'source files' counts tunes not parsed yet (run `tunesmith corpus build`)."
    )


@corpus_app.command("build")
def build_command(
    collection: Annotated[list[str] | None, typer.Option(
        "--collection", "-c", help="Collection to build (repeatable); default: all.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-j", min=1, help="Parallel parser processes (default: every core).")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bar.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Parse every file again, changed or not.")] = False,
) -> None:
    """Parse the collections once, in parallel, into the cache; only changed files are re-parsed."""
    from tunesmith.corpus.build import build_corpus
    from tunesmith.corpus.collections import resolve

    names = [c.name for c in resolve(collection)]  # unknown names fail before any work
    report = build_corpus(names, workers=workers, progress=not no_progress, force=force)
    width = max(len(r.name) for r in report.collections)
    typer.echo(f"{'collection':<{width}}  {'pieces':>6}  {'skipped':>7}  {'files parsed':>12}  {'reused':>6}")
    for r in report.collections:
        counts = f"{r.pieces:>6}  {r.skipped:>7}  {r.files_parsed:>12}  {r.files_reused:>6}"
        typer.echo(f"{r.name:<{width}}  {counts}")
    typer.echo(
        f"{report.pieces} pieces cached in {report.cache_dir}, {report.skipped} skipped "
        f"({report.parsed_units} pieces parsed in {report.seconds:.1f} s)"
    )
    if report.skip_reasons:
        typer.echo(f"skipped pieces and reasons: {report.log_path}")
        for reason, count in report.skip_reasons.most_common(8):
            typer.echo(f"  {count:>5}  {reason}")


@corpus_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Collection name (see `tunesmith corpus list`).")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Pieces to list (0: all).")] = 20,
    tag: Annotated[str | None, typer.Option("--tag", help="Only pieces with this tag.")] = None,
) -> None:
    """The pieces of one collection: title, key, meter, bars, chord symbols, tags."""
    from tunesmith.corpus.collections import get_collection
    from tunesmith.corpus.load import load_corpus
    from tunesmith.store.pieces import key_name

    collection = get_collection(name)
    corpus = load_corpus([collection.name])
    if tag:
        corpus = corpus.filter(tag=tag)
    typer.echo(f"{collection.name}: {collection.description}")
    origin = corpus.sources.get(collection.name)
    typer.echo(f"{len(corpus)} pieces from {origin}; licence: {collection.licence}")
    shown = corpus.pieces if limit == 0 else corpus.pieces[:limit]
    for i, p in enumerate(shown):
        fifths, _, mode = p.key.partition(":")
        key = key_name(int(fifths), mode) if p.key else "-"
        typer.echo(
            f"{i:>5}  {p.title[:40]:<40}  {key:<9}  {p.meter or '-':<5}  {p.bars:>4} bars  "
            f"{p.chord_count:>3} chords  {' '.join(p.tags)}"
        )
    if len(shown) < len(corpus):
        typer.echo(f"... {len(corpus) - len(shown)} more (--limit 0 shows all)")


def register(app: typer.Typer) -> None:
    app.add_typer(corpus_app, name="corpus")
