"""Compose-job throughput with 1 and 2 worker processes, on real processes over one store and queue.

Usage:
    nice -n 10 .venv/bin/python benchmarks/bench_jobs.py [--jobs 100] [--write benchmarks/results/jobs.md]

For each worker count: two web processes (``tunesmith serve --processes 2 --workers 0``) and N
``tunesmith worker`` processes over a SQLite store and the SQLite (Huey) queue. One warm-up job per
worker (imports, first compose) is left out; then JOBS tiny compose jobs (rules model, 4 bars, one
candidate, MIDI only) are submitted at once and timed until the last one is done; then 1,000 reads
and 100 rating writes go out at once. The originality check is off (as in the tests: it needs an
index of the corpus built per machine). The machine's load average is printed with the result: the
machine is shared, so the numbers are only comparable within one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.web.procs import run_load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--bars", type=int, default=4)
    parser.add_argument("--candidates", type=int, default=1)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    rows = []
    for workers in args.workers:
        before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
            job = {"style": "folk", "bars": args.bars, "form": "A" if args.bars < 8 else "AB",
                   "candidates": args.candidates, "model": "rules"}
            ratings = min(100, args.jobs * args.candidates)
            result = run_load(Path(tmp), worker_processes=workers, jobs=args.jobs, ratings=ratings, job=job)
        after = os.getloadavg()[0]
        row = (
            f"| {workers} | {args.jobs} | {result['submit_s']:.1f} | {result['compose_s']:.1f} | "
            f"{result['jobs_per_s']:.2f} | {result['reads_and_ratings_s']:.1f} | {before:.1f} / {after:.1f} |"
        )
        print(row, flush=True)
        rows.append(row)
    text = "\n".join([
        f"Jobs: rules model, {args.bars} bars, {args.candidates} candidate(s), MIDI only.",
        "",
        "| worker processes | jobs | submit all (s) | all done (s) | jobs/s | 1,000 reads + 100 ratings (s) "
        "| load avg before / after |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ])
    print(text)
    if args.write:
        with args.write.open("a") as f:
            f.write(text + "\n\n")


if __name__ == "__main__":
    main()
