"""Speed of the VAE and GAN user features on this CPU (one torch thread).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_vaegan.py [--vae CKPT] [--gan CKPT] [--repeats 30]

Writes benchmarks/results/vaegan_speed.md: median and 90th-percentile wall time of
- one variation of a 4-bar 4/4 phrase (``vary_phrase``: encode + greedy decode),
- one interpolation step (one slerp point decoded) and a whole 5-step ``interpolate_phrases``,
- 8 bars of GAN melody (``gan_api.generate_melody``), and the critic ``score`` of an 8-bar piece.
Models are loaded (and warmed up by one call) before timing. The machine is shared, so the load
average at the time is recorded with the numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from tunesmith.fileutil import write_text_atomic
from tunesmith.models.gan import api as gan_api
from tunesmith.models.vae import api as vae_api
from tunesmith.score import ChordSymbol, Metadata, Note, Score, TimeSignature, Track

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_MS = 50.0


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """(median wall ms, 90th-percentile wall ms, median CPU ms of this process)."""
    fn()
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return float(np.median(times)), float(np.percentile(times, 90)), float(np.median(cpu))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vae")
    parser.add_argument("--gan")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)
    vae = vae_api.load_vae(args.vae)
    gan = gan_api.load_gan(args.gan)
    # A 4-bar phrase in G over G C D G: quarter and eighth notes.
    pitches = [67, 71, 74, 71, 72, 76, 79, 76, 74, 78, 81, 78, 79, 74, 71, 67]
    phrase = [Note(p, i * 480, 480) for i, p in enumerate(pitches)]
    other = [Note(p - 5 + (i % 3), i * 480, 480) for i, p in enumerate(reversed(pitches))]
    chords = [ChordSymbol(0, "G"), ChordSymbol(1920, "C"), ChordSymbol(3840, "D"), ChordSymbol(5760, "G")]
    p = vae_api.make_phrase(phrase, 4, "4/4", key="G", chords=chords, model=vae)
    za, zb = vae_api.encode(p, vae), vae_api.encode(vae_api.make_phrase(other, 4, "4/4", key="G"), vae)
    progression = [("Am", 1920), ("F", 1920), ("C", 1920), ("G", 1920)]
    piece = Score(
        tracks=[Track("melody", 0, False, gan_api.generate_melody(progression, "Am", "4/4", 8, model=gan))],
        time_signatures=[TimeSignature(0, 4, 4)],
        chords=[ChordSymbol(i * 1920, f) for i, (f, _) in enumerate(progression * 2)],
        metadata=Metadata(title="bench"),
    )
    rows = [
        ("one variation of a 4-bar phrase (`vary_phrase`)",
         lambda: vae_api.vary_phrase(phrase, 4, "4/4", 0.3, seed=1, key="G", chords=chords, model=vae)),
        ("one interpolation step (decode one slerp point, 4 bars)",
         lambda: vae_api.decode(vae_api.slerp(za, zb, 0.5)[None], p, vae)),
        ("whole 5-step interpolation (`interpolate_phrases`, 2 encodes + 3 decodes)",
         lambda: vae_api.interpolate_phrases(phrase, other, 4, "4/4", 5, key="G", key_b="G", chords=chords,
                                             model=vae)),
        ("8 GAN bars (`gan_api.generate_melody`)",
         lambda: gan_api.generate_melody(progression, "Am", "4/4", 8, seed=2, model=gan)),
        ("critic score of an 8-bar piece (`gan_api.score`)", lambda: gan_api.score(piece, gan)),
    ]  # fmt: skip
    load = os.getloadavg()
    lines = [
        "# VAE and GAN speed (CPU, one torch thread)\n",
        "Command: `OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_vaegan.py "
        f"{' '.join(sys.argv[1:])}`\n",
        f"Machine: {os.cpu_count()} CPU cores shared with other work; load average at start "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min). {args.repeats} timed runs each "
        "after one "
        f"warm-up; models loaded beforehand. Goal: under {GOAL_MS:.0f} ms. Wall time waits for the shared "
        "cores; CPU time (this process's, single-threaded) is what the work itself costs, i.e. the wall time "
        "on an idle core.\n",
        "| operation | median wall ms | 90th pct wall ms | median CPU ms | goal met (wall / CPU) |",
        "|---|---|---|---|---|",
    ]
    for name, fn in rows:
        median, p90, cpu = timed(fn, args.repeats)
        met = f"{'yes' if median < GOAL_MS else 'no'} / {'yes' if cpu < GOAL_MS else 'no'}"
        lines.append(f"| {name} | {median:.1f} | {p90:.1f} | {cpu:.1f} | {met} |")
        print(lines[-1], flush=True)
    load = os.getloadavg()
    lines.append(f"\nLoad average at the end: {load[0]:.1f}.\n")
    write_text_atomic(RESULTS / "vaegan_speed.md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
