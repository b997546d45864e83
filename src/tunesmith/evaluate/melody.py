"""The bar grid the metrics measure the melody on (the melody itself: theory.melodyline; the
beats: theory.meter).
Times are ticks at ``TICKS_PER_QUARTER``; the metric grid is the sixteenth note (``STEP`` ticks).
"""

from __future__ import annotations

from tunesmith.score import TICKS_PER_QUARTER, Score, TimeSignature

STEP = TICKS_PER_QUARTER // 4
"""Ticks per sixteenth note: the grid of the rhythm and repetition metrics."""


def pickup_ticks(score: Score) -> int:
    """Length in ticks of an unmarked pickup (anacrusis) before the first full bar; 0 when none.

    A Score has no anacrusis field, and the readers start a pickup's notes at tick 0 under the full
    meter, which would put every "strong beat" in the wrong place. Two clues reveal the true
    barlines: a later meter change (it sits on a barline: the ABC sources mark short bars with one),
    else the first chord symbol when it comes within the first bar (chords change on downbeats).
    """
    sigs = sorted(score.time_signatures, key=lambda t: t.tick)
    first = sigs[0] if sigs and sigs[0].tick == 0 else TimeSignature(0, 4, 4)
    bar = max(1, first.bar_ticks)
    later = [t.tick for t in sigs if t.tick > 0]
    if later:
        return later[0] % bar
    if score.chords:
        tick = min(c.tick for c in score.chords)
        return tick if 0 < tick < bar else 0
    return 0


def bars(score: Score, until: int) -> list[tuple[int, int, TimeSignature]]:
    """(start tick, length in ticks, time signature) of every full bar that begins before ``until``,
    from the end of the pickup (see :func:`pickup_ticks`; the pickup itself is not a bar here).
    Each meter change starts a new bar; a bar cut short by one is as long as it lasts."""
    sigs = sorted(score.time_signatures, key=lambda t: t.tick)
    if not sigs or sigs[0].tick > 0:
        sigs.insert(0, TimeSignature(0, 4, 4))
    pickup = pickup_ticks(score)
    if pickup >= until:
        pickup = 0  # nothing after the supposed pickup: measure from the start
    out: list[tuple[int, int, TimeSignature]] = []
    for i, sig in enumerate(sigs):
        step = max(1, sig.bar_ticks)
        tick = pickup if i == 0 else sig.tick
        stop = sigs[i + 1].tick if i + 1 < len(sigs) else None
        while tick < until and (stop is None or tick < stop):
            out.append((tick, step if stop is None else min(step, stop - tick), sig))
            tick += step
    return out or [(0, max(1, sigs[0].bar_ticks), sigs[0])]
