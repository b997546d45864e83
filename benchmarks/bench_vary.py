"""`vary` and `interpolate` on held-out tunes: what a small variation keeps, how a morph moves.

Usage:
    .venv/bin/python benchmarks/bench_vary.py [--tunes 40] [--json out.json]

Tunes: Nottingham tunes held out of the chord model's training (tunesmith.models.rnn.data.held_out),
the melody from its first bar line, first 16 bars, read as the `tunesmith vary` command reads a
file; the shipped VAE.

- vary (``vary_melody``, amount 0.3, 4-bar phrases, as `tunesmith vary --amount 0.3`): share of the
  original's notes (onset and pitch) the variation keeps; key kept (the detected key of the
  variation equals that of the original); opening motif kept (the first bar's notes identical);
  cadence kept (the last bar's notes identical); variation differs from the original.
- interpolate (``interpolate_phrases``, 5 steps) between the first 4 bars of two held-out tunes in
  the same key and meter: distance of every step to both ends (share of sixteenth slots whose
  event differs), the share of morphs whose distance to A rises and to B falls strictly at every
  step, the share whose steps are all distinct, and the share of middle steps that are bar-wise
  splices of A and B (the fallback candidates) rather than decodings.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from tunesmith.corpus.load import load_corpus  # noqa: E402
from tunesmith.models.rnn.data import held_out  # noqa: E402
from tunesmith.models.vae import api as vae_api  # noqa: E402
from tunesmith.score import ChordSymbol, Note  # noqa: E402
from tunesmith.theory.keydetect import detect_key  # noqa: E402
from tunesmith.theory.melodyline import melody_track, top_line  # noqa: E402
from tunesmith.tokens import chords as ct  # noqa: E402
from tunesmith.tokens import melody as mt  # noqa: E402

BARS = 16
AMOUNT = 0.3
VARIED = 20
"""Tunes varied (the first of those read); the morphs pair tunes of the same key and meter."""


def tunes(limit: int) -> list[dict[str, object]]:
    out = []
    for score in load_corpus(["nottingham"]):
        if not held_out(score):
            continue
        try:
            meter = mt.score_meter(score)
        except Exception:  # meters the VAE does not know
            continue
        origin = mt.bar_origin(score)
        line = top_line(melody_track(score).notes, cut=True)
        bar = ct.STEPS_PER_BAR[meter] * ct.STEP_TICKS
        notes = [
            Note(n.pitch, n.start - origin, n.duration, n.velocity)
            for n in line
            if origin <= n.start < origin + BARS * bar
        ]
        if not notes or max(n.start for n in notes) < (BARS - 1) * bar:
            continue
        chords = [ChordSymbol(c.tick - origin, c.figure) for c in score.chords if c.tick >= origin]
        out.append(
            {"notes": notes, "meter": meter, "key": mt.score_key(score), "chords": chords, "bar": bar}
        )
        if len(out) >= limit:
            break
    return out


def onsets(notes: list[Note], lo: int = 0, hi: int = 10**9) -> set[tuple[int, int]]:
    return {(n.start, n.pitch) for n in notes if lo <= n.start < hi}


def same_key(a: list[Note], b: list[Note]) -> bool:
    ka, kb = detect_key(a), detect_key(b)
    return (ka.tonic, ka.is_minor) == (kb.tonic, kb.is_minor)


def bench_vary(items: list[dict[str, object]]) -> dict[str, float]:
    items = items[:VARIED]
    kept, key, motif, cadence, differs = [], [], [], [], []
    model = vae_api.load_vae()
    t0 = time.perf_counter()
    for i, item in enumerate(items):
        notes: list[Note] = item["notes"]  # type: ignore[assignment]
        bar: int = item["bar"]  # type: ignore[assignment]
        varied = vae_api.vary_melody(
            notes, BARS, item["meter"], AMOUNT, 1000 * i,  # type: ignore[arg-type]
            phrase_bars=4, key=item["key"], chords=item["chords"], model=model,  # type: ignore[arg-type]
        )  # fmt: skip
        original = onsets(notes)
        got = onsets(varied)
        kept.append(len(original & got) / len(original))
        key.append(same_key(notes, varied))
        motif.append(onsets(notes, 0, bar) == onsets(varied, 0, bar))
        last = max(n.start for n in notes) // bar * bar
        cadence.append(onsets(notes, last, last + bar) == onsets(varied, last, last + bar))
        differs.append(original != got)
    return {
        "tunes": len(items),
        "notes_kept": float(np.mean(kept)),
        "key_kept": float(np.mean(key)),
        "motif_kept": float(np.mean(motif)),
        "cadence_kept": float(np.mean(cadence)),
        "differs": float(np.mean(differs)),
        "seconds_per_tune": (time.perf_counter() - t0) / max(1, len(items)),
    }


def bench_interpolate(items: list[dict[str, object]], steps: int = 5) -> dict[str, object]:
    model = vae_api.load_vae()
    pairs = []
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            ka, kb = a["key"], b["key"]
            same_key = (ka.tonic, ka.is_minor) == (kb.tonic, kb.is_minor)  # type: ignore[attr-defined]
            if a["meter"] == b["meter"] and same_key:
                pairs.append((a, b))
                break
    to_a, to_b, monotone, distinct = [], [], [], []
    splices: list[bool] = []
    for a, b in pairs:
        span = 4 * a["bar"]  # type: ignore[operator]
        na = [n for n in a["notes"] if n.start < span]  # type: ignore[attr-defined]
        nb = [n for n in b["notes"] if n.start < span]  # type: ignore[attr-defined]
        frames = vae_api.interpolate_phrases(
            na, nb, 4, a["meter"], steps, key=a["key"], key_b=b["key"], model=model  # type: ignore[arg-type]
        )
        events = [
            vae_api.make_phrase(f, 4, a["meter"], key=a["key"], model=model).events  # type: ignore[arg-type]
            for f in frames
        ]
        da = [float((e != events[0])[(e != mt.PAD) | (events[0] != mt.PAD)].mean()) for e in events]
        db = [float((e != events[-1])[(e != mt.PAD) | (events[-1] != mt.PAD)].mean()) for e in events]
        to_a.append(da)
        to_b.append(db)
        rising = all(x < y for x, y in itertools.pairwise(da))
        monotone.append(rising and all(x > y for x, y in itertools.pairwise(db)))
        distinct.append(len({e.tobytes() for e in events}) == len(events))
        bars = len(events[0])
        cuts = {
            np.concatenate([events[0][: bars - j], events[-1][bars - j :]]).tobytes() for j in range(1, bars)
        }
        splices.extend(e.tobytes() in cuts for e in events[1:-1])
    return {
        "pairs": len(pairs),
        "steps": steps,
        "distance_to_a": np.mean(to_a, axis=0).tolist(),
        "distance_to_b": np.mean(to_b, axis=0).tolist(),
        "strictly_monotone": float(np.mean(monotone)),
        "all_distinct": float(np.mean(distinct)),
        "middle_steps_that_are_bar_splices": float(np.mean(splices)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tunes", type=int, default=40)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    items = tunes(args.tunes)
    result = {"vary": bench_vary(items), "interpolate": bench_interpolate(items)}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
