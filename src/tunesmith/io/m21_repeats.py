"""Repeats of a music21 score expanded by measure index, without music21's expandRepeats.

music21's expandRepeats deep-copies every measure (5-10 s for a rag or a sonata movement) and
reads ABC endings differently from abc2midi. Here the play order comes from the same rules the
ABC reader uses (abc_repeats.play_order) and each part's elements are listed at their played
offsets, copying nothing.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tunesmith.io.abc_repeats import Bar, RepeatsTooLongError, play_order
from tunesmith.limits import DEFAULT_LIMITS

_DOUBLE_BARS = {"double", "final", "light-light", "light-heavy", "heavy-light", "heavy-heavy"}


def has_repeats(stream: Any) -> bool:
    from music21 import bar, spanner

    # repeat barlines live in Measure.leftBarline/rightBarline, which recurse() does not visit
    measures = stream.recurse().getElementsByClass("Measure")
    return any(
        isinstance(m.leftBarline, bar.Repeat) or isinstance(m.rightBarline, bar.Repeat) for m in measures
    ) or any(True for _ in stream.recurse().getElementsByClass(spanner.RepeatBracket))


def measure_play_order(stream: Any, parts: list[Any]) -> list[int] | None:
    """Indices of the measures (shared by all parts) in played order; None when the parts'
    measures do not line up, and the caller should fall back to music21's expansion."""
    from music21 import bar, spanner

    measure_lists = [list(p.getElementsByClass("Measure")) for p in parts]
    if not measure_lists or not measure_lists[0] or len({len(ms) for ms in measure_lists}) != 1:
        return None
    measures = measure_lists[0]
    bars: list[Bar] = []
    for m in measures:
        left, right = m.leftBarline, m.rightBarline
        b = Bar(Fraction(m.offset), Fraction(m.offset) + Fraction(m.duration.quarterLength))
        b.starts_repeat = isinstance(left, bar.Repeat) and left.direction == "start"
        b.ends_repeat = isinstance(right, bar.Repeat) and right.direction == "end"
        b.double_end = right is not None and right.type in _DOUBLE_BARS
        bars.append(b)
    # endings: the bracket's own measures form its block (from the first part holding brackets)
    index = {id(m): i for ms in measure_lists for i, m in enumerate(ms)}
    member: list[set[int]] = [set() for _ in bars]
    for bracket in stream.recurse().getElementsByClass(spanner.RepeatBracket):
        spanned = sorted(index[id(m)] for m in bracket.getSpannedElements() if id(m) in index)
        numbers = {int(n) for n in (bracket.numberRange or [1])}
        if not spanned or not numbers:
            continue
        block = {n for n in numbers if 1 <= n <= 9}
        bars[spanned[0]].endings = block
        for i in range(spanned[0], spanned[-1] + 1):
            member[i] = block
    return play_order(bars, member)


def played_elements(part: Any, order: list[int]) -> list[tuple[Fraction, Any]]:
    """(played offset in quarters, element) for every element of the part's measures in ``order``."""
    measures = list(part.getElementsByClass("Measure"))
    starts = [Fraction(m.offset) for m in measures]
    ends = [*starts[1:], starts[-1] + Fraction(measures[-1].duration.quarterLength)] if measures else []
    out: list[tuple[Fraction, Any]] = []
    played = Fraction(0)
    for i in order:
        for el in measures[i].flatten():
            out.append((played + Fraction(el.offset), el))
        if len(out) > 2 * DEFAULT_LIMITS.max_notes:  # before the notes are even counted
            most = 2 * DEFAULT_LIMITS.max_notes
            raise RepeatsTooLongError(f"repeats expand to more than {most:,} elements")
        played += ends[i] - starts[i]
    for el in part.getElementsNotOfClass("Measure"):  # part-level marks (instrument, tempo)
        out.append((Fraction(el.offset), el))
    return out
