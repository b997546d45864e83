"""Does `tunesmith tune --from-feedback` move the melody model toward a listener's taste?

    .venv/bin/python benchmarks/bench_feedback_tune.py --write benchmarks/results/feedback_tune.md

A simulated listener has a hidden taste that the MELODY model controls: "dense" (many note onsets
per bar) or "sparse" (few). For each taste, in a fresh temporary TUNESMITH_HOME and SQLite store:

1. the current melody model (the shipped checkpoint) generates --pieces melodies with
   tunesmith.models.rnn.api.generate_melody over seeded chord progressions from the shipped chord model
   (fixed style/key/meter sets; no density control, so rhythm is the model's own choice);
2. each piece is saved as MIDI and stored as a generated piece (tunesmith.store.pieces.add_piece,
   as the web service does), and the listener rates it 1-5 from its onsets per bar plus noise
   (tunesmith.store.ratings.rate). The taste reaches the model ONLY through these stars;
3. tunesmith.feedback.tune.tune_from_feedback (the code behind `tunesmith tune --from-feedback`)
   fine-tunes the model on the 4-5 star pieces, reward-weighted, into melody-feedback-v001.pt; the
   shipped checkpoint is kept;
4. the next --pieces melodies are generated with the model tunesmith now loads (the newest tuned
   checkpoint, via load_melody_model()) AND with the shipped one, on the same new progressions and
   seeds, and both are scored by the taste.

"Matches the taste" = onsets per bar on the listener's side of the median of the shipped model's
pieces in step 1 (so about half match before by construction).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (style, key, meter): melody-model style names; the chord model is asked for the same style/mode.
SETTINGS = (
    ("folk", "G", "4/4"),
    ("folk", "D", "3/4"),
    ("celtic", "A minor", "6/8"),
    ("pop", "C", "4/4"),
    ("lullaby", "E minor", "3/4"),
    ("march", "F", "2/4"),
)
BARS = 8


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pieces", type=int, default=50, help="pieces rated, and pieces measured after")
    parser.add_argument("--tastes", default="dense,sparse,indifferent")
    parser.add_argument("--epochs", default="3,10", help="fine-tuning epochs to try (comma-separated)")
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--top-p", type=float, default=0.9, help="nucleus sampling (API default 0.9)")
    parser.add_argument("--repeats", type=int, default=4, help="independent runs (seed, seed+1, ...)")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)  # shared machine

    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    medians = []
    for rep in range(args.repeats):
        rows_, median = one_repeat(args, args.seed + rep)
        rows.extend(rows_)
        medians.append(median)
    elapsed = time.perf_counter() - started
    write_report(rows, args, medians, elapsed)


def one_repeat(args: argparse.Namespace, seed: int) -> tuple[list[dict[str, Any]], float]:
    from tunesmith.models.rnn import api

    shipped = api.load_melody_model(api.MELODY_CHECKPOINT)
    chord_model = api.load_chord_model()
    rng = random.Random(seed)

    def trials(n: int) -> list[tuple[tuple[str, str, str], list[tuple[str, int]], int]]:
        out = []
        for _ in range(n):
            style, key, meter = rng.choice(SETTINGS)
            piece_seed = rng.randrange(1 << 30)
            chords = api.generate_chords(
                style, key=key, meter=meter, bars=BARS, seed=piece_seed, model=chord_model
            )
            out.append(((style, key, meter), chords, piece_seed))
        return out

    def generate(trial: Any, model: Any) -> Any:
        from tunesmith.score import (
            ChordSymbol,
            KeySignature,
            Metadata,
            Score,
            TempoChange,
            TimeSignature,
            Track,
        )  # fmt: skip

        (style, key, meter), chords, piece_seed = trial
        melody = api.generate_melody(
            chords, key, meter, BARS, style, seed=piece_seed, model=model, top_p=args.top_p
        )
        k = api.as_key(key)
        num, den = (int(x) for x in meter.split("/"))
        symbols = api.layout_chords(chords, BARS * num * 480 * 4 // den)
        return Score(
            tracks=[Track(name="melody", program=0, notes=melody.notes)],
            tempos=[TempoChange(0, 100.0)],
            time_signatures=[TimeSignature(0, num, den)],
            key_signatures=[KeySignature(0, k.fifths, "minor" if k.is_minor else "major")],
            chords=[ChordSymbol(c.tick, c.figure) for c in symbols],
            metadata=Metadata(style_tags=[style]),  # stored in the MIDI: tuning sees the right style
        )

    def onsets_per_bar(score: Any) -> float:
        return len({n.start for n in score.tracks[0].notes}) / BARS

    rating_trials = trials(args.pieces)
    after_trials = trials(args.pieces)
    base_rated = [generate(t, shipped) for t in rating_trials]
    base_after = [generate(t, shipped) for t in after_trials]
    median = statistics.median(onsets_per_bar(s) for s in base_rated)
    spread = statistics.pstdev(onsets_per_bar(s) for s in base_rated) or 1.0

    def dense_fit(x: float) -> float:
        return min(1.0, max(0.0, 0.5 + (x - median) / (2 * spread)))

    # A graded fit in 0..1 around the median (stars follow it); a piece "matches" at fit > 0.5.
    # "indifferent" is the control: stars uniformly at random, so any drift it shows is what
    # fine-tuning on the model's own samples does regardless of taste (measured on the dense side).
    fits: dict[str, Callable[[float], float]] = {
        "dense": dense_fit,
        "sparse": lambda x: 1.0 - dense_fit(x),
        "indifferent": dense_fit,
    }
    rows = []
    for epochs in (int(e) for e in args.epochs.split(",")):
        for taste in args.tastes.split(","):
            row = run_taste(
                taste, fits[taste], base_rated, base_after, after_trials, generate, onsets_per_bar,
                epochs, args.lr, seed,
            )  # fmt: skip
            rows.append(row)
            print({k: v for k, v in row.items() if k != "checkpoint"}, file=sys.stderr)
    return rows, median


def run_taste(
    taste: str,
    fit: Callable[[float], float],
    base_rated: list[Any],
    base_after: list[Any],
    after_trials: list[Any],
    generate: Callable[[Any, Any], Any],
    feature: Callable[[Any], float],
    epochs: int,
    lr: float,
    seed: int,
) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix=f"tunesmith-bench-tune-{taste}-"))
    os.environ["TUNESMITH_HOME"] = str(home)  # read at call time by paths.data_dir()

    from tunesmith.feedback.tune import tune_from_feedback
    from tunesmith.io import save
    from tunesmith.models.rnn import api
    from tunesmith.store import open_store
    from tunesmith.store.pieces import add_piece
    from tunesmith.store.ratings import rate

    noise = random.Random(f"{seed}-{taste}")
    store = open_store(f"sqlite:///{home / 'bench.db'}")
    stars_given = []
    with store.session() as session:
        for i, score in enumerate(base_rated):
            file = home / f"rated-{i}.mid"
            save(score, file)
            piece, _ = add_piece(session, score, source="generated", fmt=".mid", file_data=file.read_bytes())
            if taste == "indifferent":
                stars = noise.randint(1, 5)
            else:
                stars = round(min(5.0, max(1.0, 1.0 + 4.0 * fit(feature(score)) + noise.gauss(0.0, 0.6))))
            rate(session, taste, piece.id, stars)
            stars_given.append(stars)
    result = tune_from_feedback(store, user=taste, epochs=epochs, lr=lr, seed=seed)
    store.close()
    tuned_path = api.current_melody_checkpoint()
    assert tuned_path == result.checkpoint and api.MELODY_CHECKPOINT.is_file()
    tuned = api.load_melody_model()  # what composing loads now: the newest tuned checkpoint
    after = [generate(t, tuned) for t in after_trials]
    before_x = [feature(s) for s in base_after]
    after_x = [feature(s) for s in after]
    rated_x = [feature(s) for s in base_rated]
    return {
        "taste": taste,
        "epochs": epochs,
        "seed": seed,
        "rated_share": sum(fit(x) > 0.5 for x in rated_x) / len(rated_x),
        "before_share": sum(fit(x) > 0.5 for x in before_x) / len(before_x),
        "after_share": sum(fit(x) > 0.5 for x in after_x) / len(after_x),
        "before_mean": statistics.mean(before_x),
        "after_mean": statistics.mean(after_x),
        "liked": result.pieces,
        "stars": statistics.mean(stars_given),
        "windows": result.windows,
        "loss": (result.loss_before, result.loss_after),
        "checkpoint": result.checkpoint.name,
        "previous": result.previous.name,
    }


def write_report(
    rows: list[dict[str, Any]], args: argparse.Namespace, medians: list[float], elapsed: float
) -> None:
    seeds = sorted({r["seed"] for r in rows})
    lines = [
        "# Feedback fine-tuning: does `tune --from-feedback` move the melody model toward a taste?",
        "",
        "Command: `.venv/bin/python benchmarks/bench_feedback_tune.py"
        " --write benchmarks/results/feedback_tune.md`",
        "",
        f"Per simulated listener and run: {args.pieces} melodies from the shipped melody LSTM "
        f"(`generate_melody`, {BARS} bars over seeded chord-model progressions, top_p {args.top_p}, "
        "no density control) are "
        "stored as generated pieces (SQLite store in a temporary TUNESMITH_HOME) and rated 1-5 by the "
        "hidden taste + Gaussian noise (sd 0.6 stars); `tune_from_feedback(user=...)` (the code of "
        f"`tunesmith tune --from-feedback --user NAME --epochs N`; min 4 stars, lr {args.lr}) writes "
        "`melody-feedback-v001.pt` and keeps the shipped checkpoint; then the next "
        f"{args.pieces} pieces (new progressions and seeds, the same for before and after) are generated by "
        "the shipped model (before) and by the model tunesmith now loads, the tuned one (after). "
        "Taste feature: note onsets per bar. Match = on the listener's side of the median of the "
        f"shipped model's rated pieces (medians {', '.join(f'{m:.2f}' for m in medians)} per run). "
        "`indifferent` is the control: uniformly random stars, its share counted on the dense side, so "
        "it shows what fine-tuning on the model's own samples does with no taste at all. "
        f"Runs: seeds {', '.join(map(str, seeds))}; {elapsed:.0f} s in all on this machine "
        "(2 shared cores, 1 torch thread).",
        "",
        f"## Mean over {len(seeds)} runs ({args.pieces} rated + {args.pieces} measured pieces each)",
        "",
        "| hidden taste | epochs | share matching: before | after | runs where after > before "
        "| onsets/bar: before | after |",
        "|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["epochs"], r["taste"]), []).append(r)
    for (epochs, taste), rs in groups.items():
        wins = sum(r["after_share"] > r["before_share"] for r in rs)
        lines.append(
            f"| {taste} | {epochs} | {statistics.mean(r['before_share'] for r in rs):.0%} | "
            f"**{statistics.mean(r['after_share'] for r in rs):.0%}** | {wins}/{len(rs)} | "
            f"{statistics.mean(r['before_mean'] for r in rs):.2f} | "
            f"**{statistics.mean(r['after_mean'] for r in rs):.2f}** |"
        )
    lines += [
        "",
        "## Every run",
        "",
        "| seed | hidden taste | epochs | mean stars | pieces rated 4-5 | weighted loss before -> after "
        "| share before | after | onsets/bar before | after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['seed']} | {r['taste']} | {r['epochs']} | {r['stars']:.2f} | {r['liked']} | "
            f"{r['loss'][0]:.3f} -> {r['loss'][1]:.3f} | {r['before_share']:.0%} | {r['after_share']:.0%} | "
            f"{r['before_mean']:.2f} | {r['after_mean']:.2f} |"
        )
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.write:
        from tunesmith.fileutil import write_bytes_atomic

        existing = args.write.read_text(encoding="utf-8") if args.write.is_file() else ""
        marker = "\n## Reading"
        tail = existing[existing.index(marker) :] if marker in existing else ""
        write_bytes_atomic(args.write, (text + tail).encode("utf-8"))


if __name__ == "__main__":
    main()
