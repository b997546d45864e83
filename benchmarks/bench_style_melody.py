# ruff: noqa: E501  (the report rows are long Markdown table lines; splitting them hurts reading)
"""Style melody benchmark (issue 9): can a classifier tell generated melodies from real held-out tunes?

Per style with a corpus, three sets of melodies are measured with
tunesmith.evaluate.line_features (notes per quarter, range, pitch-class entropy, mean |interval|,
repeated/step/leap shares, chromatic share, duration classes, dotted share, bar repetition, contour
changes, ends on the tonic), each quantised to the sixteenth grid, up to 32 bars from the first
downbeat:

- real: held-out tunes of the style (tunesmith.models.rnn.data.melody_held_out: split by tune content,
  so duplicates under other titles stay on one side; never trained on), encoded exactly as the
  melody model's training data are (chords recognised where a piece has none);
- raw: `generate melody` (tunesmith.models.rnn.api.generate_melody, CLI defaults: temperature 1, top-p
  0.9, and the CLI's copy guard) over each real tune's own chords, key, meter and number of bars,
  seed = its index (plus ``--first-seed`` - 1); with the command's default 3 drafts, the style's melody critic keeping one
  (styles without one: the first draft; ``--candidates 1``: always the first);
- composed: the melody line of `tunesmith compose --style S --seed K` (the body sections, before
  humanisation), seeds 1..N (``--first-seed`` moves them), with compose's default 3 candidates ranked
  (the style critic among the judges); ``--candidates 1`` keeps each piece's first draft instead.

For each generated set against the real one: the mean over features of the overlapping area (OA)
of their distributions, and the 5-fold logistic-regression C2ST accuracy (tunesmith.evaluate.
twosample). Also: in 6/8, the share of notes that start off a beat and are held across the next
one; the longest run of notes copied from any corpus piece (the originality index).

Run:  .venv/bin/python benchmarks/bench_style_melody.py [--real 100] [--pieces 100]
          [--checkpoint PATH] [--sets raw,composed] --json OUT.json
      .venv/bin/python benchmarks/bench_style_melody.py --report BEFORE.json AFTER.json --write benchmarks/results/style_melody.md
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# style -> (composer style or None, collections of its real tunes, model style tag)
STYLES: dict[str, tuple[str | None, tuple[str, ...], str]] = {
    "folk": ("folk", ("nottingham",), "folk"),
    "celtic": ("celtic", ("oneills1850", "ryansMammoth"), "celtic"),
    "waltz": ("waltz", ("nottingham", "oneills1850", "ryansMammoth", "airdsAirs", "miscFolk"), "waltz"),
    "chinese-folk": ("chinese-folk", ("chinese-folk",), "chinese"),
    "chorale": ("chorale", ("bach",), "chorale"),
    "song": (None, ("essen",), "song"),
}
MAX_BARS = 32
COPY_LIMIT = 12


def real_set(style: str, limit: int, against: str = "held-out") -> list[Any]:
    """Held-out encodings of the style's tunes (the training data's encoding, the model's split), at
    most ``limit`` spread evenly over them;
    ``against="training"``: a slice of training tunes as large and as spread over the collections
    as the held-out one (the next tenth of the same hash), to choose settings without the held-out."""
    from tunesmith.corpus.load import load_corpus
    from tunesmith.errors import TunesmithError
    from tunesmith.models.rnn.data import HELD_OUT_FRACTION, melody_held_out
    from tunesmith.models.rnn.train import label_missing_chords
    from tunesmith.tokens import melody as mt

    _, names, tag = STYLES[style]
    corpus = load_corpus(list(names))
    out = []
    for score in label_missing_chords(iter(corpus)):
        if mt.style_of(score.metadata) != tag:
            continue
        try:
            enc = mt.encode_score(score, end=mt.meter_span_end(score))
        except TunesmithError:
            continue
        held = melody_held_out(enc, score.metadata.title)
        if against == "training":
            held = not held and melody_held_out(enc, score.metadata.title, 2 * HELD_OUT_FRACTION)
        if enc.chords.any() and held:
            out.append(enc)
    # Spread over the whole set: the collections are ordered by tune type (O'Neill's jigs first),
    # so its first tunes would be mostly jigs.
    step = max(1.0, len(out) / limit)
    return [out[int(i * step)] for i in range(min(limit, len(out)))]


def raw_line(enc: Any, seed: int, model: Any, candidates: int = 3) -> Any:
    """`generate melody` over a real tune's chords, key, meter and bars, encoded like the tune: the
    command's copy guard and, with ``candidates`` > 1, its style critic among that many drafts."""
    from tunesmith.cli.melody import tune_draft

    return tune_draft(enc, seed, model, candidates, MAX_BARS)


def composed_line(style: str, seed: int, candidates: int = 3) -> tuple[Any, Any, int | None]:
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.tokens import melody as mt

    comp = compose(ComposeRequest(style=style, seed=seed, candidates=candidates))
    plan, best = comp.plan, comp.candidates[0]
    start = plan.sections[0].start_bar * plan.bar_ticks
    end = (plan.sections[-1].start_bar + plan.sections[-1].bars) * plan.bar_ticks
    notes = [n for n in best.melody if start <= n.start < end]
    enc = mt.encode_melody(notes, comp.score.chords, plan.key, str(plan.meter), plan.style.model_style
                           if plan.style.model_style in mt.STYLES else "folk", start=start, end=end, bar_origin=start)
    return notes, enc, best.copied_run


def measure(sets: list[str], real_n: int, pieces: int, checkpoint: str | None, styles: list[str], log: Any,
            save: Any = None, against: str = "held-out", first_seed: int = 1,
            candidates: int = 3) -> dict[str, Any]:
    import numpy as np

    from tunesmith.compose import engines
    from tunesmith.evaluate.line_features import FEATURES, cross_beat_share, grid_line, line_features
    from tunesmith.evaluate.twosample import c2st, overlap_area
    from tunesmith.models.rnn import api

    model = api.load_melody_model(checkpoint) if "raw" in sets else None
    out: dict[str, Any] = {}
    for style in styles:
        started = time.perf_counter()
        real = real_set(style, real_n, against)
        rows: dict[str, list[list[float]]] = {"real": []}
        cross: dict[str, list[float]] = {"real": []}
        copies: dict[str, list[int]] = {}
        for enc in real:
            line = grid_line(enc, MAX_BARS)
            if len(line.notes) >= 2:
                rows["real"].append(line_features(line))
                if enc.meter == "6/8":
                    cross["real"].append(cross_beat_share(line))
        if "raw" in sets:
            rows["raw"], cross["raw"], copies["raw"] = [], [], []
            for i, enc in enumerate(real[:pieces]):
                notes, gen = raw_line(enc, first_seed - 1 + i, model, candidates)
                line = grid_line(gen, MAX_BARS)
                if len(line.notes) >= 2:
                    rows["raw"].append(line_features(line))
                    if gen.meter == "6/8":
                        cross["raw"].append(cross_beat_share(line))
                run = engines.copied_run(notes)
                copies["raw"].append(0 if run is None else run[0])
        composer_style = STYLES[style][0]
        if "composed" in sets and composer_style is not None:
            rows["composed"], cross["composed"], copies["composed"] = [], [], []
            for seed in range(first_seed, first_seed + pieces):
                notes, gen, copied = composed_line(composer_style, seed, candidates)
                line = grid_line(gen, MAX_BARS)
                if len(line.notes) >= 2:
                    rows["composed"].append(line_features(line))
                    if gen.meter == "6/8":
                        cross["composed"].append(cross_beat_share(line))
                copies["composed"].append(copied or 0)
        result: dict[str, Any] = {"n_real": len(rows["real"]), "sets": {}}
        real_x = np.array(rows["real"])
        result["means"] = {"real": dict(zip(FEATURES, real_x.mean(axis=0).round(4).tolist(), strict=True))}
        result["cross_beat_6_8"] = {"real": _mean(cross["real"])}
        for name, values in rows.items():
            if name == "real" or len(values) < 5 or len(real_x) < 5:
                continue
            x = np.array(values)
            oa = {f: overlap_area(real_x[:, k], x[:, k]) for k, f in enumerate(FEATURES)}
            result["sets"][name] = {
                "n": len(values), "mean_oa": float(np.mean(list(oa.values()))), "oa": oa,
                "c2st": c2st(real_x, x), "copied_12": sum(c >= COPY_LIMIT for c in copies[name]),
                "longest_copy": max(copies[name], default=0),
            }
            result["means"][name] = dict(zip(FEATURES, x.mean(axis=0).round(4).tolist(), strict=True))
            result["cross_beat_6_8"][name] = _mean(cross[name])
        result["seconds"] = time.perf_counter() - started
        log(f"{style}: real {result['n_real']}, " + ", ".join(
            f"{k} OA {v['mean_oa']:.3f} C2ST {v['c2st']:.3f}" for k, v in result["sets"].items()))
        out[style] = result
        if save is not None:
            save(out)  # partial results survive an interrupted run
    return out


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def report(before: dict[str, Any], after: dict[str, Any]) -> str:
    from tunesmith.evaluate.line_features import FEATURES

    lines = [
        "# Style melodies: generated vs held-out real tunes (issue 9)",
        "",
        "Goals per style: mean overlapping area (OA) >= 0.75, 5-fold logistic-regression C2ST accuracy <= 0.70",
        "(0.5 = indistinguishable); in 6/8 <= 2% of notes held across the beat; 0 pieces with a copied run of",
        ">= 12 notes. Real = held-out tunes (split by tune content, never trained on). See the",
        "docstring of benchmarks/bench_style_melody.py for what each set is.",
        "",
        f"Before: {before['label']}  ",
        f"After: {after['label']}",
        "",
        "Commands:",
        "",
        f"- before: `{before['command']}`",
        f"- after: `{after['command']}`",
        f"- this table: `{after.get('report_command', '')}`",
        "",
        f"Machine: {after['machine']}",
        "",
        "| style | set | n real / gen before / gen after | mean OA before | mean OA after | C2ST before | C2ST after | 6/8 held across beat (real / before / after) | copied >= 12 (after) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for style, res in after["results"].items():
        old = before["results"].get(style, {})
        for name, cur in res["sets"].items():
            prev = old.get("sets", {}).get(name, {})
            cb_real = res["cross_beat_6_8"].get("real")
            cb_old = old.get("cross_beat_6_8", {}).get(name)
            cb_new = res["cross_beat_6_8"].get(name)
            cross = f"{_fmt(cb_real)} / {_fmt(cb_old)} / {_fmt(cb_new)}" if cb_real is not None else "–"
            lines.append(
                f"| {style} | {name} | {res['n_real']} / {prev.get('n', '–')} / {cur['n']} | {_fmt(prev.get('mean_oa'))} | {_fmt(cur['mean_oa'])} "
                f"| {_fmt(prev.get('c2st'))} | {_fmt(cur['c2st'])} | {cross} | {cur['copied_12']} (longest {cur['longest_copy']}) |"
            )
    lines += ["", "## Feature means (after)", ""]
    for style, res in after["results"].items():
        names = ["real", *res["sets"]]
        lines += [f"### {style}", "", "| feature | " + " | ".join(names) + " | OA " + " | OA ".join(res["sets"]) + " |",
                  "|---|" + "---|" * (len(names) + len(res["sets"]))]
        for f in FEATURES:
            means = [_fmt(res["means"][n][f]) for n in names]
            oas = [_fmt(res["sets"][n]["oa"][f], 2) for n in res["sets"]]
            lines.append(f"| {f} | " + " | ".join(means) + " | " + " | ".join(oas) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", type=int, default=100, help="held-out tunes per style (at most)")
    parser.add_argument("--pieces", type=int, default=100, help="generated melodies per style and set")
    parser.add_argument("--checkpoint", default=None, help="melody checkpoint for the raw set (default: shipped)")
    parser.add_argument("--sets", default="raw,composed")
    parser.add_argument("--styles", default=",".join(STYLES))
    parser.add_argument("--label", default="")
    parser.add_argument("--first-seed", type=int, default=1,
                        help="composed seeds first..first+pieces-1, raw seeds first-1.. (a second set "
                             "shows the noise)")
    parser.add_argument("--candidates", type=int, default=3,
                        help="--candidates of compose and generate melody (their default 3; 1: each "
                             "piece's first draft)")
    parser.add_argument("--against", choices=("held-out", "training"), default="held-out",
                        help="real tunes to compare with: held-out (the report) or training (to choose settings)")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    parser.add_argument("--report", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--write", type=Path, help="the Markdown report (with --report)")
    args = parser.parse_args()
    if args.report:
        before, after = (json.loads(p.read_text()) for p in args.report)
        after["report_command"] = "python " + " ".join(sys.argv)
        text = report(before, after)
        if args.write:
            args.write.write_text(text)
        print(text)
        return
    os.environ.setdefault("TUNESMITH_HOME", tempfile.mkdtemp(prefix="tunesmith-bench-"))
    def save(results: dict[str, Any]) -> None:
        doc = {"label": args.label, "command": "python " + " ".join(sys.argv), "results": results,
               "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"}
        if args.json:
            args.json.write_text(json.dumps(doc, indent=1))

    measure(args.sets.split(","), args.real, args.pieces, args.checkpoint, args.styles.split(","),
            lambda m: print(m, flush=True), save, args.against, args.first_seed, args.candidates)


if __name__ == "__main__":
    main()
