"""Melody infilling: regenerate a span of bars so it fits the bars before and after it.

Why the melody LSTM (and not the VAE): the LSTM is conditioned step by step on the chords, the
meter position and a primer, so the kept bars before the span can be fed in as they are and the
span's own chords drive the new notes; an 8-bar sample costs ~0.05 s on one CPU thread, so several
can be drawn and the best kept. The VAE works on whole phrases (its latent summarises 2-4 bars),
so a span that does not line up with its phrase grid would have to be re-encoded with the kept
bars it overlaps.

Constrained sampling: the bars before the span (up to ``context_bars``) are the primer; the
span's chords condition every step; ``samples`` candidates are drawn (seeds derived from
``seed``) and the one that costs least is kept, the cost adding:

- the leap from the candidate's last note into the first kept note after the span;
- the leap from the last kept note before the span into the candidate's first note;
- a missing chord tone on the last note when the span ends a phrase (a cadence);
- a note count far from the context's density (notes per bar around the span);
- the model's own mean log-likelihood (a tie-breaker for plausibility).

Then, as the composer does at phrase ends, the last note of a cadence is moved to the nearest
chord tone when no candidate landed on one (reported in ``snapped``). Deterministic for a seed.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass

from tunesmith.errors import ControlError
from tunesmith.evaluate.metrics import chord_pcs
from tunesmith.models.rnn import api
from tunesmith.score import ChordSymbol, Note

STEP_TICKS = 120
STEPS_PER_BAR = {"4/4": 16, "3/4": 12, "6/8": 12, "2/4": 8}
PHRASE_BARS = 4
"""Span ends on a multiple of this many bars count as cadences when the caller does not say."""


@dataclass
class InfillResult:
    """The new notes of the span (absolute ticks), the chosen candidate and how it was judged."""

    notes: list[Note]
    chosen: int
    costs: list[float]
    cadence: bool
    snapped: bool
    log_likelihood: float | None


def bar_ticks(meter: str) -> int:
    if meter not in STEPS_PER_BAR:
        raise ControlError("meter", f"infilling supports {', '.join(STEPS_PER_BAR)}, not {meter}")
    return STEPS_PER_BAR[meter] * STEP_TICKS


def chord_pcs_at(chords: Sequence[ChordSymbol], tick: int) -> frozenset[int] | None:
    """Pitch classes of the chord sounding at ``tick`` (chords sorted by tick), None for none."""
    ticks = [c.tick for c in chords]
    i = bisect.bisect_right(ticks, tick) - 1
    return chord_pcs(chords[i].figure) if i >= 0 else None


def _chords_from(chords: Sequence[ChordSymbol], start: int, end: int) -> list[ChordSymbol]:
    """The chords sounding in [start, end), shifted so ``start`` is tick 0."""
    ordered = sorted(chords, key=lambda c: c.tick)
    sounding = [c for c in ordered if c.tick <= start]
    out = [ChordSymbol(0, sounding[-1].figure)] if sounding else []
    out += [ChordSymbol(c.tick - start, c.figure) for c in ordered if start < c.tick < end]
    return out


def _primer(before: list[Note], c0: int, a: int) -> list[Note]:
    """The kept notes in [c0, a), from tick 0, monophonic, ending exactly at the span's start (the
    model continues from the primer's last step, so a trailing rest becomes a held last note)."""
    out: list[Note] = []
    for n in before:
        if n.start < c0:
            continue
        if out and out[-1].end > n.start:
            out[-1] = Note(
                out[-1].pitch, out[-1].start, max(1, n.start - c0 - out[-1].start), out[-1].velocity
            )
        out.append(Note(n.pitch, n.start - c0, min(n.end, a) - n.start, n.velocity))
    if out:
        last = out[-1]
        out[-1] = Note(last.pitch, last.start, a - c0 - last.start, last.velocity)
    return out


def _density(notes: list[Note], start: int, end: int, bar: int) -> float | None:
    """Notes per bar in [start, end), None for an empty window."""
    if end <= start:
        return None
    count = sum(1 for n in notes if start <= n.start < end)
    return count / ((end - start) / bar)


def infill_melody(
    notes: Sequence[Note],
    chords: Sequence[ChordSymbol],
    key: object,
    meter: str,
    *,
    first_bar: int,
    n_bars: int,
    style: str = "folk",
    seed: int = 0,
    samples: int = 5,
    context_bars: int = 4,
    pitch_range: tuple[int, int] | None = None,
    cadence: bool | None = None,
    temperature: float = 1.0,
    model: object | None = None,
) -> InfillResult:
    """New melody notes for bars ``first_bar`` .. ``first_bar + n_bars - 1`` (0-based, bar lines at
    multiples of the meter's bar from tick 0) that fit ``notes`` outside the span (see the module
    doc). ``key``: a Key, KeySignature or key name; ``chords``: the piece's chords (absolute ticks),
    the span's included."""
    bar = bar_ticks(meter)
    if n_bars < 1 or first_bar < 0:
        raise ControlError(
            "bars", f"a span needs a first bar >= 0 and at least one bar, got {first_bar}+{n_bars}"
        )
    if not 1 <= samples <= 64:
        raise ControlError("samples", f"must be between 1 and 64, got {samples}")
    a, b = first_bar * bar, (first_bar + n_bars) * bar
    line = sorted(notes, key=lambda n: (n.start, -n.pitch))
    before = [n for n in line if n.start < a]
    after = [n for n in line if n.start >= b]
    held_until = max((n.end for n in before), default=a)  # a kept note tied into the span holds on
    c0 = max(0, a - context_bars * bar)
    primer = _primer(before, c0, a)
    local_chords = _chords_from(chords, c0, b)
    if not local_chords:
        raise ControlError("chords", "the span has no chord to infill over")
    if pitch_range is None:
        context = [n.pitch for n in line if not a <= n.start < b] or [60, 79]
        pitch_range = (min(context) - 2, max(context) + 2)
    if cadence is None:
        cadence = not after or (first_bar + n_bars) % PHRASE_BARS == 0
    around = [d for d in (_density(line, c0, a, bar), _density(line, b, b + context_bars * bar, bar))
              if d is not None]  # fmt: skip
    expected = (sum(around) / len(around) if around else 2.0 * bar / 480) * n_bars
    prev = before[-1].pitch if before else None
    nxt = after[0].pitch if after else None
    loaded = model or api.load_melody_model()
    rng = random.Random(seed * 7_654_321 + first_bar * 97 + n_bars)
    seeds = [rng.randrange(1 << 31) for _ in range(samples)]
    candidates: list[tuple[list[Note], float | None]] = []
    costs: list[float] = []
    for s in seeds:
        result = api.generate_melody(
            local_chords, key, meter, n_bars, style,  # type: ignore[arg-type]
            temperature=temperature, top_p=0.92, seed=s, primer=primer or None,
            pitch_range=pitch_range, in_scale=True, model=loaded,  # type: ignore[arg-type]
        )  # fmt: skip
        offset = c0 if primer else a
        placed = [
            Note(n.pitch, n.start + offset, min(n.end + offset, b) - n.start - offset, n.velocity)
            for n in result.notes
            if held_until <= n.start + offset < b
        ]
        placed = [n for n in placed if n.duration > 0]
        candidates.append((placed, result.log_likelihood))
        costs.append(_cost(placed, prev, nxt, chords, cadence, expected, result.log_likelihood))
    chosen = min(range(len(costs)), key=lambda i: (costs[i], i))
    new, ll = candidates[chosen]
    snapped = False
    if cadence and new:
        last = new[-1]
        pcs = chord_pcs_at(sorted(chords, key=lambda c: c.tick), last.start)
        if pcs and last.pitch % 12 not in pcs:
            low, high = pitch_range
            options = [p for p in range(low, high + 1) if p % 12 in pcs]
            if options:
                new[-1] = Note(min(options, key=lambda p: (abs(p - last.pitch), p)), last.start,
                               last.duration, last.velocity)  # fmt: skip
                snapped = True
    return InfillResult(new, chosen, costs, cadence, snapped, ll)


def _cost(  # noqa: PLR0917 (one private call site)
    new: list[Note],
    prev: int | None,
    nxt: int | None,
    chords: Sequence[ChordSymbol],
    cadence: bool,
    expected: float,
    log_likelihood: float | None,
) -> float:
    if not new:
        return 1e6
    cost = 0.0
    if nxt is not None:
        leap = abs(new[-1].pitch - nxt)
        cost += max(0, leap - 2) * 0.5 + (3.0 if leap > 7 else 0.0)
    if prev is not None:
        leap = abs(new[0].pitch - prev)
        cost += max(0, leap - 4) * 0.3 + (2.0 if leap > 9 else 0.0)
    if cadence:
        pcs = chord_pcs_at(sorted(chords, key=lambda c: c.tick), new[-1].start)
        if pcs and new[-1].pitch % 12 not in pcs:
            cost += 4.0
    cost += 4.0 * abs(len(new) - expected) / max(1.0, expected)
    if log_likelihood is not None:
        cost -= 2.0 * log_likelihood
    return cost
