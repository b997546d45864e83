"""Corpus build time and cached reload time.

    .venv/bin/python benchmarks/bench_corpus.py --home /tmp/tunesmith-bench --workers 2 \
        --write benchmarks/results/corpus.md

Builds every collection into ``<home>/corpus`` (TUNESMITH_HOME=<home>; files whose content and parser
version match that cache are reused, so point --home at an empty folder for a full build), then loads
the cache again several times: in this process (median of --loads) and in a fresh interpreter (what
a command pays: imports included). ``--no-build`` only measures the reload of an existing cache and
reports the build_report.json the last build left there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _shown_args(argv: list[str]) -> str:
    """The command line with each --note's text elided (it is printed under Notes)."""
    shown = []
    for i, arg in enumerate(argv):
        shown.append('"..."' if i > 0 and argv[i - 1] == "--note" else shlex.quote(arg))
    return " ".join(shown)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, required=True, help="TUNESMITH_HOME to build into")
    parser.add_argument("--workers", type=int, default=None, help="parser processes (default: all cores)")
    parser.add_argument("--loads", type=int, default=7, help="reloads to take the median of")
    parser.add_argument("--no-build", action="store_true", help="measure reloads of an existing cache")
    parser.add_argument("--note", action="append", default=[], help="a line for the results' notes")
    parser.add_argument("--write", type=Path, help="write the Markdown results here")
    args = parser.parse_args()

    os.environ["TUNESMITH_HOME"] = str(args.home)
    args.home.mkdir(parents=True, exist_ok=True)
    from tunesmith.corpus.build import build_corpus
    from tunesmith.corpus.load import load_corpus

    load_before = os.getloadavg()[0]
    if not args.no_build:
        build_corpus(workers=args.workers, progress=sys.stderr.isatty())
    report = json.loads((args.home / "corpus" / "build_report.json").read_text())

    warm = []
    for _ in range(args.loads):
        t = time.perf_counter()
        corpus = load_corpus()
        _ = corpus.pieces
        warm.append(time.perf_counter() - t)
    t = time.perf_counter()
    first_score = corpus[0]
    decode_first = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(0, len(corpus), max(1, len(corpus) // 1000)):
        corpus[i]
    decoded = len(range(0, len(corpus), max(1, len(corpus) // 1000)))
    decode_each = (time.perf_counter() - t) / decoded

    code = "from tunesmith.corpus import load_corpus; c = load_corpus(); c.pieces"
    cold = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())
        cold.append(time.perf_counter() - t)

    sizes = {p.stem: p.stat().st_size for p in (args.home / "corpus").glob("*.npz")}
    lines = [
        "# Built-in corpus: build time and cached reload time",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_corpus.py {_shown_args(sys.argv[1:])}`"
        + (" (each --note is one line under Notes)" if args.note else ""),
        "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}; load average {load_before:.1f} when it started (the machine is "
        "shared, so times are upper bounds).",
        "",
        "## Build",
        "",
        f"Last build: {report['seconds']:.0f} s wall, {report['parsed_units']} pieces parsed from "
        f"{report['parsed_files']} files; {report['pieces']} pieces cached, {report['skipped']} skipped.",
        "",
        "| collection | files | files parsed | files reused | pieces | skipped | cache size |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in report["collections"]:
        size = sizes.get(c["name"], 0) / 1e6
        lines.append(
            f"| {c['name']} | {c['files']} | {c['files_parsed']} | {c['files_reused']} | {c['pieces']} | "
            f"{c['skipped']} | {size:.2f} MB |"
        )
    lines += [
        f"| **total** | {sum(c['files'] for c in report['collections'])} | | | {report['pieces']} | "
        f"{report['skipped']} | {sum(sizes.values()) / 1e6:.2f} MB |",
        "",
        "Skipped pieces by reason (each piece with its file and tune is in `<home>/corpus/build.log`):",
        "",
    ]
    lines += [f"- {count}: {reason}" for reason, count in report["skip_reasons"].items()] or ["- none"]
    lines += [
        "",
        "Pieces that kept a key signature, a time signature and chord symbols (only some sources "
        "have chord symbols; Essen's 'M:FREI' tunes have no meter):",
        "",
        "| collection | pieces | with key | with meter | with chord symbols |",
        "|---|---|---|---|---|",
    ]
    kept: dict[str, list[int]] = {}
    for info in corpus.pieces:
        row = kept.setdefault(info.collection, [0, 0, 0, 0])
        row[0] += 1
        row[1] += bool(info.key)
        row[2] += bool(info.meter)
        row[3] += info.chord_count > 0
    lines += [f"| {name} | {a} | {b} | {c} | {d} |" for name, (a, b, c, d) in kept.items()]
    lines += [
        "",
        "## Reload",
        "",
        f"- `load_corpus()` of all {len(corpus)} pieces ({len(corpus.collections)} collections), summary "
        f"metadata built: median {statistics.median(warm) * 1000:.0f} ms over {args.loads} loads "
        f"(min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f}).",
        f"- Same in a fresh interpreter, imports included: median {statistics.median(cold):.2f} s "
        "over 3 runs.",
        f"- Decoding Scores lazily: first {decode_first * 1000:.0f} ms (decompresses notes and detail), "
        f"then {decode_each * 1000:.2f} ms per piece ({decoded} pieces sampled; first: "
        f"'{first_score.metadata.title}').",
    ]
    if args.note:
        lines += ["", "## Notes", "", *[f"- {n}" for n in args.note]]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text)


if __name__ == "__main__":
    main()
