"""Harmony per style: composed chord progressions against each style's corpus.

Usage:
    .venv/bin/python benchmarks/bench_style_harmony.py [--pieces 100] [--json out.json]
        [--write benchmarks/results/style_harmony.md] [--before before.json]

For every style with a corpus (folk, waltz: Nottingham's chord symbols; celtic: O'Neill's, Ryan's
and Aird's; chorale: Bach; chinese-folk: the Han songs; these four labelled by chord recognition
exactly as the chord model's training data is, see tunesmith.models.rnn.chord_corpus), the held-out
tunes (never trained on: tunesmith.models.rnn.data.held_out) are compared with ``--pieces`` composed
pieces (the harmony `tunesmith compose` makes: plan + harmony, seeds 0..N-1, 16 body bars, the
style's default meter). Both sides are read the same way: one chord class per beat (root relative
to the tonic + quality class, tunesmith.tokens.chords), over whole pieces: corpus tunes from their
first full bar (repeats written out, at least 8 bars), composed pieces at the style's own length
(its form and section length), body only (intro and final held bar left out).

- distinct chords per piece, chord changes per bar: goal within 20% of the corpus. Styles that
  sing in four parts (chorale) are read from the finished piece's four voices by the chord
  recognition Bach's chorales are read with (the harmonizer's own chord names: ``named_distinct``).
- the same distinct-chord count for 16-bar pieces (``bars=16``) against the corpus tunes' first 16
  bars (the issue's "a 16-bar folk piece uses two chords").
- JSD (base 2, 0 = same, 1 = disjoint) of the pooled key-relative chord bigrams (successive
  different chords) and of the chord unigrams (per beat).
- out-of-scale share: beats whose chord has a tone outside the key's scale (for the pentatonic
  style, outside the pentatonic mode).

Styles without a corpus (pop, ballad, ambient, lullaby, march) get rule checks: share of pieces
with a vi (pop/ballad), share of bars whose downbeat resolves V->I (ambient), out-of-scale share.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from tunesmith.compose.api import compose  # noqa: E402
from tunesmith.compose.harmony import make_harmony  # noqa: E402
from tunesmith.compose.plan import make_plan  # noqa: E402
from tunesmith.compose.request import ComposeRequest  # noqa: E402
from tunesmith.corpus.load import load_corpus  # noqa: E402
from tunesmith.errors import TunesmithError  # noqa: E402
from tunesmith.models.rnn.chord_corpus import STYLE_COLLECTIONS, labelled, tonal_key  # noqa: E402
from tunesmith.models.rnn.data import chord_beats, held_out  # noqa: E402
from tunesmith.theory.key import Key, key_from_signature  # noqa: E402
from tunesmith.tokens import chords as ct  # noqa: E402
from tunesmith.tokens import melody as mt  # noqa: E402

CORPUS_STYLES = {"folk": "folk", "waltz": "waltz", "celtic": "celtic", "chorale": "chorale",
                 "chinese-folk": "chinese"}  # fmt: skip
RULE_STYLES = ("pop", "ballad", "ambient", "lullaby", "march")
BODY_BARS = 16
PENTATONIC_MODES = ("gong", "zhi", "shang", "yu", "jue")


MIN_BARS = 8
WINDOW = 16


def piece_stats(tokens: np.ndarray, beats: int, bars: int) -> dict[str, object]:
    """Distinct chords, changes per bar and the chord classes per beat of the first ``bars`` bars."""
    seq = [int(t) for t in tokens[: bars * beats]]
    classes = [ct.class_of_token(t) for t in seq]
    changes = sum(1 for a, b in itertools.pairwise(classes) if a != b)
    chords = [c for c in classes if c > 0]
    runs = [c for i, c in enumerate(chords) if i == 0 or chords[i - 1] != c]
    return {
        "distinct": len(set(chords)),
        "changes_per_bar": changes / bars,
        "unigrams": Counter(chords),
        "bigrams": Counter(itertools.pairwise(runs)),
        "classes": classes,
    }


def jsd(p: Counter, q: Counter) -> float:
    keys = sorted(set(p) | set(q))
    a = np.array([p.get(k, 0) for k in keys], float)
    b = np.array([q.get(k, 0) for k in keys], float)
    if a.sum() == 0 or b.sum() == 0:
        return float("nan")
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: np.ndarray, y: np.ndarray) -> float:
        mask = x > 0
        return float((x[mask] * np.log2(x[mask] / y[mask])).sum())

    return (kl(a, m) + kl(b, m)) / 2


def out_of_scale(classes: list[int], scale: set[int]) -> float:
    """Share of beats (with a chord) whose chord has a tone outside ``scale`` (relative pcs)."""
    from tunesmith.theory.chord import Chord

    total = bad = 0
    for cid in classes:
        parts = ct.class_parts(cid)
        if parts is None:
            continue
        root, quality = parts
        name = {"maj": "maj", "min": "min", "dom7": "dom7", "dim": "dim", "aug": "aug", "sus": "5"}[
            ct.QUALITY_CLASSES[quality]
        ]
        total += 1
        bad += not set(Chord(root, name).pitch_classes()) <= scale
    return bad / total if total else float("nan")


def corpus_side(model_style: str) -> list[dict[str, object]]:
    corpus = load_corpus(list(STYLE_COLLECTIONS[model_style]))
    out = []
    for score in corpus:
        if mt.style_of(score.metadata) != model_style or not held_out(score):
            continue
        piece = labelled(score)
        if piece is None or not piece.chords:
            continue
        try:
            tokens, _, _ = chord_beats(piece)
        except TunesmithError:  # meters the models do not know: not part of the reference either
            continue
        meter = mt.score_meter(piece)
        beats = ct.BEATS_PER_BAR[meter]
        bars = len(tokens) // beats
        if bars < MIN_BARS:
            continue
        stats = piece_stats(tokens, beats, bars)
        stats["bars"] = bars
        stats["window"] = piece_stats(tokens, beats, WINDOW) if bars >= WINDOW else None
        key = (
            tonal_key(score, PENTATONIC_MODES)
            if model_style == "chinese"
            else key_from_signature(piece.key_signatures[0])
        )
        stats["scale"] = {(pc - key.tonic) % 12 for pc in key.scale_pcs()}
        out.append(stats)
    return out


def composed_side(style: str, pieces: int, bars: int | None = None) -> tuple[list[dict[str, object]], str]:
    """Harmony of ``pieces`` composed pieces (seeds 0..), of ``bars`` body bars (default: the
    style's own length), read over their body (intro and final bar left out)."""
    out = []
    source = ""
    for seed in range(pieces):
        plan = make_plan(ComposeRequest(style=style, bars=bars, seed=seed, candidates=1))
        harmony = make_harmony(plan)
        source = harmony.source
        meter = str(plan.meter)
        beats = ct.BEATS_PER_BAR[meter]
        start = plan.intro_bars * plan.bar_ticks
        body = plan.body_bars
        symbols = harmony.symbols()
        named = None
        if plan.style.use_harmonizer:
            # The chorale's sung harmony is the four-part harmonizer's (it replaces the planned
            # chords in the finished piece): its four voices are read by the chord recognition
            # Bach's are read with, beat by beat; the harmonizer's own chord names are kept beside.
            piece = compose(ComposeRequest(style=style, bars=bars, seed=seed, candidates=1))
            names = ct.beat_tokens(list(piece.score.chords), plan.key, meter, start, body * beats)
            named = piece_stats(names, beats, body)
            heard = labelled(dataclasses.replace(piece.score, chords=[]))
            symbols = list(heard.chords) if heard is not None else list(piece.score.chords)
            source = "harmonizer"
        tokens = ct.beat_tokens(symbols, plan.key, meter, start, body * beats)
        stats = piece_stats(tokens, beats, body)
        stats["named"] = named
        stats["bars"] = body
        stats["full"] = stats
        key: Key = plan.key
        stats["scale"] = {(pc - key.tonic) % 12 for pc in key.scale_pcs()}
        stats["minor"] = key.is_minor
        out.append(stats)
    return out, source


def pooled(stats: list[dict[str, object]], name: str) -> Counter:
    total: Counter = Counter()
    for s in stats:
        total.update(s[name])  # type: ignore[arg-type]
    return total


def summarise(stats: list[dict[str, object]]) -> dict[str, float]:
    return {
        "pieces": len(stats),
        "distinct": float(np.mean([s["distinct"] for s in stats])),
        "changes_per_bar": float(np.mean([s["changes_per_bar"] for s in stats])),
        "out_of_scale": float(np.nanmean([out_of_scale(s["classes"], s["scale"]) for s in stats])),  # type: ignore[arg-type]
    }


def has_vi(stats: dict[str, object]) -> bool:
    classes = stats["full"]["classes"]  # type: ignore[index]
    target = 1 + 9 * ct.N_QUALITIES + ct.QUALITY_CLASSES.index("min")
    return target in classes


def v_to_i_bars(stats: dict[str, object], beats: int) -> float:
    classes = stats["full"]["classes"]  # type: ignore[index]
    tonic = {1 + 0 * ct.N_QUALITIES + q for q in range(ct.N_QUALITIES)}
    dominant = {1 + 7 * ct.N_QUALITIES + ct.QUALITY_CLASSES.index(q) for q in ("maj", "dom7")}
    hits = sum(
        1 for b in range(1, BODY_BARS) if classes[b * beats] in tonic and classes[b * beats - 1] in dominant
    )
    return hits / (BODY_BARS - 1)


def run(pieces: int, only: set[str] | None = None) -> dict[str, object]:
    results: dict[str, object] = {"pieces": pieces}
    for style, model_style in CORPUS_STYLES.items():
        if only and style not in only:
            continue
        t0 = time.perf_counter()
        ref = corpus_side(model_style)
        gen, source = composed_side(style, pieces)
        short, _ = composed_side(style, pieces, WINDOW)
        r, g = summarise(ref), summarise(gen)
        windows = [s["window"] for s in ref if s["window"] is not None]
        results[style] = {
            "harmony_source": source,
            "corpus": {**r, "bars": float(np.mean([s["bars"] for s in ref]))},
            "composed": {**g, "bars": float(np.mean([s["bars"] for s in gen]))},
            "distinct_ratio": g["distinct"] / r["distinct"],
            "changes_ratio": g["changes_per_bar"] / r["changes_per_bar"],
            "bigram_jsd": jsd(pooled(ref, "bigrams"), pooled(gen, "bigrams")),
            "unigram_jsd": jsd(pooled(ref, "unigrams"), pooled(gen, "unigrams")),
            "named_distinct": (
                float(np.mean([s["named"]["distinct"] for s in gen])) if gen[0]["named"] else None
            ),
            "window": {
                "corpus_pieces": len(windows),
                "corpus_distinct": float(np.mean([w["distinct"] for w in windows]))
                if windows
                else float("nan"),
                "composed_distinct": float(np.mean([s["distinct"] for s in short])),
            },
            "seconds": time.perf_counter() - t0,
        }
        print(style, json.dumps(results[style], default=float), flush=True)
    for style in RULE_STYLES:
        if only and style not in only:
            continue
        gen, source = composed_side(style, pieces)
        major = [s for s in gen if not s["minor"]]
        plan = make_plan(ComposeRequest(style=style, bars=BODY_BARS, seed=0, candidates=1))
        beats = ct.BEATS_PER_BAR[str(plan.meter)]
        results[style] = {
            "harmony_source": source,
            "composed": summarise(gen),
            "major_pieces_with_vi": (sum(map(has_vi, major)) / len(major)) if major else float("nan"),
            "v_i_bar_share": float(np.mean([v_to_i_bars(s, beats) for s in gen])),
        }
        print(style, json.dumps(results[style], default=float), flush=True)
    return results


def fmt(x: float, digits: int = 2) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def table(results: dict[str, object], before: dict[str, object] | None) -> list[str]:
    lines = [
        "| style (harmony) | corpus pieces, mean bars / composed bars | distinct chords per piece: corpus / "
        "composed (ratio) | changes per bar: corpus / composed (ratio) | both within 20% | bigram JSD | "
        "unigram JSD | out-of-scale beats: corpus / composed | "
        "16-bar piece: distinct chords corpus / composed |"
        + (
            " before: distinct ratio, changes ratio, bigram JSD, out-of-scale, 16-bar distinct |"
            if before
            else ""
        ),
        "|---|---|---|---|---|---|---|---|---|" + ("---|" if before else ""),
    ]
    for style in CORPUS_STYLES:
        if style not in results:
            continue
        r = results[style]
        c, g, w = r["corpus"], r["composed"], r["window"]
        ok = abs(r["distinct_ratio"] - 1) <= 0.2 and abs(r["changes_ratio"] - 1) <= 0.2
        row = (
            f"| {style} ({r['harmony_source']}) | {c['pieces']}, {fmt(c['bars'], 1)} / {fmt(g['bars'], 1)} | "
            f"{fmt(c['distinct'])} / {fmt(g['distinct'])} ({fmt(r['distinct_ratio'])}) | "
            f"{fmt(c['changes_per_bar'])} / {fmt(g['changes_per_bar'])} ({fmt(r['changes_ratio'])}) | "
            f"{'yes' if ok else 'no'} | {fmt(r['bigram_jsd'], 3)} | {fmt(r['unigram_jsd'], 3)} | "
            f"{fmt(c['out_of_scale'])} / {fmt(g['out_of_scale'])} | "
            f"{fmt(w['corpus_distinct'])} / {fmt(w['composed_distinct'])} |"
        )
        if before and style in before:
            b = before[style]
            row += (
                f" {fmt(b['distinct_ratio'])}, {fmt(b['changes_ratio'])}, {fmt(b['bigram_jsd'], 3)}, "
                f"{fmt(b['composed']['out_of_scale'])}, {fmt(b['window']['composed_distinct'])} |"
            )
        lines.append(row)
    lines += [
        "",
        "| style (no corpus) | harmony | distinct chords per piece | changes per bar | "
        "major pieces with vi | bars resolving V->I | out-of-scale beats |"
        + (" before: vi, V->I, out-of-scale |" if before else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if before else ""),
    ]
    for style in RULE_STYLES:
        if style not in results:
            continue
        r = results[style]
        g = r["composed"]
        row = (
            f"| {style} | {r['harmony_source']} | {fmt(g['distinct'])} | {fmt(g['changes_per_bar'])} | "
            f"{fmt(r['major_pieces_with_vi'])} | {fmt(r['v_i_bar_share'])} | {fmt(g['out_of_scale'])} |"
        )
        if before and style in before:
            b = before[style]
            row += (
                f" {fmt(b['major_pieces_with_vi'])}, {fmt(b['v_i_bar_share'])}, "
                f"{fmt(b['composed']['out_of_scale'])} |"
            )
        lines.append(row)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pieces", type=int, default=100)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--before", type=Path, help="JSON of an earlier run to show beside this one")
    parser.add_argument("--write", type=Path)
    parser.add_argument("--styles", help="comma-separated subset (default: all)")
    parser.add_argument("--from-log", type=Path, help="rebuild the JSON from this run's printed lines")
    args = parser.parse_args()
    if args.from_log:
        results: dict[str, object] = {"pieces": args.pieces}
        for line in args.from_log.read_text().splitlines():
            name, _, data = line.partition(" ")
            if name in CORPUS_STYLES or name in RULE_STYLES:
                results[name] = json.loads(data)
    else:
        results = run(args.pieces, set(args.styles.split(",")) if args.styles else None)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=float))
    before = json.loads(args.before.read_text()) if args.before else None
    lines = table(results, before)
    print("\n".join(lines))
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
