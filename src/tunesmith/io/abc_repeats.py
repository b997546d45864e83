"""Play order of ABC bars: repeats |: :| and :: and first/second (nth) endings expanded.

A ``:|`` without a matching ``|:`` repeats from the start of the tune, from just after the
previous repeat or last ending, or from the last double bar (``||``, ``|]``), as abc2midi does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tunesmith.limits import DEFAULT_LIMITS

MAX_ENDING = 9
"""Highest ending number accepted; more passes than this is a malformed tune, not music."""


class RepeatsTooLongError(ValueError):
    """The repeats play more bars than tunesmith.limits allows (a repeat bomb, not music)."""


@dataclass(slots=True)
class Bar:
    """One written bar: its span in written time (whole notes) and the bar lines around it."""

    start: object  # Fraction; object keeps this module free of arithmetic it does not do
    end: object = None
    starts_repeat: bool = False
    ends_repeat: bool = False
    double_end: bool = False  # closed by || or |] (a section boundary)
    endings: set[int] = field(default_factory=set)  # non-empty when an ending starts here


def _ending_blocks(bars: list[Bar]) -> list[set[int]]:
    """For each bar, the ending numbers it belongs to (empty outside endings)."""
    member: list[set[int]] = []
    current: set[int] = set()
    for bar in bars:
        if bar.endings:
            current = bar.endings
        elif bar.starts_repeat:
            current = set()
        member.append(current)
        if bar.ends_repeat or bar.double_end:
            current = set()
    return member


def play_order(bars: list[Bar], member: list[set[int]] | None = None) -> list[int]:
    """Indices of ``bars`` in the order they are played. ``member`` gives, per bar, the ending
    numbers it belongs to (the same set object for one ending's bars) when the source marks
    them explicitly (music21 brackets); otherwise endings run as ABC notation implies."""
    max_bars = DEFAULT_LIMITS.max_bars
    member = _ending_blocks(bars) if member is None else member
    order: list[int] = []
    start = 0
    explicit_start = False
    pass_no = 1
    skipped = False
    i = 0
    guard = 0
    while i < len(bars):
        guard += 1
        if guard > 20 * (len(bars) + 1) * MAX_ENDING:  # cannot happen for a valid bar list
            break
        bar = bars[i]
        if bar.starts_repeat and pass_no == 1 and i != start:
            start, explicit_start = i, True
        elif bar.starts_repeat and pass_no == 1:
            explicit_start = True
        if member[i] and pass_no not in member[i] and _later_ending_has(member, i, pass_no):
            i += 1  # an ending for another pass: skip it
            skipped = True
            continue
        if skipped and not member[i]:
            # past the skipped first ending with no second ending marked: the section is done
            pass_no, start, explicit_start = 1, i, False
        skipped = False
        order.append(i)
        if len(order) > max_bars:
            raise RepeatsTooLongError(f"repeats expand to more than {max_bars:,} bars")
        if bar.ends_repeat:
            passes = max(2, *_section_endings(member, i)) if member[i] else 2
            if pass_no < passes:
                pass_no += 1
                i = start
                continue
            pass_no, start, explicit_start = 1, i + 1, False
        elif member[i] and (i + 1 >= len(bars) or member[i + 1] is not member[i]):
            # the last bar of an ending played on its pass: the repeated section is over
            if not any(bars[j].ends_repeat for j in range(i, len(bars)) if member[j] is member[i]):
                pass_no, start, explicit_start = 1, i + 1, False
        elif bar.double_end and not explicit_start and pass_no == 1:
            start = i + 1
        i += 1
    return order


def _later_ending_has(member: list[set[int]], i: int, pass_no: int) -> bool:
    """True when a later ending of this section serves ``pass_no`` (else this ending plays)."""
    return pass_no in _section_endings(member, i) or pass_no > max(_section_endings(member, i))


def _section_endings(member: list[set[int]], i: int) -> set[int]:
    """All ending numbers of the run of ending blocks around bar ``i``."""
    lo = i
    while lo > 0 and member[lo - 1]:
        lo -= 1
    hi = i
    while hi + 1 < len(member) and member[hi + 1]:
        hi += 1
    numbers: set[int] = set()
    for block in member[lo : hi + 1]:
        numbers |= block
    return numbers or {1}
