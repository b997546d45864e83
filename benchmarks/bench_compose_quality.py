# ruff: noqa: E501  (the report rows are long Markdown table lines; splitting them hurts reading)
"""Compose quality: the `tunesmith evaluate` metrics on seeded pieces of every style, next to the
corpus, plus listen-ready checks.

For each of the 10 styles, N seeded pieces are composed symbolically (16-32 bars, the default model,
candidates=1) and measured with tunesmith.evaluate.report.evaluate_scores (the function `tunesmith
evaluate` calls) with the originality index of the matching corpus collection; the reference column
is `sample_corpus(collection, 500, seed 0)` measured against the rest of its collection, exactly as
`tunesmith evaluate --against COLLECTION` does. Listen-ready checks:

- every note of every pitched track lies inside its GM program's range (compose.instruments);
- for the first R pieces of each style: render + master (render_audio, the style's mix plan) and
  check true peak <= -1 dBTP, no silent track, integrated loudness -14 +- 0.5 LUFS.

Run:  .venv/bin/python benchmarks/bench_compose_quality.py [--pieces 100] [--render 5] [--workers 2]
      [--write benchmarks/results/compose_quality.md]
The store and caches go to a temporary TUNESMITH_HOME so the user's library is untouched.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# Reference collection per style: the closest corpus we have. pop/ballad/lullaby/ambient have no
# corpus of their own; Nottingham (the melody model's training corpus) stands in for them.
REFERENCE = {
    "folk": "nottingham",
    "celtic": "nottingham",
    "chorale": "bach",
    "pop": "nottingham",
    "ballad": "nottingham",
    "waltz": "nottingham",
    "march": "nottingham",
    "lullaby": "nottingham",
    "ambient": "nottingham",
    "chinese-folk": "chinese-folk",
}
STYLES = tuple(REFERENCE)
REF_SAMPLES = 500
COPY_LIMIT = 12  # the composer's rejection threshold (issue 5): 12 consecutive copied notes
CEILING_DBTP = -1.0
TARGET_LUFS = -14.0
LUFS_TOLERANCE = 0.5


def bars_for(i: int) -> int:
    """16..32 bars, spread evenly over the pieces of a style."""
    return 16 + (i * 7) % 17


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)  # two workers on two cores: no oversubscription
    os.environ.setdefault("TUNESMITH_RENDER_THREADS", "1")


def out_of_range(score: Any) -> list[str]:
    """'track: pitch (low-high)' for every note outside its instrument's practical range."""
    from tunesmith.compose.instruments import program_range

    bad = []
    for track in score.tracks:
        if track.is_drum:
            continue
        low, high = program_range(track.program)
        bad += [f"{track.name}: {n.pitch} ({low}-{high})" for n in track.notes if not low <= n.pitch <= high]
    return bad


def compose_task(style: str, i: int, render: bool) -> dict[str, Any]:
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.evaluate.originality import corpus_index
    from tunesmith.evaluate.report import evaluate_scores
    from tunesmith.render.piece import mix_plan

    t0 = time.perf_counter()
    piece = compose(ComposeRequest(style=style, seed=1 + i, bars=bars_for(i), candidates=1))
    t_compose = time.perf_counter() - t0
    index = corpus_index([REFERENCE[style]])
    row = evaluate_scores([piece.score], index=index)[0]
    out: dict[str, Any] = {
        "style": style,
        "seed": 1 + i,
        "row": row,
        "compose_s": t_compose,
        "source": piece.candidates[0].melody_source,
        "composer_copied_run": piece.candidates[0].copied_run,
        "rejected": len(piece.candidates[0].rejected_seeds),
        "out_of_range": out_of_range(piece.score),
        "notes": sum(len(t.notes) for t in piece.score.tracks if not t.is_drum),
        "bars": piece.plan.total_bars,
        "tracks": len(piece.score.tracks),
    }
    if render:
        from tunesmith.render.export import render_audio

        t1 = time.perf_counter()
        audio = render_audio(piece.score, mix=mix_plan(piece.plan, piece.score))
        rep = audio.report
        out["render"] = {
            "lufs": rep.integrated_lufs,
            "true_peak": rep.true_peak_dbtp,
            "sample_peak": rep.sample_peak_dbfs,
            "silent": rep.silent_tracks,
            "quietest_track_dbfs": min(rep.track_rms_dbfs.values()) if rep.track_rms_dbfs else math.nan,
            "duration": rep.duration_s,
            "render_s": time.perf_counter() - t1,
            "warnings": list(rep.warnings),
        }
    return out


def reference_task(name: str) -> dict[str, Any]:
    from tunesmith.evaluate.originality import corpus_index
    from tunesmith.evaluate.report import evaluate_scores, sample_corpus

    scores, positions = sample_corpus(name, REF_SAMPLES, 0)
    index = corpus_index([name])
    return {"reference": name, "rows": evaluate_scores(scores, index=index.without(positions))}


def _run(task: tuple[str, Any, Any]) -> dict[str, Any]:
    kind, a, b = task
    t0 = time.perf_counter()
    try:
        out = reference_task(a) if kind == "ref" else compose_task(a, b, bool(kind == "render"))
    except Exception as err:  # reported in the results (and as text: not every error pickles)
        out = {"error": f"{kind} {a} {b}: {type(err).__name__}: {err}", "failed_style": a,
               "failed_bars": bars_for(b) if kind != "ref" else None}
    out["task_s"] = time.perf_counter() - t0
    out["task"] = f"{kind} {a} {b}"
    return out


def _fmt(values: Sequence[float], digits: int = 3) -> str:
    vals = [v for v in values if not math.isnan(v)]
    if not vals:
        return "—"
    return f"{statistics.fmean(vals):.{digits}f} ± {statistics.pstdev(vals):.{digits}f}"


def report(results: list[dict[str, Any]], refs: dict[str, list[dict[str, float]]], args: argparse.Namespace,
           wall: float) -> str:
    from tunesmith.evaluate.report import ALL_METRICS

    by_style = {s: [r for r in results if r.get("style") == s] for s in STYLES}
    # "render" tasks that failed to compose count once, as failed pieces
    n = args.pieces
    lines = [
        "# Compose quality: `tunesmith evaluate` metrics per style, next to the corpus",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_compose_quality.py --pieces {n} --render {args.render} --workers {args.workers} --write {args.write}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared with other work); Python {platform.python_version()}; "
        f"wall time {wall:.0f} s for {sum(len(v) for v in by_style.values())} pieces composed ({n} requested per style), "
        f"{sum(1 for r in results if 'render' in r)} renders and {len(refs)} reference samples, {args.workers} worker processes.",
        "",
        f"Each piece: `ComposeRequest(style=S, seed=1..{n}, bars=16..32 (spread), candidates=1)`, default model "
        f"(melody generator(s): {', '.join(sorted({r['source'] for r in results if 'source' in r}))}); everything else from the style. "
        "Metrics: `tunesmith.evaluate.report.evaluate_scores` on the composed Score in memory (the function "
        "`tunesmith evaluate` runs; in memory the chord symbols are the composer's own, a MIDI file would have "
        "the chords recognised instead), with the originality index of the reference collection. "
        f"Reference: {REF_SAMPLES} pieces sampled (seed 0) from the collection, each measured against the rest of it, "
        "as `tunesmith evaluate --against` does. Values are mean ± std over the pieces.",
        "",
        "Reference collections: folk, celtic, waltz, march -> nottingham; chorale -> bach; chinese-folk -> "
        "chinese-folk; pop, ballad, lullaby, ambient have no corpus of their own and are shown next to nottingham.",
        "",
        "## Metrics (generated | reference)",
        "",
    ]
    head = "| metric | unit | " + " | ".join(STYLES) + " |"
    lines += [head, "|---|---|" + "---|" * len(STYLES)]
    for info in ALL_METRICS:
        cells = [_fmt([r["row"].get(info.name, math.nan) for r in by_style[s]]) for s in STYLES]
        lines.append(f"| {info.label.replace('|', chr(92) + '|')} | {info.unit} | " + " | ".join(cells) + " |")
    lines += ["", "Reference collections, the same metrics:", ""]
    ref_names = list(refs)
    lines += ["| metric | unit | " + " | ".join(f"{r} (n={len(refs[r])})" for r in ref_names) + " |",
              "|---|---|" + "---|" * len(ref_names)]
    for info in ALL_METRICS:
        cells = [_fmt([row.get(info.name, math.nan) for row in refs[r]]) for r in ref_names]
        lines.append(f"| {info.label.replace('|', chr(92) + '|')} | {info.unit} | " + " | ".join(cells) + " |")

    lines += [
        "",
        "## Originality and listen-ready checks",
        "",
        f"Copied run = longest run of consecutive melody notes (any key) found in one piece of the index; the composer rejects >= {COPY_LIMIT} "
        "against every built collection (its own check, reported as 'composer').",
        "",
        "| style | composed (of requested) | failed: requested bar counts | ref | copied run vs ref: mean / max | share >= 12 | composer's run (all collections): max | share >= 12 | regenerated | notes out of range (pieces) | rendered | true peak max (dBTP) | LUFS min..max | silent tracks | quietest track (dBFS) | ms/piece compose |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ref_runs = {r: [row.get("copied_run", math.nan) for row in refs[r]] for r in refs}
    for s in STYLES:
        sel = by_style[s]
        if not sel:
            continue
        runs = [r["row"].get("copied_run", math.nan) for r in sel]
        own = [r["composer_copied_run"] for r in sel if r["composer_copied_run"] is not None]
        oor = [r for r in sel if r["out_of_range"]]
        rend = [r["render"] for r in sel if "render" in r]
        silent = sum(len(x["silent"]) for x in rend)
        failed = sorted(r["failed_bars"] for r in results if r.get("failed_style") == s)
        lines.append(
            f"| {s} | {len(sel)} ({len(sel) + len(failed)}) | {', '.join(f'{b}×{failed.count(b)}' for b in sorted(set(failed))) or '—'} | {REFERENCE[s]} | {statistics.fmean(runs):.1f} / {max(runs):.0f} | "
            f"{sum(x >= COPY_LIMIT for x in runs)}/{len(runs)} | "
            f"{max(own) if own else '—'} | {sum(x >= COPY_LIMIT for x in own)}/{len(own)} | "
            f"{sum(r['rejected'] for r in sel)} | {sum(len(r['out_of_range']) for r in sel)} ({len(oor)}) | {len(rend)} | "
            + (f"{max(x['true_peak'] for x in rend):.2f} | {min(x['lufs'] for x in rend):.2f}..{max(x['lufs'] for x in rend):.2f} | "
               f"{silent} | {min(x['quietest_track_dbfs'] for x in rend):.1f} | " if rend else "— | — | — | — | ")
            + f"{1000 * statistics.median(r['compose_s'] for r in sel):.0f} |"
        )
    ref_runs = {r: [x for x in v if not math.isnan(x)] for r, v in ref_runs.items()}
    lines += ["", "Reference copied runs (each piece against the rest of its collection): "
              + "; ".join((f"{r}: mean {statistics.fmean(v):.1f}, max {max(v):.0f}, >= 12 in {sum(x >= COPY_LIMIT for x in v)}/{len(v)}"
                           if v else f"{r}: not measurable (the sample is the whole collection, so nothing is left to compare with)")
                          for r, v in ref_runs.items()), ""]
    all_rend = [r["render"] for r in results if "render" in r]
    all_oor = [x for r in results if "out_of_range" in r for x in r["out_of_range"]]
    lines += [
        "Totals: "
        f"{sum(1 for r in results if r.get('out_of_range'))} of {sum(len(v) for v in by_style.values())} pieces have a note outside its instrument's range"
        + (f" (e.g. {'; '.join(all_oor[:5])})" if all_oor else "")
        + f"; {sum(x['true_peak'] > CEILING_DBTP + 1e-6 for x in all_rend)} of {len(all_rend)} renders above {CEILING_DBTP:g} dBTP; "
        f"{sum(abs(x['lufs'] - TARGET_LUFS) > LUFS_TOLERANCE for x in all_rend)} outside {TARGET_LUFS:g} ± {LUFS_TOLERANCE} LUFS; "
        f"{sum(len(x['silent']) for x in all_rend)} silent tracks.",
        "",
    ]
    warns = sorted({w for x in all_rend for w in x["warnings"]})
    if warns:
        lines += ["Render warnings: " + "; ".join(warns), ""]
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        kinds = sorted({e.split(": ", 1)[1] if ": " in e else e for e in errors}, key=len)[:5]
        lines += [f"Errors: {len(errors)} tasks failed; distinct messages (up to 5, shortest first): " + "; ".join(kinds), ""]
    return "\n".join(lines) + "\n"


READING_MARKER = "## Reading"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=100, help="pieces per style")
    parser.add_argument("--render", type=int, default=5, help="pieces per style rendered to audio")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--styles", default=",".join(STYLES), help="comma-separated subset (for trials)")
    parser.add_argument("--write", default="", help="results Markdown file (reading after '## Reading' is kept)")
    args = parser.parse_args()
    styles = [s for s in args.styles.split(",") if s]

    home = tempfile.mkdtemp(prefix="tunesmith-bench-")
    # The corpus cache lives in the real data dir; only the store and the run's own files go to home.
    from tunesmith.paths import data_dir

    real_data = data_dir()
    os.environ["TUNESMITH_HOME"] = home
    cache = Path(home) / "cache"
    if (real_data / "cache").exists() and not cache.exists():
        cache.symlink_to(real_data / "cache")
    tasks: list[tuple[str, Any, Any]] = [("ref", r, None) for r in sorted({REFERENCE[s] for s in styles})]
    for i in range(args.pieces):
        tasks += [("render" if i < args.render else "compose", s, i) for s in styles]
    t0 = time.perf_counter()
    results: list[dict[str, Any]] = []
    try:
        ctx = mp.get_context("spawn")
        with ctx.Pool(args.workers, initializer=_init_worker) as pool:
            for k, res in enumerate(pool.imap_unordered(_run, tasks, chunksize=1)):
                results.append(res)
                if (k + 1) % 50 == 0:
                    print(f"{k + 1}/{len(tasks)} done, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    wall = time.perf_counter() - t0
    refs = {r["reference"]: r["rows"] for r in results if "reference" in r}
    slow = sorted(results, key=lambda r: -r["task_s"])[:5]
    print("slowest tasks: " + "; ".join(f"{r['task']} {r['task_s']:.1f} s" for r in slow), file=sys.stderr)
    text = report([r for r in results if "style" in r or "error" in r], refs, args, wall)
    if args.write:
        from tunesmith.fileutil import write_text_atomic

        path = Path(args.write)
        if path.exists() and READING_MARKER in path.read_text():
            text += "\n" + READING_MARKER + path.read_text().split(READING_MARKER, 1)[1]
        write_text_atomic(path, text)
    print(text)


if __name__ == "__main__":
    main()
