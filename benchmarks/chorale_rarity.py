"""Choose chord_prior.RARITY on training chorales: the four-part search sets Bach's own sopranos
with each rarity, and its chords (read beat by beat with fourpart.beat_labels, as his are) are
compared with his: distinct chords a chorale, changes per beat, JSD of the chord frequencies,
consecutive fifths/octaves per 100 changes.

Run:  TUNESMITH_HOME=/tmp/bench-home .venv/bin/python benchmarks/chorale_rarity.py \
          [--split train] [--n 60] [--rarity 0,0.3,0.35,0.4,0.45,0.5]
(``--split heldout`` reports on the held-out chorales; never choose on them.)
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tunesmith.models import chorale
from tunesmith.models.chord_prior import bach_chorales, load_prior
from tunesmith.score import Note
from tunesmith.theory import fourpart


def jsd(p: Counter[str], q: Counter[str]) -> float:
    keys = sorted(set(p) | set(q))
    a = np.array([p[k] for k in keys], float)
    b = np.array([q[k] for k in keys], float)
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: np.ndarray, y: np.ndarray) -> float:
        return float((x[x > 0] * np.log2(x[x > 0] / y[x > 0])).sum())

    return (kl(a, m) + kl(b, m)) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="train", choices=("train", "heldout"))
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--rarity", default="0,0.3,0.35,0.4,0.45,0.5")
    args = parser.parse_args()
    chorales = sorted((c for c in bach_chorales() if c["split"] == args.split), key=lambda c: c["name"])
    chorales = chorales[: args.n]
    bach: Counter[str] = Counter()
    distinct = []
    for ch in chorales:
        labels = [x for x in fourpart.beat_labels(ch["parts"], 480, ch["tonic"], ch["minor"]) if x]
        bach.update(("m:" if ch["minor"] else "M:") + x for x in labels)
        distinct.append(len(set(labels)))
    print(f"{len(chorales)} {args.split} chorales; Bach: {np.mean(distinct):.2f} chords a chorale")
    for rarity in (float(x) for x in args.rarity.split(",")):
        chorale.load_prior = lambda minor, rarity=rarity: load_prior(minor, rarity=rarity)  # type: ignore[misc]
        ours: Counter[str] = Counter()
        distinct, per_beat = [], []
        changes = parallels = 0
        for ch in chorales:
            melody = [Note(p, s, d) for p, s, d in ch["parts"][0]]
            setting = chorale.set_melody(melody, ch["tonic"], ch["minor"], 480, cadence_ticks=ch["fermatas"])
            parts = [ch["parts"][0]] + [[(n.pitch, n.start, n.duration) for n in v] for v in setting.voices]
            labels = fourpart.beat_labels(parts, 480, ch["tonic"], ch["minor"])
            sung = [x for x in labels if x]
            ours.update(("m:" if ch["minor"] else "M:") + x for x in sung)
            distinct.append(len(set(sung)))
            changed = fourpart.chord_changes(labels)
            per_beat.append(changed / max(1, len(sung)))
            changes += changed
            parallels += fourpart.parallels(parts)
        print(f"rarity {rarity}: {np.mean(distinct):.2f} chords a chorale, {np.mean(per_beat):.3f} changes "
              f"a beat, chord-frequency JSD {jsd(ours, bach):.4f}, "
              f"5ths/8ves per 100 changes {100 * parallels / max(1, changes):.2f}")


if __name__ == "__main__":
    main()
