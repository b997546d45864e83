"""Originality index speed: build time over the built-in corpus, and query time for a 32-bar melody.

Also times the per-piece metrics (what `tunesmith evaluate --against` spends on a corpus sample).

    .venv/bin/python benchmarks/bench_originality.py            # print the results
    .venv/bin/python benchmarks/bench_originality.py --write    # also write benchmarks/results/originality.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tunesmith.corpus import load_corpus
from tunesmith.evaluate.metrics import metrics
from tunesmith.evaluate.originality import (
    OriginalityIndex,
    find_similar,
    index_from_corpus,
    is_original,
    longest_copied_run,
    suffix_array,
)
from tunesmith.fileutil import write_text_atomic
from tunesmith.score import Note
from tunesmith.theory.melodyline import melody_notes

RESULTS = Path(__file__).parent / "results" / "originality.md"
Q = 480


def random_melody(rng: np.random.Generator, bars: int = 32) -> list[Note]:
    """A 4/4 melody of eighths and quarters (about 6 notes a bar), a bounded random walk."""
    notes, tick, pitch = [], 0, 67
    while tick < bars * 4 * Q:
        step = int(rng.choice([-4, -3, -2, -1, 0, 1, 2, 3, 4, 5, -5, 7]))
        pitch = pitch + step if 55 <= pitch + step <= 84 else pitch - step
        dur = int(rng.choice([Q // 2, Q // 2, Q]))
        notes.append(Note(pitch, tick, dur))
        tick += dur
    return notes


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and max wall time in ms over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collections", nargs="*", default=None, help="default: every built collection")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS}")
    args = parser.parse_args()

    t0 = time.perf_counter()
    corpus = load_corpus(args.collections)
    t_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    index = index_from_corpus(corpus)  # melody extraction + suffix array
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    suffix_array(index.text)
    t_sa = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        t0 = time.perf_counter()
        index.save(path)
        t_save = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        OriginalityIndex.load(path)
        t_reload = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    melody = random_melody(rng)
    # The same melody with 12 notes of a corpus piece spliced in, up a fourth.
    source_piece = next(i for i in range(len(corpus)) if len(index.piece_sequence(i)) >= 60)
    src_pitches = [n.pitch for n in melody_notes(corpus[source_piece])][20:32]
    copied = list(melody)
    for k, p in enumerate(src_pitches):
        copied[100 + k] = Note(p + 5, copied[100 + k].start, copied[100 + k].duration)
    run_random = longest_copied_run(melody, index)
    run_copied = longest_copied_run(copied, index)

    q_med, q_max = timed(lambda: longest_copied_run(melody, index), args.repeats)
    o_med, o_max = timed(lambda: is_original(copied, index), args.repeats)
    s_med, s_max = timed(lambda: find_similar(melody, index, top=5), max(5, args.repeats // 5))

    sample = [corpus[i] for i in sorted(np.random.default_rng(0).choice(len(corpus), 200, replace=False))]
    t0 = time.perf_counter()
    for score in sample:
        metrics(score)
    t_metrics = (time.perf_counter() - t0) / len(sample) * 1000

    collections = ", ".join(corpus.collections)
    lines = [
        "# Originality index and metrics speed",
        "",
        "Command: `.venv/bin/python benchmarks/bench_originality.py --write`"
        + (f" (collections: {' '.join(args.collections)})" if args.collections else ""),
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f} when run (other jobs shared the CPU: upper bounds).",
        "",
        f"Corpus: {len(corpus)} pieces ({collections}); {len(index.text):,} indexed symbols "
        "(one per melody interval, plus one separator per piece).",
        "",
        "| step | time |",
        "|---|---|",
        f"| load the corpus cache | {t_load:.2f} s |",
        f"| build the index (melody lines + suffix array) | {t_build:.2f} s |",
        f"| of which the suffix array alone | {t_sa:.2f} s |",
        f"| save the index (.npz, {size_mb:.1f} MB) / load it again | {t_save:.2f} s / {t_reload:.3f} s |",
        f"| `longest_copied_run`, 32-bar melody ({len(melody)} notes): median / max | "
        f"{q_med:.1f} ms / {q_max:.1f} ms |",
        f"| `is_original`, the same with 12 notes copied: median / max | {o_med:.1f} ms / {o_max:.1f} ms |",
        f"| `find_similar(top=5)`, 32-bar melody: median / max | {s_med:.1f} ms / {s_max:.1f} ms |",
        f"| `metrics(score)` per corpus piece (mean over 200) | {t_metrics:.1f} ms |",
        "",
        f"Answers: random melody → longest copied run {run_random.length} notes; with 12 notes of "
        f"“{index.ids[source_piece]}” spliced in a fourth higher → {run_copied.length} notes from "
        f"“{run_copied.piece}”.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(RESULTS, text)


if __name__ == "__main__":
    main()
