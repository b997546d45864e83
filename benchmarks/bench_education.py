"""Education benchmark: the part-writing grader on Bach chorales, with planted faults, and exercise
difficulty per level.

1. The grader (tunesmith.theory.partwriting) on 100 four-part Bach chorales: faults per 100 chord
   changes, per kind (Bach breaks textbook rules now and then; the table says how often).
2. 300 planted faults, 30 of each kind, each in a copy of a chorale: found = the grader reports that
   kind at the planted slice; a false alarm = a fault the original did not have, away from the
   slices the changed notes sound in and the slice after them (which the change also touches).
3. Exercise features per level (20 seeded exercises a level).

Usage: .venv/bin/python benchmarks/bench_education.py [--chorales 100]
    [--write benchmarks/results/education.md]
"""

from __future__ import annotations

import argparse
import copy
import itertools
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tunesmith.education.exercises import chorale_candidates, make_exercise
from tunesmith.education.levels import TABLE
from tunesmith.score import Note, Score
from tunesmith.theory.key import Key
from tunesmith.theory.partwriting import FAULT_KINDS, RANGES, check_four_part, four_voices, slices

Planter = Callable[[Score, random.Random], int | None]
"""Changes the score in place to hold one fault of its kind; returns the slice tick, or None."""


def _key(score: Score) -> Key:
    ks = score.key_signatures[0]
    return Key.from_fifths(ks.fifths, ks.mode)


def _note_at(voice: list[Note], tick: int) -> Note | None:
    return next((n for n in voice if n.start == tick), None)


def _voices(score: Score) -> list[list[Note]]:
    return [t.notes for t in score.tracks]  # chorale_candidates orders them S, A, T, B


def _pairs(score: Score) -> list[tuple[int, int, tuple[int | None, ...], tuple[int | None, ...]]]:
    sl = slices(four_voices(score))
    return [(a.tick, b.tick, a.pitches, b.pitches) for a, b in itertools.pairwise(sl)]


def plant_parallel(interval: int) -> Planter:
    def plant(score: Score, rng: random.Random) -> int | None:
        voices = _voices(score)
        options = []
        for _ta, tb, pa, pb in _pairs(score):
            for upper in range(3):
                for lower in range(upper + 1, 4):
                    x, y, y2 = pa[upper], pa[lower], pb[lower]
                    if None in (x, y, y2) or (x - y) % 12 != interval or y2 == y or x - y < 5:  # type: ignore[operator]
                        continue
                    note = _note_at(voices[upper], tb)
                    target = y2 + (x - y)  # type: ignore[operator]
                    name = ("soprano", "alto", "tenor", "bass")[upper]
                    lo, hi = RANGES[name]
                    if note is None or not lo <= target <= hi or target == note.pitch:
                        continue
                    if upper > 0 and pb[upper - 1] is not None and target > pb[upper - 1]:  # type: ignore[operator]
                        continue
                    options.append((note, target, tb))
        if not options:
            return None
        note, target, tick = rng.choice(options)
        note.pitch = target
        return tick

    return plant


def plant_range(score: Score, rng: random.Random) -> int | None:
    bass = [n for n in _voices(score)[3] if n.pitch <= 51]
    if not bass:
        return None
    note = rng.choice(bass)
    note.pitch -= 12
    return note.start


def plant_crossing(score: Score, rng: random.Random) -> int | None:
    alto, tenor = _voices(score)[1], _voices(score)[2]
    options = [
        (a, t)
        for a in alto
        for t in tenor
        if a.start == t.start and a.duration == t.duration and a.pitch - t.pitch >= 3
    ]
    if not options:
        return None
    a, t = rng.choice(options)
    a.pitch, t.pitch = t.pitch, a.pitch
    return a.start


def plant_spacing(score: Score, rng: random.Random) -> int | None:
    options = []
    for _ta, tb, _pa, pb in _pairs(score):
        s, a, t, b = pb
        if None in (s, a, t, b):
            continue
        alto = _note_at(_voices(score)[1], tb)
        if alto is not None and s - (a - 12) > 12 and a - 12 > t and a - 12 >= RANGES["alto"][0] - 3:  # type: ignore[operator]
            options.append((alto, tb))
    if not options:
        return None
    note, tick = rng.choice(options)
    note.pitch -= 12
    return tick


def plant_leading_tone(score: Score, rng: random.Random) -> int | None:
    """In a root-position V-I (bass 5 to 1), the soprano's rising leading tone falls a third instead."""
    key = _key(score)
    lt, dom = (key.tonic + 11) % 12, (key.tonic + 7) % 12
    soprano = _voices(score)[0]
    options = []
    for _ta, tb, pa, pb in _pairs(score):
        s0, s1, b0, b1 = pa[0], pb[0], pa[3], pb[3]
        if None in (s0, s1, b0, b1) or s0 % 12 != lt or s1 - s0 != 1:  # type: ignore[operator]
            continue
        if b0 % 12 == dom and b1 % 12 == key.tonic:  # type: ignore[operator]
            note = _note_at(soprano, tb)
            if note is not None:
                options.append(note)
    if not options:
        return None
    note = rng.choice(options)
    note.pitch -= 5  # now the leading tone falls a major third, to the dominant
    return note.start


def plant_seventh(score: Score, rng: random.Random) -> int | None:
    from tunesmith.theory.partwriting import _is_dominant_seventh

    voices = _voices(score)
    options = []
    for ta, tb, pa, pb in _pairs(score):
        pcs = {p % 12 for p in pa if p is not None}
        root = _is_dominant_seventh(pcs)
        if root is None or {p % 12 for p in pb if p is not None} == pcs:
            continue
        for v in range(4):
            p, q = pa[v], pb[v]
            if p is not None and q is not None and p % 12 == (root + 10) % 12 and 1 <= p - q <= 2:
                note = _note_at(voices[v], tb)
                if note is not None:
                    options.append((note, p + 2, tb))
        del ta
    if not options:
        return None
    note, target, tick = rng.choice(options)
    note.pitch = target
    return tick


def plant_doubled_leading_tone(score: Score, rng: random.Random) -> int | None:
    key = _key(score)
    lt, dom = (key.tonic + 11) % 12, (key.tonic + 7) % 12
    voices = _voices(score)
    options = []
    for _ta, tb, _pa, pb in _pairs(score):
        pcs = {p % 12 for p in pb if p is not None}
        if lt not in pcs or dom not in pcs or not pcs <= {dom, lt, (dom + 7) % 12, (dom + 10) % 12}:
            continue
        for v in (1, 2):
            p = pb[v]
            note = _note_at(voices[v], tb)
            if p is None or note is None or p % 12 == lt:
                continue
            target = min((q for q in range(p - 6, p + 7) if q % 12 == lt), key=lambda q: abs(q - p))
            upper, lower = pb[v - 1], pb[v + 1]
            if upper is not None and lower is not None and lower < target < upper:
                options.append((note, target, tb))
    if not options:
        return None
    note, target, tick = rng.choice(options)
    note.pitch = target
    return tick


def plant_chord_tone(score: Score, rng: random.Random) -> int | None:
    """An alto note on a beat moved a step to a pitch no triad or seventh chord of that beat holds,
    and left by a leap (so it is neither a passing nor a neighbour tone)."""
    from tunesmith.theory.partwriting import _best_chord, key_scale

    scale = key_scale(_key(score))
    alto = _voices(score)[1]
    pairs = {tb: pb for _ta, tb, _pa, pb in _pairs(score)}
    options = []
    for cur, nxt in itertools.pairwise(alto):
        pitches = pairs.get(cur.start)
        if cur.start % 480 or pitches is None:
            continue
        for shift in (1, -1, 2, -2):
            new = cur.pitch + shift
            trial = (pitches[0], new, pitches[2], pitches[3])
            chord = _best_chord(trial, scale)
            if abs(nxt.pitch - new) >= 3 and chord is not None and (new - chord[0]) % 12 not in chord[1]:
                options.append((cur, new))
                break
    if not options:
        return None
    note, new = rng.choice(options)
    note.pitch = new
    return note.start


def plant_cadence(score: Score, rng: random.Random) -> int | None:
    del rng
    key = _key(score)
    bass = _voices(score)[3]
    last = max(bass, key=lambda n: n.start)
    if last.pitch % 12 != key.tonic:
        return None
    last.pitch += 3 if key.is_minor else 4
    return last.start


PLANTERS: dict[str, Planter] = {
    "parallel fifths": plant_parallel(7),
    "parallel octaves": plant_parallel(0),
    "range": plant_range,
    "spacing": plant_spacing,
    "crossing": plant_crossing,
    "chord tones": plant_chord_tone,
    "doubled leading tone": plant_doubled_leading_tone,
    "leading tone": plant_leading_tone,
    "seventh": plant_seventh,
    "cadence": plant_cadence,
}


def bach_rates(chorales: list[Score]) -> tuple[Counter[str], int, list[str]]:
    counts: Counter[str] = Counter()
    changes = 0
    examples = []
    for score in chorales:
        faults = check_four_part(score)
        changes += len(slices(four_voices(score))) - 1
        counts.update(f.kind for f in faults)
        examples += [f"{score.metadata.title} bar {f.bar}: {f.message}" for f in faults[:1]]
    return counts, changes, examples


def planted(chorales: list[Score], per_kind: int, seed: int) -> dict[str, dict[str, int]]:
    rng = random.Random(seed)
    out: dict[str, dict[str, int]] = {}
    for kind, planter in PLANTERS.items():
        found = tried = false_alarms = 0
        order = list(range(len(chorales)))
        rng.shuffle(order)
        for i in order:
            if tried >= per_kind:
                break
            original = chorales[i]
            before = {(f.kind, f.tick) for f in check_four_part(original)}
            copy_ = copy.deepcopy(original)
            tick = planter(copy_, rng)
            if tick is None:
                continue
            tried += 1
            after = check_four_part(copy_)
            sl = [s.tick for s in slices(four_voices(copy_))]
            changed = [
                m
                for t0, t1 in zip(original.tracks, copy_.tracks, strict=True)
                for n, m in zip(t0.notes, t1.notes, strict=True)
                if n.pitch != m.pitch
            ]
            lo, hi = min(m.start for m in changed), max(m.end for m in changed)
            nxt = next((t for t in sl if t >= hi), hi)
            near = {t for t in sl if lo <= t < hi} | {nxt}  # every slice the change sounds in, and the next
            if any(f.kind == kind and f.tick in near for f in after):
                found += 1
            false_alarms += sum(
                1
                for f in after
                if (f.kind, f.tick) not in before
                and f.tick not in near
                and not (f.kind == "cadence" and kind == "cadence")
            )
        out[kind] = {"planted": tried, "found": found, "false_alarms": false_alarms}
    return out


def level_table(per_level: int) -> list[dict[str, float]]:
    rows = []
    for number in TABLE:
        spans, leaps, mean_iv, per_beat, classes, accidentals, bars = [], [], [], [], [], [], []
        for seed in range(per_level):
            ex = make_exercise("sight-reading", number, seed)
            notes = ex.manifest["answer"]["notes"]
            pitches = [p for p, _, _ in notes]
            ivs = [abs(b - a) for a, b in itertools.pairwise(pitches)]
            spans.append(max(pitches) - min(pitches))
            leaps.append(max(ivs))
            mean_iv.append(statistics.mean(ivs))
            total_beats = (notes[-1][1] + notes[-1][2]) / 480
            per_beat.append(len(notes) / total_beats)
            classes.append(len({d for _, _, d in notes}))
            accidentals.append(abs(Key.parse(ex.manifest["key"]).fifths))
            bars.append(ex.manifest["answer"]["bars"])
        quiz = make_exercise("intervals", number, 1, questions=30).manifest["answer"]["questions"]
        chords = make_exercise("chords", number, 1, questions=30).manifest["answer"]["questions"]
        rows.append(
            {
                "level": number,
                "range": statistics.mean(spans),
                "max_leap": statistics.mean(leaps),
                "mean_interval": statistics.mean(mean_iv),
                "notes_per_beat": statistics.mean(per_beat),
                "duration_classes": statistics.mean(classes),
                "key_accidentals": statistics.mean(accidentals),
                "bars": statistics.mean(bars),
                "quiz_intervals": len({q["answer"] for q in quiz}),
                "quiz_chords": len({q["answer"] for q in chords}),
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chorales", type=int, default=100)
    ap.add_argument("--per-kind", type=int, default=30)
    ap.add_argument("--per-level", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    t0 = time.perf_counter()
    pool = chorale_candidates(7)
    chorales = pool[: args.chorales]
    counts, changes, examples = bach_rates(chorales)
    plants = planted(pool, args.per_kind, args.seed)
    levels = level_table(args.per_level)
    seconds = time.perf_counter() - t0
    total = sum(p["planted"] for p in plants.values())
    found = sum(p["found"] for p in plants.values())
    alarms = sum(p["false_alarms"] for p in plants.values())
    lines = [
        "# Education: part-writing grader and exercise levels",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_education.py --chorales {args.chorales} --per-kind "
        f"{args.per_kind} --per-level {args.per_level} --seed {args.seed} "
        "--write benchmarks/results/education.md`",
        "",
        f"Machine: {platform.machine()}, Python {sys.version.split()[0]}; {seconds:.0f} s in all.",
        "",
        f"## The grader on {len(chorales)} Bach chorales (four parts, 4/4; {changes} chord changes)",
        "",
        "| fault | count | per 100 chord changes |",
        "|---|---|---|",
        *[f"| {k} | {counts[k]} | {100 * counts[k] / changes:.2f} |" for k in FAULT_KINDS],
        f"| **all** | {sum(counts.values())} | {100 * sum(counts.values()) / changes:.2f} |",
        "",
        "What it flags in Bach (first fault of the first chorales):",
        "",
        *[f"- {e}" for e in examples[:8]],
        "",
        f"## Planted faults ({total} planted, {args.per_kind} a kind, "
        f"in chorales drawn from all {len(pool)})",
        "",
        "| fault | planted | found | found % | false alarms |",
        "|---|---|---|---|---|",
        *[
            f"| {k} | {p['planted']} | {p['found']} | {100 * p['found'] / max(1, p['planted']):.1f} | "
            f"{p['false_alarms']} |"
            for k, p in plants.items()
        ],
        f"| **all** | {total} | {found} | {100 * found / max(1, total):.1f} | {alarms} "
        f"({100 * alarms / max(1, total):.1f}% of plants) |",
        "",
        "## Exercise features per level (sight-reading, "
        f"{args.per_level} seeds a level; quizzes: distinct answers in 30 questions)",
        "",
        "| level | range (semitones) | largest leap | mean interval | notes per beat | duration values | "
        "key accidentals | bars | intervals asked | chord kinds asked |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *[
            f"| {r['level']} | {r['range']:.1f} | {r['max_leap']:.1f} | {r['mean_interval']:.2f} | "
            f"{r['notes_per_beat']:.2f} | {r['duration_classes']:.1f} | {r['key_accidentals']:.1f} | "
            f"{r['bars']:.0f} | "
            f"{r['quiz_intervals']} | {r['quiz_chords']} |"
            for r in levels
        ],
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text)


if __name__ == "__main__":
    main()
