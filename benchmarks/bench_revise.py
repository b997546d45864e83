"""End-to-end time of a revision: replay the piece JSON, regenerate 8 bars, write files with audio.

    nice -n 10 .venv/bin/python benchmarks/bench_revise.py [--write benchmarks/results/revise_speed.md]

For each of a few default pieces (style folk, rnn melody, one candidate) the stages are timed:
replaying the JSON (compose again, then the recorded revisions), the revision itself (8 bars of
the melody, or of all tracks), and writing MIDI + JSON, then WAV (render and master). The baseline
in the same run is compose itself (the replay's largest part). Symbolic = replay + revision.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

SEEDS = (1, 2, 3, 4, 5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from tunesmith.cocreate import Step, load_version, read_piece_json, revise
    from tunesmith.compose import engines
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.render.piece import write_files

    def unchecked(_melody: object) -> None:
        return None  # the corpus copy check is measured in compose's own benchmark

    engines.copied_run = unchecked  # type: ignore[assignment]
    times: dict[str, list[float]] = {}

    def timed(name: str, start: float) -> None:
        times.setdefault(name, []).append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp:
        for seed in SEEDS:
            out = Path(tmp) / str(seed)
            piece = compose(ComposeRequest(style="folk", seed=seed, candidates=1))
            path = write_files(piece, out, formats=["json"], record=False)["json"]
            t = time.perf_counter()
            compose(ComposeRequest(style="folk", seed=seed, candidates=1))
            timed("compose (baseline)", t)
            t = time.perf_counter()
            version = load_version(read_piece_json(path))
            timed("replay JSON", t)
            for track in ("melody", "all"):
                t = time.perf_counter()
                child = revise(version, Step(track, seed=seed, bars="9-16"))
                timed(f"revise 8 bars ({track})", t)
            t = time.perf_counter()
            write_files(child.composition(), out / "v2", formats=["mid", "json"], record=False)
            timed("write MIDI + JSON", t)
            t = time.perf_counter()
            write_files(child.composition(), out / "v2", formats=["wav"], record=False)
            timed("write WAV (render + master)", t)
    lines = [
        "# Revision speed, end to end",
        "",
        "Command: `nice -n 10 .venv/bin/python benchmarks/bench_revise.py "
        "--write benchmarks/results/revise_speed.md`",
        "",
        f"Default folk pieces (rnn melody, 1 candidate), seeds {', '.join(map(str, SEEDS))}; "
        "one torch thread.",
        "",
        "| stage | median s | max s |",
        "|---|---|---|",
    ]
    for name, values in times.items():
        lines.append(f"| {name} | {statistics.median(values):.3f} | {max(values):.3f} |")
    symbolic = [a + b for a, b in zip(times["replay JSON"], times["revise 8 bars (all)"], strict=True)]
    lines += [
        "",
        f"Symbolic (replay + revise all tracks): median {statistics.median(symbolic):.3f} s.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
