"""Layout for notation: bars, notes on a written grid, and the note values that show them.

What notation needs and a Score does not say: performance timing (humanised or played MIDI) is
snapped per beat to sixteenths or eighth-note triplets, whichever fits the beat's onsets better;
timing already on a notation grid (64ths, and triplets down to 32nds) is kept exactly. A part is
written as one voice: notes that overlap are cut into tied chord segments, so every note survives
(a read back merges the ties). Each segment is written with the note values a reader expects:
split at the strongest beat inside it, never crossing a beat unless it starts on one, triplets
bracketed per beat. A pickup (anacrusis) is found the way the evaluators find it (a later meter
change on a barline, else chord symbols that all fall off the bar start) and written as a short
first bar.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

from tunesmith.errors import OutputError
from tunesmith.score import TICKS_PER_QUARTER, Note, Score, TimeSignature, Track

Q = TICKS_PER_QUARTER
VALUES: dict[int, tuple[str, int]] = {
    4 * Q: ("whole", 0), 6 * Q: ("whole", 1), 7 * Q: ("whole", 2),
    2 * Q: ("half", 0), 3 * Q: ("half", 1), 7 * Q // 2: ("half", 2),
    Q: ("quarter", 0), 3 * Q // 2: ("quarter", 1), 7 * Q // 4: ("quarter", 2),
    Q // 2: ("eighth", 0), 3 * Q // 4: ("eighth", 1), 7 * Q // 8: ("eighth", 2),
    Q // 4: ("16th", 0), 3 * Q // 8: ("16th", 1), 7 * Q // 16: ("16th", 2),
    Q // 8: ("32nd", 0), 3 * Q // 16: ("32nd", 1),
    Q // 16: ("64th", 0),
}  # fmt: skip
"""Ticks -> (MusicXML note type, dots) for every value written without a tuplet."""
FINE = Q // 16
"""The finest binary grid kept exactly (a 64th); triplets are kept down to Q // 12 (32nd triplets)."""
FINE_TRIPLET = Q // 12
_TOO_LONG = "writing the notation took too long; stopped (the piece is too large)"
_BEAMED = {"eighth": 1, "16th": 2, "32nd": 3, "64th": 4}


@dataclass(slots=True)
class Bar:
    start: int
    length: int
    meter: TimeSignature
    show_meter: bool
    pickup: bool = False

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def compound(self) -> bool:
        return self.meter.denominator == 8 and self.meter.numerator in (6, 9, 12)

    @property
    def beat(self) -> int:
        return 3 * Q // 2 if self.compound else 4 * Q // self.meter.denominator

    @property
    def offset(self) -> int:
        """Where this bar begins inside a full bar of its meter (a pickup ends on the barline)."""
        return self.meter.bar_ticks - self.length if self.pickup else 0


@dataclass(slots=True)
class Item:
    """One written note, chord or rest: ``pitches`` holds (pitch, tied from before, tied on, velocity)."""

    start: int
    duration: int
    value: str
    dots: int
    triplet: bool = False
    pitches: list[tuple[int, bool, bool, int]] = field(default_factory=list)
    tuplet: str = ""  # "start" / "stop" of a triplet bracket
    beams: list[str] = field(default_factory=list)
    whole_bar: bool = False


@dataclass(slots=True)
class Layout:
    bars: list[Bar]
    parts: list[list[list[Item]]]  # part -> bar -> items
    marks: dict[int, int]  # original tick of a chord/tempo/section/key -> written tick
    notes_written: int
    notes_merged: int


def pickup_length(score: Score) -> int:
    """Length of an unmarked anacrusis before the first full bar, 0 when there is none."""
    sigs = sorted(score.time_signatures, key=lambda t: t.tick)
    first = sigs[0] if sigs and sigs[0].tick == 0 else TimeSignature(0, 4, 4)
    bar = max(1, first.bar_ticks)
    later = [t.tick for t in sigs if t.tick > 0]
    if later:
        return later[0] % bar
    residues = Counter(c.tick % bar for c in score.chords)
    if not residues or residues.get(0):
        return 0
    first_chord = min(c.tick for c in score.chords) % bar
    return first_chord if residues[first_chord] * 2 >= sum(residues.values()) else 0


def layout_bars(score: Score, end: int) -> list[Bar]:
    sigs = sorted(score.time_signatures, key=lambda t: t.tick)
    if not sigs or sigs[0].tick > 0:
        sigs.insert(0, TimeSignature(0, 4, 4))
    pickup = round(pickup_length(score) / FINE) * FINE  # bars hold whole notation values
    bars: list[Bar] = []
    tick, i = 0, 0
    while tick < end or not bars:
        while i + 1 < len(sigs) and sigs[i + 1].tick <= tick:
            i += 1
        meter = sigs[i]
        length = max(1, meter.bar_ticks)
        is_pickup = not bars and 0 < pickup < length
        if is_pickup:
            length = pickup
        if i + 1 < len(sigs) and tick + length > sigs[i + 1].tick:
            # a meter change mid-bar: the bar ends there (on the finest written grid)
            length = max(FINE, round((sigs[i + 1].tick - tick) / FINE) * FINE)
        shown = not bars or meter != bars[-1].meter
        bars.append(Bar(tick, length, meter, shown, is_pickup))
        tick += length
    return bars


class _Grid:
    """Bar lookup and the snapping of ticks to the written grid."""

    def __init__(self, bars: list[Bar]) -> None:
        self.bars = bars
        self.starts = [b.start for b in bars]

    def bar_at(self, tick: int) -> Bar:
        return self.bars[max(0, bisect.bisect_right(self.starts, tick) - 1)]

    def span(self, tick: int) -> tuple[int, int] | None:
        """(start, length) of the beat holding ``tick`` where triplets may be written; None in
        compound meters (their beats divide in three already)."""
        bar = self.bar_at(tick)
        if bar.compound:
            return None
        beat = bar.beat
        rel = tick - bar.start + bar.offset
        return bar.start - bar.offset + rel // beat * beat, beat


def _snap(t: int, origin: int, step: int) -> int:
    return origin + round((t - origin) / step) * step


def _on_grid(t: int, grid: _Grid) -> bool:
    bar = grid.bar_at(t)
    rel = t - bar.start + bar.offset
    return rel % FINE == 0 or rel % FINE_TRIPLET == 0


def _quantise(
    notes: list[Note], extra: list[int], grid: _Grid, drums: bool = False
) -> tuple[list[Note], dict[int, int], int]:
    """Notes and ``extra`` ticks on the written grid; returns the notes, extra tick -> written tick,
    and how many notes merged into another (same pitch at the same written onset)."""
    ticks = [t for n in notes for t in (n.start, n.end)]
    performed = bool(ticks) and sum(_on_grid(t, grid) for t in ticks) < 0.9 * len(ticks)
    triplet_beats: set[int] = set()
    if performed:  # per beat: sixteenths, or eighth triplets where they fit the onsets far better
        errors: dict[int, list[int]] = {}
        for n in notes:
            span = grid.span(n.start)
            if span is None or span[1] != Q:
                continue
            rel = n.start - span[0]
            e = errors.setdefault(span[0], [0, 0, 0])
            e[0] += abs(rel - round(rel / (Q // 4)) * (Q // 4))
            e[1] += abs(rel - round(rel / (Q // 3)) * (Q // 3))
            e[2] += 1
        triplet_beats = {
            s for s, (binary, triplet, count) in errors.items() if count >= 2 and triplet * 2 < binary
        }

    def place(t: int) -> int:
        span = grid.span(t)
        bar = grid.bar_at(t)
        origin = bar.start - bar.offset
        if performed:
            if span is not None and span[0] in triplet_beats:
                return _snap(t, span[0], Q // 3)
            return _snap(t, origin, Q // 4)
        binary = _snap(t, origin, FINE)
        if span is None:
            return binary
        triplet = _snap(t, span[0], FINE_TRIPLET)
        return triplet if abs(triplet - t) < abs(binary - t) else binary

    placed = {t: max(0, place(t)) for t in {*ticks, *extra}}  # a pickup grid may reach before 0
    _make_beats_consistent(placed, grid)
    triplet_spans = {s[0] for w in placed.values() if (s := grid.span(w)) is not None and (w - s[0]) % FINE}
    step = Q // 4 if performed else FINE
    out: list[Note] = []
    last: dict[int, Note] = {}
    merged = 0
    order = sorted(notes, key=lambda n: (placed[n.start], n.pitch, -n.duration))
    following: list[float] = [0.0] * len(order)  # the next onset of the same pitch
    upcoming: dict[int, float] = {}
    for i in range(len(order) - 1, -1, -1):
        following[i] = upcoming.get(order[i].pitch, float("inf"))
        upcoming[order[i].pitch] = placed[order[i].start]
    for i, n in enumerate(order):
        start, end = placed[n.start], placed[n.end]
        if end <= start:
            end = start + step
            span = grid.span(start)
            if span is not None and span[0] in triplet_spans:
                end = start + Q // 3 if performed else start + FINE_TRIPLET
        held = last.get(n.pitch)
        if held is not None and held.end > start:
            if held.start == start:
                # one pitch struck twice on one grid slot: played, the second goes to the next
                # free slot; written that way already, notation cannot show both
                slot = _slot(start, grid, triplet_beats) if performed else 0
                if not slot or held.start + slot >= following[i]:
                    merged += 1
                    continue
                start = held.start + slot
                end = max(end, start + slot)
            held.duration = start - held.start
        note = Note(n.pitch, start, end - start, n.velocity)
        out.append(note)
        last[n.pitch] = note
    if performed or drums:
        _legato(out, grid, drums)
    return out, {t: placed[t] for t in extra}, merged


def _slot(tick: int, grid: _Grid, triplet_beats: set[int]) -> int:
    span = grid.span(tick)
    return Q // 3 if span is not None and span[0] in triplet_beats else Q // 4


def _legato(notes: list[Note], grid: _Grid, drums: bool) -> None:
    """Written durations for played notes: a note held into the next onset is cut there and a
    gap of a sixteenth or less before it is closed (one readable voice, no stray rests); a drum
    hit lasts until the next hit within its beat (drum notation shows strokes, not lengths)."""
    onsets = sorted({n.start for n in notes})
    for n in notes:
        i = bisect.bisect_right(onsets, n.start)
        nxt = onsets[i] if i < len(onsets) else None
        if drums:
            bar = grid.bar_at(n.start)
            origin, beat = bar.start - bar.offset, bar.beat
            beat_end = min(origin + ((n.start - origin) // beat + 1) * beat, bar.end)
            end = min(nxt, beat_end) if nxt is not None else beat_end
            span = grid.span(n.start)
            if span is not None and (end - n.start) % FINE and (n.start - span[0]) % FINE == 0:
                end = n.end  # a binary hit never ends inside a triplet
            n.duration = max(1, end - n.start)
        elif nxt is not None and n.end > nxt:
            n.duration = nxt - n.start
        else:
            # A played-short note (staccato, a breath, the last note) is written at its full
            # value: a gap up to the next onset or the end of its beat, whichever comes first, is
            # closed when it is a sixteenth or less, or under a quarter and no longer than the note.
            bar = grid.bar_at(max(n.start, n.end - 1))
            origin, beat = bar.start - bar.offset, bar.beat
            beat_end = min(origin + ((n.end - 1 - origin) // beat + 1) * beat, bar.end)
            limit = beat_end if nxt is None else min(nxt, beat_end)
            gap = limit - n.end
            if 0 < gap <= Q // 4 or (0 < gap < Q and gap <= n.duration):
                n.duration = limit - n.start


def _make_beats_consistent(placed: dict[int, int], grid: _Grid) -> None:
    """A beat holds binary or triplet positions, not both: binary wins where they mix."""
    kinds: dict[int, set[bool]] = {}
    for t in placed.values():
        span = grid.span(t)
        if span is not None and (t - span[0]) % span[1]:
            kinds.setdefault(span[0], set()).add((t - span[0]) % FINE == 0)
    for t, w in placed.items():
        span = grid.span(w)
        bar = grid.bar_at(w)
        rel = w - span[0] if span is not None else w - bar.start + bar.offset
        mixed = span is not None and len(kinds.get(span[0], ())) > 1
        if rel % FINE and (span is None or mixed):
            placed[t] = _snap(w, bar.start - bar.offset, FINE)


def _is_triplet_span(bar: Bar, span_start: int, bounds: list[int]) -> bool:
    span = bar.beat
    lo = bisect.bisect_right(bounds, span_start)
    hi = bisect.bisect_left(bounds, span_start + span)
    return any((b - span_start) % FINE for b in bounds[lo:hi])


def _values(a: int, b: int, bar: Bar, triplet_spans: set[int]) -> list[tuple[int, int, bool]]:
    """Split [a, b) of ``bar`` into (start, end, triplet) pieces that each take one note value."""
    out: list[tuple[int, int, bool]] = []
    stack = [(a, b)]
    origin = bar.start - bar.offset
    beat = bar.beat
    while stack:
        x, y = stack.pop()
        span_start = origin + (x - origin) // beat * beat
        in_triplet = not bar.compound and span_start in triplet_spans
        if in_triplet and y <= span_start + beat and (y - x) * 3 % 2 == 0 and (y - x) * 3 // 2 in VALUES:
            out.append((x, y, True))
            continue
        if not in_triplet and (y - x) in VALUES and _fits(x - origin, y - origin, bar, triplet_spans):
            out.append((x, y, False))
            continue
        cut = _longest_first(x - origin, y - origin, bar, triplet_spans) if not in_triplet else None
        cut = cut if cut is not None else _cut(x - origin, y - origin, bar, in_triplet)
        if cut is None:
            raise OutputError(f"cannot write a note value for ticks {x}-{y}")
        stack += [(origin + cut, y), (x, origin + cut)]
    return out


_PLAIN_VALUES = sorted((v for v, (_, dots) in VALUES.items() if dots < 2), reverse=True)


def _longest_first(rx: int, ry: int, bar: Bar, triplet_spans: set[int]) -> int | None:
    """From a beat, the longest value that fits goes first (half tied to an eighth, not a
    quarter tied to a dotted quarter); None off the beat, where the metric cut reads better."""
    if rx % bar.beat:
        return None
    for value in _PLAIN_VALUES:
        if value < ry - rx and _fits(rx, rx + value, bar, triplet_spans):
            return rx + value
    return None


def _fits(rx: int, ry: int, bar: Bar, triplet_spans: set[int]) -> bool:
    beat, full = bar.beat, bar.meter.bar_ticks
    if rx // beat == (ry - 1) // beat:
        return True  # inside one beat
    if rx % beat:
        return False  # starts off the beat and crosses one: split it
    if bar.compound and (ry - rx) % beat:
        return False  # in 6/8 a note across a beat lasts whole dotted beats (or is tied)
    origin = bar.start - bar.offset
    if any(origin + s in triplet_spans for s in range(rx, ry, beat)):
        return False
    half = full // 2
    if bar.meter.numerator == 4 and not bar.compound and rx < half < ry:
        return rx == 0 and ry == full  # the middle of a 4/4 bar stays visible
    return True


def _cut(rx: int, ry: int, bar: Bar, in_triplet: bool) -> int | None:
    beat = bar.beat
    units = [bar.meter.bar_ticks // 2] if bar.meter.numerator in (4, 12) else []
    units.append(beat)
    if in_triplet or rx % beat or ry % beat:
        units += [beat // 3, beat // 6, beat // 12] if in_triplet else []
    unit = beat // 3 if bar.compound else beat // 2
    while unit >= FINE:
        units.append(unit)
        unit //= 2
    units.append(FINE_TRIPLET)
    for u in units:
        if u <= 0:
            continue
        first = (rx // u + 1) * u
        if first < ry:
            return first
    return None


def _segments(
    notes: list[Note], cuts: list[int], deadline: float = float("inf")
) -> list[tuple[int, int, list[tuple[int, bool, bool, int]]]]:
    """The part cut at every onset, end and ``cuts``: (start, end, [(pitch, tied from, tied on,
    velocity)])."""
    end = max((n.end for n in notes), default=0)
    bounds = sorted({n.start for n in notes} | {n.end for n in notes} | {c for c in cuts if 0 < c < end})
    order = sorted(notes, key=lambda n: (n.start, n.pitch))
    segments = []
    active: list[Note] = []
    j = 0
    for k, (a, b) in enumerate(itertools.pairwise(bounds)):
        if k % 4096 == 0 and time.monotonic() > deadline:
            raise OutputError(_TOO_LONG)
        active = [n for n in active if n.end > a]
        while j < len(order) and order[j].start == a:
            active.append(order[j])
            j += 1
        if active:
            members = sorted(active, key=lambda n: n.pitch)
            segments.append((a, b, [(n.pitch, n.start < a, n.end > b, n.velocity) for n in members]))
    return segments


def _beam(items: list[Item], bar: Bar) -> None:
    group_len = 3 * Q // 2 if bar.compound else Q
    origin = bar.start - bar.offset
    groups: list[list[Item]] = []
    current: list[Item] = []
    current_key = None
    for item in items:
        key = (item.start - origin) // group_len
        if item.pitches and item.value in _BEAMED and key == current_key:
            current.append(item)
            continue
        groups.append(current)
        current = [item] if item.pitches and item.value in _BEAMED else []
        current_key = key
    groups.append(current)
    for group in groups:
        if len(group) < 2:
            continue
        levels = [_BEAMED[i.value] for i in group]
        for k in range(1, max(levels) + 1):
            for idx, item in enumerate(group):
                if levels[idx] < k:
                    continue
                before = idx > 0 and levels[idx - 1] >= k
                after = idx + 1 < len(group) and levels[idx + 1] >= k
                if k == 1 or (before or after):
                    state = "continue" if before and after else "begin" if after else "end"
                else:
                    state = "forward hook" if idx == 0 else "backward hook"
                item.beams.append(state)


def _part_items(notes: list[Note], cuts: list[int], bars: list[Bar], deadline: float) -> list[list[Item]]:
    marks = sorted(set(cuts))
    bounds = sorted({n.start for n in notes} | {n.end for n in notes} | set(cuts))
    triplet_spans: set[int] = set()
    span_ends: set[int] = set()
    for bar in bars:
        if bar.compound:
            continue
        origin = bar.start - bar.offset
        for s in range(origin + bar.offset // bar.beat * bar.beat, bar.end, bar.beat):
            if _is_triplet_span(bar, s, bounds):
                triplet_spans.add(s)
                span_ends.add(s + bar.beat)
    cut_points = sorted({*cuts, *(b.start for b in bars), *triplet_spans, *span_ends})
    segments = _segments(notes, cut_points, deadline)
    out: list[list[Item]] = []
    si = 0
    for number, bar in enumerate(bars):
        if number % 64 == 0 and time.monotonic() > deadline:
            raise OutputError(_TOO_LONG)
        items: list[Item] = []
        pos = bar.start
        while si < len(segments) and segments[si][0] < bar.end:
            a, b, members = segments[si]
            si += 1
            if a > pos:
                items += _rest_items(pos, a, bar, triplet_spans, marks)
            pieces = _values(a, min(b, bar.end), bar, triplet_spans)
            for k, (x, y, triplet) in enumerate(pieces):
                value, dots = VALUES[(y - x) * 3 // 2 if triplet else y - x]
                tied = [(p, frm or k > 0, on or k < len(pieces) - 1, v) for p, frm, on, v in members]
                items.append(Item(x, y - x, value, dots, triplet, tied))
            pos = b
        if pos < bar.end:
            inside = bisect.bisect_right(marks, bar.start) < bisect.bisect_left(marks, bar.end)
            if pos == bar.start and not inside:
                items.append(Item(bar.start, bar.length, "whole", 0, whole_bar=True))
            else:  # rests cut where a chord, tempo, section or key mark stands
                items += _rest_items(pos, bar.end, bar, triplet_spans, marks)
        _mark_tuplets(items, bar)
        _beam(items, bar)
        out.append(items)
    return out


def _rest_items(a: int, b: int, bar: Bar, triplet_spans: set[int], marks: list[int]) -> list[Item]:
    items = []
    inner = marks[bisect.bisect_right(marks, a) : bisect.bisect_left(marks, b)]
    for lo, hi in itertools.pairwise([a, *inner, b]):
        for x, y, triplet in _values(lo, hi, bar, triplet_spans):
            value, dots = VALUES[(y - x) * 3 // 2 if triplet else y - x]
            items.append(Item(x, y - x, value, dots, triplet))
    return items


def _mark_tuplets(items: list[Item], bar: Bar) -> None:
    origin = bar.start - bar.offset
    by_span: dict[int, list[Item]] = {}
    for item in items:
        if item.triplet:
            by_span.setdefault((item.start - origin) // bar.beat, []).append(item)
    for group in by_span.values():
        if len(group) > 1:
            group[0].tuplet, group[-1].tuplet = "start", "stop"


def layout(score: Score, time_limit_s: float = 60.0) -> Layout:
    """Bars and written items of every part (see the module docstring)."""
    deadline = time.monotonic() + time_limit_s
    tracks = score.tracks or [Track("Empty")]
    end = max(  # a mark at the last barline gets a bar of its own (it stands before a rest there)
        [n.end for t in tracks for n in t.notes]
        + [c.tick + 1 for c in score.chords]
        + [s.start + 1 for s in score.sections]
        + [t.tick + 1 for t in score.tempos]
        + [k.tick + 1 for k in score.key_signatures]
        + [1]
    )
    bars = layout_bars(score, end)
    grid = _Grid(bars)
    top_marks = (
        [c.tick for c in score.chords] + [t.tick for t in score.tempos] + [s.start for s in score.sections]
    )
    key_ticks = [k.tick for k in score.key_signatures]
    parts: list[list[list[Item]]] = []
    marks: dict[int, int] = {}
    written = merged = 0
    for i, track in enumerate(tracks):
        extra = key_ticks + (top_marks if i == 0 else [])
        notes, placed, lost = _quantise(track.notes, extra, grid, track.is_drum)
        marks.update(placed)
        written += len(notes)
        merged += lost
        end_bar = bars[-1].end
        if any(n.end > end_bar for n in notes):  # snapping moved a last note past the end
            last = max(n.end for n in notes)
            while bars[-1].end < last:
                b = bars[-1]
                bars.append(Bar(b.end, b.meter.bar_ticks, b.meter, False))
            for p in parts:
                while len(p) < len(bars):
                    p.append([Item(bars[len(p)].start, bars[len(p)].length, "whole", 0, whole_bar=True)])
        cuts = sorted({placed[t] for t in extra})
        parts.append(_part_items(notes, cuts, bars, deadline))
    for p in parts:  # parts written before a later part grew the bar list
        while len(p) < len(bars):
            bar = bars[len(p)]
            p.append([Item(bar.start, bar.length, "whole", 0, whole_bar=True)])
    return Layout(bars, parts, marks, written, merged)
