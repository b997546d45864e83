"""Four-part harmonisation on held-out Bach chorale melodies, with Bach's own settings beside it.

    TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_harmonize.py [--n 50] [--baseline 10]

Held out: chorales never used to fit anything the harmoniser uses — the neural harmonizer's
validation split (one in ten by a hash of the file name, as tunesmith.models.poly.harmonize splits them)
and the four-part Bach pieces of music21's corpus outside its chorale iterator (the chord-transition
prior is counted on the other chorales only; tunesmith.models.chord_prior). The first ``--n`` by
name are set from their soprano line alone (fermatas mark the phrase ends, as in the hymnal), and
measured the same way as Bach's own four parts:

- consecutive fifths/octaves (parallel or contrary, between any two voices, where both move) per 100
  chord changes;
- notes inside the SATB ranges (alto 55-74, tenor 48-69, bass 40-62; the soprano is Bach's);
- chord changes per beat (each quarter-note beat labelled with tunesmith.theory.fourpart.beat_labels).

``--baseline N`` also runs the neural sampler (engine "model", the previous default) on the first N.
Writes benchmarks/results/harmonize.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from tunesmith.models.chorale import set_melody
from tunesmith.models.chord_prior import bach_chorales
from tunesmith.score import Note, Score, TimeSignature, Track
from tunesmith.theory import fourpart

LOWER_RANGES = (fourpart.ALTO, fourpart.TENOR, fourpart.BASS)


def _stats(parts: list[list[tuple[int, int, int]]], tonic: int, minor: bool) -> dict[str, float]:
    labels = fourpart.beat_labels(parts, 480, tonic, minor)
    lower = parts[1:4]
    in_range = sum(
        lo <= p <= hi for part, (lo, hi) in zip(lower, LOWER_RANGES, strict=True) for p, _, _ in part
    )
    return {
        "parallels": fourpart.parallels(parts),
        "changes": fourpart.chord_changes(labels),
        "beats": sum(1 for lab in labels if lab),
        "notes": sum(len(p) for p in lower),
        "in_range": in_range,
    }


def _model_parts(ch: dict[str, Any]) -> list[list[tuple[int, int, int]]]:
    from tunesmith.models.poly.harmonize import harmonize
    from tunesmith.theory.key import Key

    melody = [Note(p, s, d) for p, s, d in ch["parts"][0]]
    key = Key(ch["tonic"], "minor" if ch["minor"] else "major")
    source = Score(
        tracks=[Track("S", 52, False, melody)],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[key.to_signature(0)],
    )
    out = harmonize(source, seed=0, engine="model")
    return [[(n.pitch, n.start, n.duration) for n in t.notes] for t in out.tracks[:4]]


def _row(name: str, s: dict[str, float]) -> str:
    per100 = 100 * s["parallels"] / max(1, s["changes"])
    return (
        f"| {name} | {s['pieces']:.0f} | {s['beats']:.0f} | {s['parallels']:.0f} | {s['changes']:.0f} | "
        f"{per100:.2f} | {100 * s['in_range'] / max(1, s['notes']):.1f}% | "
        f"{s['changes'] / max(1, s['beats']):.3f} | {s['seconds']:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--baseline", type=int, default=10)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "harmonize.md"))
    args = parser.parse_args()
    chorales = sorted((c for c in bach_chorales() if c["split"] == "heldout"), key=lambda c: c["name"])[
        : args.n
    ]
    totals: dict[str, dict[str, float]] = {}

    def add(kind: str, stats: dict[str, float], seconds: float) -> None:
        t = totals.setdefault(kind, {"pieces": 0, "seconds": 0.0})
        t["pieces"] += 1
        t["seconds"] += seconds
        for k, v in stats.items():
            t[k] = t.get(k, 0) + v

    for i, ch in enumerate(chorales):
        melody = [Note(p, s, d) for p, s, d in ch["parts"][0]]
        t0 = time.perf_counter()
        setting = set_melody(melody, ch["tonic"], ch["minor"], 480, cadence_ticks=ch["fermatas"])
        ours = [ch["parts"][0]] + [[(n.pitch, n.start, n.duration) for n in v] for v in setting.voices]
        add("search (rules + Bach prior)", _stats(ours, ch["tonic"], ch["minor"]), time.perf_counter() - t0)
        add("Bach", _stats(ch["parts"], ch["tonic"], ch["minor"]), 0.0)
        if i < args.baseline:
            t0 = time.perf_counter()
            parts = _model_parts(ch)
            add(
                "neural sampler (engine model)",
                _stats(parts, ch["tonic"], ch["minor"]),
                time.perf_counter() - t0,
            )
            add(f"Bach (same {args.baseline})", _stats(ch["parts"], ch["tonic"], ch["minor"]), 0.0)
        print(ch["name"], flush=True)
    for t in totals.values():
        t["seconds"] = t["seconds"] / max(1, t["pieces"])
    lines = [
        "# Four-part harmonisation (`tunesmith harmonize`, chorale style)",
        "",
        "Command:",
        "",
        f"    TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_harmonize.py --n {args.n} "
        f"--baseline {args.baseline}",
        "",
        __doc__.split("\n\n", 2)[2].strip() if __doc__ else "",
        "",
        "| setting | chorales | beats | consecutive 5ths/8ves | chord changes | per 100 changes | "
        "A/T/B notes in range | changes per beat | seconds per chorale |",
        "|---|---|---|---|---|---|---|---|---|",
        *[_row(name, s) for name, s in totals.items()],
        "",
        "Held-out chorales: " + ", ".join(c["name"] for c in chorales) + ".",
        "",
    ]
    Path(args.out).write_text("\n".join(lines))


if __name__ == "__main__":
    main()
