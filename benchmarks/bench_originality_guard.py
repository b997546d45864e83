"""The composer's near-copy guard (tunesmith.evaluate.similarity via compose.engines.near_copy):
how often it changes a piece, and what it costs.

Usage:
    nice -n 15 .venv/bin/python benchmarks/bench_originality_guard.py [--pieces 100] \
        [--write benchmarks/results/originality_guard.md]

For every style, ``--pieces`` pieces of 32 bars (seeds 1..N, default controls otherwise: 3 candidates)
are composed symbolically. A piece is "changed" when the guard rejected at least one of its
melodies as a near-copy (similarity ≥ compose.api.NEAR_COPY_SIMILARITY to a corpus work) and a new
one was generated. The cost is the time spent in the guard's searches, against the whole compose.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

LOAD_START = f"{os.getloadavg()[0]:.1f}"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tunesmith.compose import api, engines  # noqa: E402
from tunesmith.compose.request import ComposeRequest  # noqa: E402
from tunesmith.compose.styles import available_styles  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pieces", type=int, default=100)
    parser.add_argument("--styles", help="comma-separated styles (default: all)")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    calls: list[tuple[float, float]] = []  # (seconds, similarity)
    original = engines.near_copy

    def timed(melody, meter):
        t = time.perf_counter()
        out = original(melody, meter)
        calls.append((time.perf_counter() - t, out[0] if out else -1.0))
        return out

    engines.near_copy = timed
    api.compose(ComposeRequest(style="folk", bars=32, seed=0))  # load models and indexes once
    calls.clear()
    rows = []
    styles = args.styles.split(",") if args.styles else available_styles()
    for style in styles:
        changed, total_s, guard_s, sims, rejected = 0, [], [], [], 0
        for seed in range(1, args.pieces + 1):
            start = len(calls)
            t = time.perf_counter()
            comp = api.compose(ComposeRequest(style=style, bars=32, seed=seed))
            total_s.append(time.perf_counter() - t)
            mine = calls[start:]
            guard_s.append(sum(c[0] for c in mine))
            hits = sum(1 for c in mine if c[1] >= api.NEAR_COPY_SIMILARITY)
            rejected += hits
            changed += hits > 0
            sims += [c.near_copy[0] for c in comp.candidates if c.near_copy]
        rows.append(
            (
                style,
                changed,
                rejected,
                statistics.median(total_s),
                statistics.median(guard_s),
                sum(guard_s) / sum(total_s),
                max(sims) if sims else float("nan"),
                statistics.median(sims) if sims else float("nan"),
            )
        )
        print(rows[-1], flush=True)
    lines = [
        "# Composer's near-copy guard",
        "",
        f"Command: `nice -n 15 .venv/bin/python benchmarks/bench_originality_guard.py --pieces {args.pieces} "
        + (f"--styles {args.styles} " if args.styles else "")
        + "--write benchmarks/results/originality_guard.md` (2 CPU cores shared with other jobs; "
        f"load average {LOAD_START} at the start, {os.getloadavg()[0]:.1f} at the end).",
        "",
        f"{args.pieces} pieces of 32 bars per style (seeds 1..{args.pieces}, 3 candidates each, symbolic). "
        f"Near-copy: similarity ≥ {api.NEAR_COPY_SIMILARITY} to a corpus work (changed notes, ornaments, "
        "rhythm and key forgiven).",
        "",
        "| style | pieces changed | melodies rejected | compose median s | guard median s per piece | "
        "guard share of compose time | best similarity of a kept melody: max / median |",
        "|---|---|---|---|---|---|---|",
    ]
    for style, changed, rejected, total, guard, share, top, med in rows:
        lines.append(
            f"| {style} | {changed}/{args.pieces} = {changed / args.pieces:.0%} | {rejected} | {total:.3f} | "
            f"{guard:.3f} | {share:.0%} | {top:.2f} / {med:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
