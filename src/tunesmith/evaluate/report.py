"""Evaluation reports: generated pieces next to a reference corpus, as Markdown, JSON and histograms.

For a model's quality report (generated pieces next to the held-out corpus)::

    corpus = load_corpus(["nottingham"])
    held_out = [...]                       # positions of the pieces the model never trained on
    index = corpus_index(["nottingham"]).without(held_out)   # what the model did train on
    markdown = compare(generated_scores, [corpus[i] for i in held_out], index=index)

``tunesmith evaluate`` uses :func:`load_scores`, :func:`evaluate_scores`, :func:`sample_corpus` and
:func:`write_report`.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.corpus import load_corpus
from tunesmith.errors import InputFileError, NotFoundError, OutputError, TunesmithError
from tunesmith.evaluate.metrics import METRICS, MetricInfo, Summary, metrics, summarize
from tunesmith.evaluate.originality import longest_copied_run
from tunesmith.fileutil import atomic_path, write_text_atomic
from tunesmith.io import load
from tunesmith.score import Score

if TYPE_CHECKING:
    from tunesmith.evaluate.originality import OriginalityIndex

COPIED_RUN = MetricInfo(
    "copied_run", "longest copied run", "notes",
    "longest run of consecutive melody notes found in one training piece (any key)",
)
"""Added to the rows by :func:`evaluate_scores` when an originality index is given."""

ALL_METRICS: tuple[MetricInfo, ...] = (*METRICS, COPIED_RUN)

SCORE_SUFFIXES = (".mid", ".midi", ".musicxml", ".xml", ".mxl", ".abc")
"""Files a folder given to :func:`load_scores` is searched for."""

Row = dict[str, float]


@dataclass
class LoadedScores:
    """Pieces read by :func:`load_scores`: ``names`` parallel to ``scores`` (file, and tune number
    for files holding several), and ``failures`` as (file, problem) for files that were skipped."""

    scores: list[Score] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, plus the music files (by suffix) found recursively in folders named, in order.
    Raises InputFileError for a path that does not exist."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SCORE_SUFFIXES)
        elif path.exists():
            out.append(path)
        else:
            raise InputFileError(path, "no such file or folder")
    return out


def load_scores(paths: Iterable[str | Path]) -> LoadedScores:
    """Read every file (folders searched recursively); files that fail are recorded, not raised."""
    result = LoadedScores()
    for path in expand_paths(paths):
        try:
            pieces = load(path)  # every piece of the file: ABC files can hold many tunes
        except TunesmithError as err:
            result.failures.append((str(path), str(err)))
            continue
        for i, score in enumerate(pieces):
            result.scores.append(score)
            result.names.append(str(path) if len(pieces) == 1 else f"{path}#{i + 1}")
    return result


def sample_corpus(name: str, count: int = 500, seed: int = 0) -> tuple[list[Score], list[int]]:
    """Up to ``count`` pieces of the built-in collection ``name``, drawn without replacement with a
    seeded generator (the same pieces every run), and their positions in ``load_corpus([name])``."""
    corpus = load_corpus([name])
    if len(corpus) == 0:
        raise NotFoundError(f"corpus collection {name!r} holds no pieces (run `tunesmith corpus build`)")
    chosen = sorted(random.Random(seed).sample(range(len(corpus)), min(count, len(corpus))))
    return [corpus[i] for i in chosen], chosen


def evaluate_scores(scores: Iterable[Score], *, track: str | None = None,
                    index: OriginalityIndex | None = None) -> list[Row]:
    """Per-piece metric rows (see :func:`tunesmith.evaluate.metrics.metrics`), plus ``copied_run``
    (longest run of notes copied from a piece of ``index``) when an index is given."""
    rows = []
    for score in scores:
        row = metrics(score, track)
        if index is not None:  # an empty index (nothing held out) has nothing to compare with: NaN
            run = longest_copied_run(score, index, track).length if len(index) else math.nan
            row[COPIED_RUN.name] = float(run)
        rows.append(row)
    return rows


def _cell(summary: Summary | None) -> str:
    return "—" if summary is None else str(summary)


def markdown_table(generated: Sequence[Row], reference: Sequence[Row] | None = None,
                   labels: tuple[str, str] = ("generated", "reference")) -> str:
    """A Markdown table of mean ± std per metric, with a reference column when rows are given."""
    gen = summarize(generated)
    ref = summarize(reference) if reference is not None else None
    head = f"| metric | unit | {labels[0]} (n={len(generated)}) |"
    rule = "|---|---|---|"
    if ref is not None:
        head += f" {labels[1]} (n={len(reference or [])}) |"
        rule += "---|"
    lines = [head, rule]
    for info in ALL_METRICS:
        if info.name not in gen and (ref is None or info.name not in ref):
            continue
        line = f"| {_md(info.label)} | {info.unit} | {_cell(gen.get(info.name))} |"
        if ref is not None:
            line += f" {_cell(ref.get(info.name))} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Escape the pipes in a label (``mean |interval|``) so Markdown tables keep their columns."""
    return text.replace("|", "\\|")


def describe_problem(file: str, problem: str) -> str:
    """One line for a skipped file: the problem, prefixed by the file unless it already names it."""
    return problem if file in problem else f"{file}: {problem}"


def compare(generated: Iterable[Score], reference: Iterable[Score], *,
            index: OriginalityIndex | None = None, track: str | None = None,
            labels: tuple[str, str] = ("generated", "reference")) -> str:
    """Markdown: each metric's mean ± std on ``generated`` next to ``reference`` (e.g. the held-out
    corpus), followed by what each metric means. With ``index`` (the training corpus) both sides get
    their longest copied run: keep ``reference`` out of the index, or its pieces match themselves."""
    gen_rows = evaluate_scores(generated, track=track, index=index)
    ref_rows = evaluate_scores(reference, track=track, index=index)
    return markdown_table(gen_rows, ref_rows, labels) + "\n" + metric_glossary([*gen_rows, *ref_rows])


def metric_glossary(rows: Sequence[Row] | None = None) -> str:
    """A Markdown list saying what each metric means (only those present in ``rows``, if given)."""
    present = {k for row in rows for k in row} if rows is not None else {m.name for m in ALL_METRICS}
    return "\n".join(f"- **{_md(m.label)}**: {m.doc}." for m in ALL_METRICS if m.name in present) + "\n"


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else value


def _summary_json(rows: Sequence[Row]) -> dict[str, dict[str, float | int | None]]:
    return {name: {"mean": _clean(s.mean), "std": _clean(s.std), "count": s.count}
            for name, s in summarize(rows).items()}


def write_histograms(out_dir: Path, generated: Sequence[Row], reference: Sequence[Row] | None = None,
                     labels: tuple[str, str] = ("generated", "reference")) -> list[Path]:
    """One PNG per metric (``<metric>.png``): the generated values' histogram, the reference's
    overlaid on the same bins, both as densities."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    written = []
    # One figure cleared per metric, fixed margins: new figures and tight_layout cost most of the time.
    fig, ax = plt.subplots(figsize=(6, 4))
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.96)
    try:
        for info in ALL_METRICS:
            gen = np.array([r[info.name] for r in generated if info.name in r], dtype=float)
            ref = np.array([r[info.name] for r in (reference or []) if info.name in r], dtype=float)
            gen, ref = gen[~np.isnan(gen)], ref[~np.isnan(ref)]
            if len(gen) == 0 and len(ref) == 0:
                continue
            both = np.concatenate([gen, ref])
            lo, hi = float(both.min()), float(both.max())
            bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 21).tolist()
            ax.clear()
            if len(ref):
                ax.hist(ref, bins=bins, density=True, alpha=0.5, label=f"{labels[1]} (n={len(ref)})")
            if len(gen):
                ax.hist(gen, bins=bins, density=True, alpha=0.5, label=f"{labels[0]} (n={len(gen)})")
            ax.set_xlabel(f"{info.label} ({info.unit})" if info.unit else info.label)
            ax.set_ylabel("density")
            ax.legend()
            path = out_dir / f"{info.name}.png"
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format="png", dpi=80)
            written.append(path)
    finally:
        plt.close(fig)
    return written


def write_report(out_dir: str | Path, generated: Sequence[Row], names: Sequence[str],
                 reference: Sequence[Row] | None = None, *,
                 labels: tuple[str, str] = ("generated", "reference"),
                 failures: Sequence[tuple[str, str]] = (), notes: str = "") -> list[Path]:
    """Write ``report.json`` (per-piece rows and summaries), ``report.md`` and the histograms into
    ``out_dir`` (created if missing). Returns the paths written."""
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{folder}: cannot create the report folder ({err.strerror or err})") from err
    doc: dict[str, Any] = {
        "labels": list(labels),
        "metrics": {m.name: {"label": m.label, "unit": m.unit, "doc": m.doc} for m in ALL_METRICS},
        labels[0]: {
            "summary": _summary_json(generated),
            "pieces": [{"name": n, **{k: _clean(v) for k, v in r.items()}}
                       for n, r in zip(names, generated, strict=True)],
        },
        "skipped": [{"file": f, "problem": p} for f, p in failures],
    }
    if reference is not None:
        doc[labels[1]] = {"summary": _summary_json(reference), "count": len(reference)}
    json_path, md_path = folder / "report.json", folder / "report.md"
    write_text_atomic(json_path, json.dumps(doc, indent=1) + "\n")
    md = ["# Evaluation report", ""]
    if notes:
        md += [notes, ""]
    md += [markdown_table(generated, reference, labels), metric_glossary([*generated, *(reference or [])])]
    if failures:
        md += ["## Skipped files", ""] + [f"- {describe_problem(f, p)}" for f, p in failures] + [""]
    pngs = write_histograms(folder, generated, reference, labels)
    md += ["## Histograms", ""] + [f"![{p.stem}]({p.name})" for p in pngs] + [""]
    write_text_atomic(md_path, "\n".join(md))
    return [json_path, md_path, *pngs]
