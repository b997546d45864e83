"""What a musician's review of the gallery asked for, measured on composed pieces, before and after.

    TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_review.py --seeds 7 8 9 \
        [--baseline-src /tmp/arrange-base/src]

Per style (each seed, default model, no mood unless named): bass notes per bar, distinct bass
pitches per piece and the longest stretch in bars that the bass stays on one pitch (held or
repeated); the share of pad notes that sound the same pitch as the comping at the same time (for
more than 60 ticks, humanised edges aside); slides per chinese-folk piece (pitch-bend gestures:
a bend leaving 0) and whether every bent part ends at 0; dotted figures (onsets 3/4 and 1/4 of a
beat apart) in the march's brass parts and the most notes one brass part sounds at once; lullaby
melody notes outside the chord on strong beats that do not resolve by step to a chord tone; and
how many titles contain "Hymn". ``--baseline-src`` measures the same on another source tree (the
code before this work, exported with ``git archive``) in a subprocess of the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MOODED = [("pop", "tense"), ("pop", "sad"), ("folk", "calm")]


def _bass(score: Any) -> dict[str, float]:
    track = next((t for t in score.tracks if t.name.startswith("bass")), None)
    if track is None or not track.notes:
        return {}
    notes = sorted(track.notes, key=lambda n: n.start)
    bar = score.time_signatures[0].bar_ticks
    longest, run_start = 0.0, notes[0].start
    for a, b in itertools.pairwise(notes):
        if b.pitch != a.pitch:
            run_start = b.start
        longest = max(longest, (b.end - run_start) / bar)
    longest = max(longest, notes[0].duration / bar)
    return {"per_bar": len(notes) / max(1, score.bar_count()), "distinct": len({n.pitch for n in notes}),
            "longest_bars": longest}


def _pad_doubling(score: Any) -> float | None:
    pad = next((t for t in score.tracks if t.name.startswith("pad")), None)
    comping = [n for t in score.tracks if t.name.startswith("accompaniment") for n in t.notes]
    if pad is None or not pad.notes or not comping:
        return None
    doubled = sum(
        any(a.pitch == n.pitch and a.start < n.end - 60 and n.start < a.end - 60 for a in comping)
        for n in pad.notes
    )
    return doubled / len(pad.notes)


def _slides(score: Any) -> tuple[int, bool]:
    gestures, reset = 0, True
    for t in score.tracks:
        bends = sorted(getattr(t, "bends", []), key=lambda b: b.tick)
        previous = 0
        for b in bends:
            gestures += previous == 0 and b.value != 0
            previous = b.value
        reset = reset and previous == 0
    return gestures, reset


def _brass(score: Any) -> tuple[int, int]:
    figures = most = 0
    for t in score.tracks:
        if t.is_drum or not 56 <= t.program <= 63:
            continue
        onsets = sorted({round(n.start / 40) * 40 for n in t.notes})
        figures += sum(
            1 for a, b, c in zip(onsets, onsets[1:], onsets[2:], strict=False)
            if abs(b - a - 360) <= 40 and abs(c - b - 120) <= 40
        )
        events = sorted([(n.start, 1) for n in t.notes] + [(n.end - 30, -1) for n in t.notes])
        now = 0
        for _, step in events:
            now += step
            most = max(most, now)
    return figures, most


def _unresolved(score: Any, plan: Any) -> int:
    from tunesmith.theory.chord import parse_chord

    melody = sorted(score.tracks[0].notes, key=lambda n: n.start)
    chords = sorted(score.chords, key=lambda c: c.tick)

    def tones(tick: int) -> set[int]:
        current = [c for c in chords if c.tick <= tick + 30] or chords[:1]
        return set(parse_chord(current[-1].figure).pitch_classes())

    bar, strong = plan.bar_ticks, set(plan.meter.strong_beats())
    bad = 0
    for i, n in enumerate(melody):
        q = round(n.start / 120) * 120
        if q % bar in strong and n.pitch % 12 not in tones(q):
            nxt = melody[i + 1] if i + 1 < len(melody) else None
            ok = (
                nxt is not None
                and 1 <= abs(nxt.pitch - n.pitch) <= 2
                and nxt.pitch % 12 in tones(round(nxt.start / 120) * 120)
            )
            bad += not ok
    return bad


def measure(seeds: list[int]) -> dict[str, Any]:
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.compose.styles import available_styles

    rows: list[dict[str, Any]] = []
    requests = [(style, None) for style in available_styles()] + MOODED
    for style, mood in requests:
        for seed in seeds:
            piece = compose(ComposeRequest(style=style, seed=seed, mood=mood, candidates=1))
            score = piece.score
            row: dict[str, Any] = {"style": style, "mood": mood or "-", "seed": seed}
            row["title"] = piece.plan.title
            row.update({f"bass_{k}": v for k, v in _bass(score).items()})
            row["pad_doubled"] = _pad_doubling(score)
            if style == "chinese-folk":
                row["slides"], row["bends_reset"] = _slides(score)
            if style == "march":
                row["dotted_figures"], row["brass_most_at_once"] = _brass(score)
            if style == "lullaby":
                row["unresolved"] = _unresolved(score, piece.plan)
            rows.append(row)
        print(style, mood or "", flush=True, file=sys.stderr)
    return {"rows": rows}


def _baseline(src: str, seeds: list[int]) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=src)
    here = str(Path(__file__).parent)
    code = f"import json, sys; sys.path.insert(0, {here!r}); import bench_review as b; "
    code += f"print(json.dumps(b.measure({seeds!r})))"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _fmt(value: Any, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def _table(rows: list[dict[str, Any]], base: dict[tuple[str, str, int], dict[str, Any]]) -> list[str]:
    lines = [
        "| style | mood | seed | bass notes per bar | distinct bass pitches | "
        "longest bass on one pitch (bars) | pad notes doubling the comping | title |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        b = base.get((r["style"], r["mood"], r["seed"]), {})

        def pair(key: str, pattern: str, r: dict[str, Any] = r, b: dict[str, Any] = b) -> str:
            now = _fmt(r.get(key), pattern)
            return f"{_fmt(b.get(key), pattern)} → {now}" if b else now

        lines.append(
            f"| {r['style']} | {r['mood']} | {r['seed']} | {pair('bass_per_bar', '{:.2f}')} | "
            f"{pair('bass_distinct', '{}')} | {pair('bass_longest_bars', '{:.1f}')} | "
            f"{pair('pad_doubled', '{:.0%}')} | {b.get('title', '') + ' → ' if b else ''}{r['title']} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="*", default=[7, 8, 9])
    parser.add_argument("--baseline-src", default="", help="source tree of the code to compare with")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "arrange_review.md"))
    args = parser.parse_args()
    started = time.time()
    now = measure(args.seeds)["rows"]
    before = _baseline(args.baseline_src, args.seeds)["rows"] if args.baseline_src else []
    base = {(r["style"], r["mood"], r["seed"]): r for r in before}
    seeds = " ".join(str(s) for s in args.seeds)
    command = f"TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_review.py --seeds {seeds}"
    if args.baseline_src:
        command += f" --baseline-src {args.baseline_src}"
    lines = [
        "# Review findings: bass motion, pad doubling, slides, fanfares, lullaby resolutions, titles",
        "",
        "Command:",
        "",
        f"    {command}",
        "",
        (__doc__ or "").split("\n\n", 2)[2].strip(),
        "",
        "Cells read `before → after` where the baseline was measured in the same run.",
        "",
        "## Bass and pad (per piece)",
        "",
        *_table(now, base),
        "",
        "## Chinese-folk slides, march brass, lullaby dissonances",
        "",
        "| style | seed | measure | before | after |",
        "|---|---|---|---|---|",
    ]
    for r in now:
        b = base.get((r["style"], r["mood"], r["seed"]), {})
        for key, label in (
            ("slides", "slides (pitch-bend gestures)"), ("bends_reset", "every bent part ends at 0"),
            ("dotted_figures", "dotted figures in the brass"),
            ("brass_most_at_once", "most notes one brass part sounds at once"),
            ("unresolved", "strong-beat non-chord tones not resolved by step"),
        ):
            if key in r:
                was = _fmt(b.get(key), "{}")
                lines.append(f"| {r['style']} | {r['seed']} | {label} | {was} | {r[key]} |")
    hymns_now = sum("Hymn" in r["title"] for r in now)
    hymns_before = sum("Hymn" in r["title"] for r in before)
    lines += [
        "",
        f"Titles containing 'Hymn': {hymns_before} of {len(before)} before, {hymns_now} of {len(now)} after "
        f"({len({r['title'] for r in now})} distinct titles after).",
        "",
        f"Run time {time.time() - started:.0f} s.",
        "",
    ]
    Path(args.out).write_text("\n".join(lines))


if __name__ == "__main__":
    main()
