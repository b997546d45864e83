"""How the arrangement develops, and what makes the jazz style jazz.

    TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_arrange.py [--seeds 7 8 9]

Sections (every style, each seed, the default model): the share of sections whose accompaniment
pattern or instrumentation (the set of parts that play, drums included, and the drum pattern)
differs from the section before, measured on the notes (the comping's onset grid within the bar
and which tracks sound), not on the plan; counter-line notes per bar, and the share of them that
start while the melody holds a note past its first beat or rests (in the tune's gaps); drum fills
(bars whose last beat has two or more snare/tom/block strokes and more hits than their first beat).
A part counts as playing in a section when it sounds in more than half of its bars; the kit is the
drums struck at least once a bar on average.

Jazz (each seed): swing ratio (the long to the short half of swung eighth pairs in the melody, 2.0 =
triplet swing), share of seventh (or richer) chords, walking-bass notes per beat and the share of
bass steps of at most a whole tone, ride and hi-hat placement. Writes benchmarks/results/arrange.md.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path
from typing import Any

from tunesmith.compose.api import compose
from tunesmith.compose.instruments import DRUMS
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import available_styles
from tunesmith.score import TICKS_PER_QUARTER


def _grid(t: int) -> int:
    return round(t / 120) * 120


def _section_signature(piece: Any, start: int, end: int) -> tuple[Any, ...]:
    bar = piece.plan.bar_ticks
    playing = []
    onsets = 0
    acc_grid: set[int] = set()
    acc_notes = 0
    drum_keys: set[int] = set()
    n_bars = max(1, (end - start) // bar)
    for t in piece.score.tracks:
        notes = [n for n in t.notes if start <= _grid(n.start) < end]
        if len({_grid(n.start) // bar for n in notes}) * 2 > n_bars:  # plays in most of the section
            playing.append(t.name.split(" (")[0])
        if t.name.startswith("accompaniment"):
            acc_grid |= {_grid(n.start) % bar for n in notes}
            acc_notes += len(notes)
            onsets = len({_grid(n.start) for n in notes})
        if t.is_drum:  # the kit in most bars (a drop-out or a lighter pattern changes it)
            counts: dict[int, int] = {}
            for n in notes:
                if n.pitch != DRUMS["crash"]:
                    counts[n.pitch] = counts.get(n.pitch, 0) + 1
            drum_keys |= {k for k, c in counts.items() if c >= n_bars}
    per_onset = round(acc_notes / max(1, onsets), 1) if acc_notes else 0.0  # chords vs broken figures
    return tuple(sorted(playing)), tuple(sorted(acc_grid)), per_onset, tuple(sorted(drum_keys))


def sections(piece: Any) -> dict[str, float]:
    plan = piece.plan
    bar = plan.bar_ticks
    sigs = [_section_signature(piece, s.start_bar * bar, (s.start_bar + s.bars) * bar) for s in plan.sections]
    differ = sum(1 for a, b in itertools.pairwise(sigs) if a != b)
    melody = piece.score.tracks[0].notes
    counter = next((t.notes for t in piece.score.tracks if t.name.startswith("counter")), [])
    body = [n for n in counter if plan.intro_bars * bar <= n.start < (plan.intro_bars + plan.body_bars) * bar]
    beat = plan.meter.beat_ticks

    def in_gap(n: Any) -> bool:
        tick = _grid(n.start)
        for m in melody:
            if m.start <= tick < m.end:
                return tick - _grid(m.start) >= beat // 2 and m.duration >= beat
        return True

    drums = next((t.notes for t in piece.score.tracks if t.is_drum), [])
    fill_keys = {DRUMS[k] for k in ("snare", "low_tom", "mid_tom", "high_tom", "woodblock")}
    fills = 0
    for b in range(plan.total_bars):
        last_beat = [n for n in drums if (b + 1) * bar - beat <= _grid(n.start) < (b + 1) * bar]
        first_beat = [n for n in drums if b * bar <= _grid(n.start) < b * bar + beat]
        struck = [n for n in last_beat if n.pitch in fill_keys]
        fills += len(struck) >= 2 and len(last_beat) > len(first_beat)
    return {
        "differ": differ / max(1, len(sigs) - 1),
        "counter_per_bar": len(body) / plan.body_bars,
        "counter_in_gaps": sum(in_gap(n) for n in body) / max(1, len(body)),
        "fills": fills,
        "bars": plan.total_bars,
    }


def jazz(piece: Any) -> dict[str, float]:
    plan = piece.plan
    melody = sorted(n.start for n in piece.score.tracks[0].notes)
    ratios = []
    for s in melody:
        on = round(s / TICKS_PER_QUARTER) * TICKS_PER_QUARTER
        if abs(s - on) < 60:
            off = [t for t in melody if on + 180 <= t < on + 440]
            if off:
                ratios.append((off[0] - s) / (on + TICKS_PER_QUARTER - off[0]))
    chords = piece.score.chords
    sevenths = sum(1 for c in chords if any(x in c.figure for x in ("7", "9", "6", "13", "11")))
    bass = next(t.notes for t in piece.score.tracks if t.name.startswith("bass"))
    body = [
        n
        for n in bass
        if plan.intro_bars * plan.bar_ticks <= n.start < (plan.intro_bars + plan.body_bars) * plan.bar_ticks
    ]
    steps = [abs(b.pitch - a.pitch) for a, b in itertools.pairwise(body)]
    drums = next(t.notes for t in piece.score.tracks if t.is_drum)
    hats = [_grid(n.start) % plan.bar_ticks for n in drums if n.pitch == DRUMS["pedal_hat"]]
    return {
        "swing": statistics.median(ratios) if ratios else float("nan"),
        "pairs": len(ratios),
        "sevenths": sevenths / max(1, len(chords)),
        "bass_per_beat": len(body) / (plan.body_bars * plan.meter.beats),
        "bass_steps": sum(1 for s in steps if s <= 2) / max(1, len(steps)),
        "hat_on_2_4": sum(1 for h in hats if h in (480, 1440)) / max(1, len(hats)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="*", default=[7, 8, 9])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "arrange.md"))
    args = parser.parse_args()
    started = time.time()
    seeds = " ".join(str(s) for s in args.seeds)
    lines = [
        "# Arrangement: sections, counter-line, fills; the jazz style",
        "",
        "Command:",
        "",
        f"    TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_arrange.py --seeds {seeds}",
        "",
        __doc__.split("\n\n", 2)[2].strip() if __doc__ else "",
        "",
        "## Sections (per piece)",
        "",
        "| style | seed | sections differing from the one before | counter notes per bar | "
        "counter notes in the tune's gaps | bars with a drum fill | bars |",
        "|---|---|---|---|---|---|---|",
    ]
    for style in available_styles():
        for seed in args.seeds:
            piece = compose(ComposeRequest(style=style, seed=seed, candidates=1))
            s = sections(piece)
            has_counter = any(t.name.startswith("counter") for t in piece.score.tracks)
            lines.append(
                f"| {style} | {seed} | {100 * s['differ']:.0f}% | "
                + (
                    f"{s['counter_per_bar']:.2f} | {100 * s['counter_in_gaps']:.0f}%"
                    if has_counter
                    else "- | -"
                )
                + f" | {s['fills']} | {s['bars']} |"
            )
        print(style, flush=True)
    lines += [
        "",
        "## Jazz",
        "",
        "| seed | swing ratio (median) | swung pairs | seventh/ninth chords | walking-bass notes per beat | "
        "bass steps of at most a tone | hi-hat pedal on 2 and 4 |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed in args.seeds:
        j = jazz(compose(ComposeRequest(style="jazz", seed=seed, candidates=1)))
        lines.append(
            f"| {seed} | {j['swing']:.2f} | {j['pairs']} | {100 * j['sevenths']:.0f}% | "
            f"{j['bass_per_beat']:.2f} | "
            f"{100 * j['bass_steps']:.0f}% | {100 * j['hat_on_2_4']:.0f}% |"
        )
    lines += [
        "",
        "Bass motion per style, pad doubling, chinese-folk slides, march fanfares and players, lullaby "
        "resolutions and titles, before and after: arrange_review.md (benchmarks/bench_review.py).",
        "",
        f"Run time {time.time() - started:.0f} s.",
        "",
    ]
    Path(args.out).write_text("\n".join(lines))


if __name__ == "__main__":
    main()
