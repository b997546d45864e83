"""`tunesmith evaluate`: objective metrics of music files, optionally next to a corpus collection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tunesmith.errors import TunesmithError


def evaluate_command(
    paths: Annotated[list[Path], typer.Argument(help="MIDI/MusicXML/ABC files or folders (recursive).")],
    *,
    against: Annotated[str | None, typer.Option(
        "--against", "-a",
        help="Corpus collection to compare with (e.g. nottingham); also checks originality against it.",
    )] = None,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Folder for report.json, report.md and one histogram PNG per metric.",
    )] = Path("evaluation"),
    samples: Annotated[int, typer.Option(
        "--samples", min=1, help="Most corpus pieces to sample for --against (seeded).")] = 500,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the corpus sample.")] = 0,
    track: Annotated[str | None, typer.Option(
        "--track", help="Name of the melody track (default: found automatically).")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the summary as one JSON object instead of a table (files are still written).",
    )] = False,
) -> None:
    """Measure pitch, rhythm, harmony, repetition and originality metrics of music files."""
    from tunesmith.evaluate.metrics import summarize
    from tunesmith.evaluate.report import (
        ALL_METRICS,
        describe_problem,
        evaluate_scores,
        load_scores,
        sample_corpus,
        write_report,
    )

    console = Console(stderr=as_json)  # with --json, stdout holds only the JSON
    err_console = Console(stderr=True)
    loaded = load_scores(paths)
    for file, problem in loaded.failures:
        err_console.print(f"[yellow]skipped[/] {describe_problem(file, problem)}", highlight=False,
                          soft_wrap=True, markup=True)
    if not loaded.scores:
        raise TunesmithError(f"{', '.join(map(str, paths))}: no readable music files to evaluate")

    index = None
    reference = None
    labels = ("generated", against or "reference")
    if against:
        from tunesmith.evaluate.originality import corpus_index

        with console.status(f"loading corpus {against!r} and its originality index"):
            ref_scores, positions = sample_corpus(against, samples, seed)
            index = corpus_index([against])
        with console.status(f"measuring {len(ref_scores)} corpus pieces"):
            # The sample's copied runs are measured against the rest of the collection (held out).
            reference = evaluate_scores(ref_scores, index=index.without(positions))
    with console.status(f"measuring {len(loaded.scores)} pieces"):
        generated = evaluate_scores(loaded.scores, track=track, index=index)

    gen_sum = summarize(generated)
    ref_sum = summarize(reference) if reference is not None else {}
    table = Table(title=f"tunesmith evaluate: {len(generated)} pieces")
    table.add_column("metric")
    table.add_column("unit")
    table.add_column(f"{labels[0]} (n={len(generated)})", justify="right")
    if reference is not None:
        table.add_column(f"{labels[1]} (n={len(reference)})", justify="right")
    for info in ALL_METRICS:
        if info.name not in gen_sum:
            continue
        cells = [info.label, info.unit, str(gen_sum[info.name])]
        if reference is not None:
            cells.append(str(ref_sum[info.name]) if info.name in ref_sum else "—")
        table.add_row(*cells)
    if not as_json:
        console.print(table)

    notes = ""
    if reference is not None:
        notes = f"Compared with {len(reference)} pieces of the {against!r} collection (sample seed {seed})."
    written = write_report(output, generated, loaded.names, reference, labels=labels,
                           failures=loaded.failures, notes=notes)
    if as_json:
        def plain(summary: dict[str, Any]) -> dict[str, Any]:
            # NaN is not JSON: a metric defined for no piece is null.
            return {k: {"mean": None if v.count == 0 else round(v.mean, 6),
                        "std": None if v.count == 0 else round(v.std, 6), "count": v.count}
                    for k, v in summary.items()}

        sets = {labels[0]: plain(gen_sum)}
        if reference is not None:
            sets[labels[1]] = plain(ref_sum)
        typer.echo(json.dumps({
            "pieces": len(generated), "files": loaded.names, "summary": sets,
            "skipped": [describe_problem(f, p) for f, p in loaded.failures],
            "written": [str(p) for p in written],
        }, indent=2))  # fmt: skip
        return
    console.print(f"wrote {len(written)} files to {output}: report.md, report.json, histograms",
                  soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
