"""Melody: the chosen generator over the chords, shaped into phrases and sections that return.

Each distinct section (label and length) gets its melody once, from the RNN (or another model)
or, when the request selects ``model="rules"``, from the rule-based generator below (chord tones on
strong beats, passing and neighbour tones between, a one-bar rhythmic motif repeated and
sequenced). Then, whatever generated it, the section is shaped:

- a parallel period: the consequent phrase opens with the antecedent's opening bars (refitted to
  its chords), so the motif is heard again (as often as the style's ``parallel_periods`` says);
- phrase endings land on chord tones; the end of each section on the tonic, held;
- a phrase the harmony puts in a related key takes that key's accidentals;
- with the style's ``fill_rests`` (chorale), a rest inside a phrase is the note before held on;
- a new strain may close with the first strain's last bars (the style's ``shared_closes``);
- a strain repeated straight away (AA) is played again note for note, as dance tunes do, its
  first time often with an ending of its own that leads back (the style's ``first_endings``); a
  section returning after contrast is the first one varied lightly (weak-beat notes only; the
  first bar and the cadences stay), so a listener recognises the return;
- in compound meters no note that starts off the beat is held across the next beat;
- everything stays inside the planned melody range.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

from tunesmith.compose import engines
from tunesmith.compose.harmony import ChordSpan, Harmony, chord_tones
from tunesmith.compose.plan import Plan, SectionPlan
from tunesmith.score import Note
from tunesmith.theory.key import Key
from tunesmith.theory.melodyline import top_line
from tunesmith.theory.pitch import fold_into
from tunesmith.tokens.melody import SIGNATURE_MODES, key_shift, model_key

EIGHTH = 240  # ticks (480 per quarter)
REPEAT_PENALTY = 2.0
"""Logit taken off a fourth strike of one pitch in a row while the model samples: the model's drafts
struck a note four or more times running 1.07-1.21 times a folk or celtic piece (in 41-52% of
pieces), the tunes 0.55-0.58 (17-18%); with 2: 0.40-0.50 (22-23%); the training-slice measures
unchanged within noise (benchmarks/results/style_melody.md, session 8)."""

# One-bar rhythms in eighth notes per meter: body bars, cadence bars (ending on a long note).
RHYTHMS: dict[str, dict[str, list[list[int]]]] = {
    "4/4": {
        "body": [[2, 2, 2, 2], [3, 1, 2, 2], [2, 1, 1, 2, 2], [1, 1, 2, 2, 2], [4, 2, 2], [2, 2, 4],
                 [1, 1, 1, 1, 2, 2], [3, 1, 3, 1], [2, 2, 1, 1, 2], [1, 1, 1, 1, 1, 1, 2], [6, 2]],
        "cadence": [[2, 2, 4], [4, 4], [3, 1, 4]],
    },
    "3/4": {
        "body": [[2, 2, 2], [3, 1, 2], [4, 2], [2, 1, 1, 2], [1, 1, 2, 2], [2, 4], [1, 1, 1, 1, 2]],
        "cadence": [[2, 4], [4, 2], [6]],
    },
    "6/8": {
        "body": [[3, 3], [2, 1, 3], [2, 1, 2, 1], [1, 1, 1, 3], [3, 2, 1], [1, 1, 1, 1, 1, 1], [3, 1, 1, 1]],
        "cadence": [[2, 1, 3], [3, 3], [6]],
    },
    "2/4": {
        "body": [[2, 2], [1, 1, 2], [1, 1, 1, 1], [3, 1], [2, 1, 1], [4]],
        "cadence": [[2, 2], [4], [1, 1, 2]],
    },
}  # fmt: skip


@dataclass
class SectionMelody:
    """The notes of one section (absolute ticks), where they came from and their log-likelihood."""

    notes: list[Note]
    source: str
    log_likelihood: float | None = None


@dataclass
class MelodyResult:
    """The whole melody line, plus the mean model log-likelihood per step where a model made it."""

    notes: list[Note]
    log_likelihood: float | None
    source: str


# ----- pitch helpers ------------------------------------------------------------------------------


def local_scale(key: Key, span: ChordSpan, pentatonic: bool) -> list[int]:
    """The key's scale under a chord: chromatic chord tones (the raised leading tone of V in minor)
    replace their scale neighbours, so weak-beat notes never rub against the chord."""
    scale = set(key.scale_pcs())
    tones = set(chord_tones(span, key, pentatonic))
    if not pentatonic:
        for pc in tones - scale:
            scale -= {(pc - 1) % 12, (pc + 1) % 12} - tones
            scale.add(pc)
    return sorted(scale)


def pitches_in(pcs: list[int] | tuple[int, ...], low: int, high: int) -> list[int]:
    wanted = {pc % 12 for pc in pcs}
    return [p for p in range(low, high + 1) if p % 12 in wanted]


def nearest(pitch: float, options: list[int]) -> int:
    return min(options, key=lambda p: (abs(p - pitch), p))


def scale_step(pitch: int, steps: int, scale: list[int], low: int, high: int) -> int:
    """``pitch`` moved ``steps`` scale degrees (up > 0), reflected at the range's edges."""
    options = pitches_in(scale, low, high)
    if not options:
        return pitch
    here = nearest(pitch, options)
    i = options.index(here) + steps
    if i < 0 or i >= len(options):
        i = options.index(here) - steps
    return options[max(0, min(len(options) - 1, i))]


# ----- the rule-based generator ---------------------------------------------------------------------


def _pick_rhythm(choices: list[list[int]], density: float, max_notes: int, rng: random.Random,
                 avoid: list[int] | None = None) -> list[int]:  # fmt: skip
    target = 1 + density * (max_notes - 1)
    weights = [math.exp(-abs(len(r) - target) * 1.3) * (0.25 if r == avoid else 1.0) for r in choices]
    return rng.choices(choices, weights=weights)[0]


def _phrase_rhythms(plan: Plan, length: int, rng: random.Random, density: float) -> list[list[int]]:
    table = RHYTHMS[str(plan.meter)]
    max_notes = plan.bar_ticks // EIGHTH
    motif = _pick_rhythm(table["body"], density, max_notes, rng)
    answer = _pick_rhythm(table["body"], density, max_notes, rng, avoid=motif)
    bars = [motif if i % 2 == 0 else answer for i in range(length - 1)]
    if length >= 4 and rng.random() < 0.5:
        bars[-1] = _pick_rhythm(
            table["body"], min(1.0, density + 0.2), max_notes, rng
        )  # lift into the cadence
    return [*bars, rng.choice(table["cadence"])]


def _strong_cost(pitch: int, prev: int, target: float, rng: random.Random) -> float:
    """Prefer small moves toward the phrase's contour; a repeated note or a leap costs extra."""
    move = abs(pitch - prev)
    return (
        move
        + abs(pitch - target) * 0.6
        + (4.5 if move == 0 else 0.0)
        + (3.0 if move > 7 else 0.0)
        + rng.random() * 3
    )


def rules_section(plan: Plan, harmony: Harmony, section: SectionPlan, rng: random.Random,
                  register_shift: int) -> list[Note]:  # fmt: skip
    """A melody for one section by rule: motif rhythm, chord tones on strong beats, steps between."""
    key = plan.key
    penta = plan.style.scale == "pentatonic"
    low, high = plan.melody_range
    low, high = low + max(0, register_shift), high + min(0, register_shift)
    density = plan.melody_density * (1.3 if register_shift > 0 else 1.0)
    notes: list[Note] = []
    bar = section.start_bar
    prev = round(low + (high - low) * 0.4)
    strong = set(plan.meter.strong_beats())
    beat = plan.meter.beat_ticks
    for length in section.phrases:
        rhythms = _phrase_rhythms(plan, length, rng, min(1.0, density))
        first_bar_shape: list[int] = []
        for i, rhythm in enumerate(rhythms):
            bar_start = plan.bar_start(bar + i)
            arch = math.sin(math.pi * (i + 0.5) / length)
            # A contrasting section sings higher: its contour is lifted, within the range.
            target = min(high - 2, low + (high - low) * (0.3 + 0.45 * arch) + register_shift)
            tick = bar_start
            bar_pitches: list[int] = []
            for j, units in enumerate(rhythm):
                offset = tick - bar_start
                span = harmony.at(tick)
                tones = pitches_in(chord_tones(span, key, penta), low, high)
                scale = local_scale(key, span, penta)
                if i == 2 and len(first_bar_shape) == len(rhythm) and j > 0:
                    # Sequence of the motif: bar 3 repeats bar 1's intervals from a new start.
                    pitch = bar_pitches[0] + first_bar_shape[j]
                    pitch = nearest(pitch, tones if offset in strong else pitches_in(scale, low, high))
                elif offset in strong or (offset % beat == 0 and rng.random() < 0.6):
                    pitch = min(tones, key=lambda p: _strong_cost(p, prev, target, rng))
                else:
                    direction = 1 if target > prev else -1
                    if rng.random() < 0.25:
                        direction = -direction  # a neighbour tone instead of a passing tone
                    pitch = scale_step(prev, direction * (1 if rng.random() < 0.8 else 2), scale, low, high)
                bar_pitches.append(pitch)
                notes.append(Note(pitch, tick, units * EIGHTH, plan.velocity))
                prev = pitch
                tick += units * EIGHTH
            if i == 0:
                first_bar_shape = [p - bar_pitches[0] for p in bar_pitches]
        bar += length
    return notes


# ----- shaping ------------------------------------------------------------------------------------------


def fit_range(notes: list[Note], low: int, high: int) -> list[Note]:
    """Move the whole line by octaves so its middle sits in the range, then fold stray notes in.
    A line already inside the range is kept as it is (an octave move would fold its top or bottom
    notes back and break its steps into leaps)."""
    if not notes:
        return notes
    if all(low <= n.pitch <= high for n in notes):
        return [Note(n.pitch, n.start, n.duration, n.velocity) for n in notes]
    mid = sorted(n.pitch for n in notes)[len(notes) // 2]
    centre = (low + high) / 2
    shift = 12 * round((centre - mid) / 12)
    out = []
    for n in notes:
        p = n.pitch + shift
        while p < low:
            p += 12
        while p > high:
            p -= 12
        out.append(Note(p, n.start, n.duration, n.velocity))
    return out


def _in_bar(notes: list[Note], start: int, end: int) -> list[Note]:
    return [n for n in notes if start <= n.start < end]


def refit(notes: list[Note], shift_ticks: int, plan: Plan, harmony: Harmony) -> list[Note]:
    """Notes moved by ``shift_ticks`` and refitted to the chords there: strong-beat notes to the
    nearest chord tone, the others to the nearest scale tone."""
    key, penta = plan.key, plan.style.scale == "pentatonic"
    low, high = plan.melody_range
    strong = set(plan.meter.strong_beats())
    out: list[Note] = []
    for i, n in enumerate(notes):
        start = n.start + shift_ticks
        span = harmony.at(start)
        offset = start % plan.bar_ticks
        pool = chord_tones(span, key, penta) if offset in strong else local_scale(key, span, penta)
        options = pitches_in(pool, low, high)
        pitch = nearest(n.pitch, options)
        if out and pitch == out[-1].pitch and n.pitch != notes[i - 1].pitch:
            # The original moved here: keep it moving (the nearest option on the side it went),
            # rather than let the fit turn a step into a repeated note.
            side = [p for p in options if (p - out[-1].pitch) * (n.pitch - notes[i - 1].pitch) > 0]
            if side:
                pitch = nearest(n.pitch, side)
        out.append(Note(pitch, start, n.duration, n.velocity))
    return out


def shape_section(notes: list[Note], plan: Plan, harmony: Harmony, section: SectionPlan) -> list[Note]:
    """Parallel period, chord-tone phrase endings and a tonic at the section's end (see module doc)."""
    key, penta = plan.key, plan.style.scale == "pentatonic"
    low, high = plan.melody_range
    bar_ticks = plan.bar_ticks
    notes = sorted(notes, key=lambda n: n.start)
    # Parallel period: the second phrase of a pair opens with the first phrase's first bars.
    starts = [section.start_bar]
    for length in section.phrases[:-1]:
        starts.append(starts[-1] + length)
    alike = random.Random(plan.seed * 7919 + 61 + section.start_bar)
    for p in range(1, len(section.phrases), 2):
        a_len, b_len = section.phrases[p - 1], section.phrases[p]
        if a_len != b_len or a_len < 2 or alike.random() >= plan.style.parallel_periods:
            continue
        copy_bars = max(1, a_len // 2)
        a0, b0 = starts[p - 1] * bar_ticks, starts[p] * bar_ticks
        opening = _in_bar(notes, a0, a0 + copy_bars * bar_ticks)
        notes = [n for n in notes if not b0 <= n.start < b0 + copy_bars * bar_ticks]
        notes += refit(opening, b0 - a0, plan, harmony)
        notes.sort(key=lambda n: n.start)
    notes = restate_bars(notes, plan, harmony, section)
    # Phrase endings.
    for p, length in enumerate(section.phrases):
        last_bar = starts[p] + length - 1
        b0, b1 = last_bar * bar_ticks, (last_bar + 1) * bar_ticks
        end_of_section = p == len(section.phrases) - 1
        inside = _in_bar(notes, b0, b1)
        before = [n for n in notes if n.start < b0]
        prev = before[-1].pitch if before else (low + high) // 2
        span = harmony.at(b0)
        if end_of_section:
            # Authentic ending: the tonic on the downbeat, held for half the bar; the notes the
            # generator wrote in the bar's second half stay as a pickup into what follows, as a
            # strain of a dance tune ends ("d2 d2", "d3 dBA"). The piece's very end is held
            # through (close_final).
            at = close_offset(plan)
            if at and any(b0 <= n.start < b0 + at for n in notes):
                notes = run_into_close(notes, plan, harmony, section, b0 + at)
                notes.sort(key=lambda n: n.start)
                continue
            tonic = nearest(prev, pitches_in([section_final(plan, section)], low, high))
            held = strain_close_ticks(plan) if plan.style.held_closes else plan.meter.beat_ticks
            pickup = [n for n in notes if b0 + held <= n.start < b1]
            if len(pickup) == 1 and pickup[0].duration >= plan.meter.beat_ticks:
                # One long note after the tonic is no pickup: the strain would end on it (G | D2).
                pickup = []
            notes = [n for n in notes if not b0 <= n.start < b1]
            notes.append(Note(tonic, b0, held if pickup else bar_ticks - EIGHTH, plan.velocity))
            notes += pickup
            if before:
                # The note before leads in by step (2nd or 7th degree) where the chord allows it.
                lead = before[-1]
                steps = pitches_in(local_scale(key, harmony.at(lead.start), penta), low, high)
                near = [s for s in steps if 0 < abs(s - tonic) <= 2]
                if near and lead.start % bar_ticks not in set(plan.meter.strong_beats()):
                    lead.pitch = nearest(lead.pitch, near)
        elif inside:
            # Half cadence (or any phrase end): the last note is a chord tone, held to the bar line.
            last = inside[-1]
            tones = pitches_in(chord_tones(harmony.at(last.start), key, penta), low, high)
            ahead = [n for n in notes if n.start < last.start]
            if ahead and ahead[-1].pitch != last.pitch:
                tones = [t for t in tones if t != ahead[-1].pitch] or tones  # no new repeated note
            last.pitch = nearest(last.pitch, tones)
            if plan.style.held_closes:
                last.duration = max(last.duration, _held_end(last.start, b1 - EIGHTH, plan) - last.start)
            first = inside[0]
            if first.start == b0:
                first.pitch = nearest(first.pitch, pitches_in(chord_tones(span, key, penta), low, high))
        notes.sort(key=lambda n: n.start)
    return top_line(notes, cut=True)


def restate_bars(notes: list[Note], plan: Plan, harmony: Harmony, section: SectionPlan) -> list[Note]:
    """The style's restatements: a bar over the same chords as an earlier bar of its strain repeats
    that bar's notes, as often as the style's tunes do (the model alone almost never repeats a bar
    one or two bars on: Nottingham 7% of bars, the model 0.4%); a bar lends itself once, so no
    figure is heard three bars running."""
    bar = plan.bar_ticks
    pick = random.Random(plan.seed * 7919 + 67 + section.start_bar)

    def chords(index: int) -> list[tuple[str, int, int]]:
        return [(s.figure, s.start - index * bar, s.duration) for s in harmony.bars[index]]

    lent: set[int] = set()
    for number, source, p in plan.style.restatements:
        # a bar is restated once: bar 3 after bar 2 already did would be the same bar three times
        if number > section.bars or pick.random() >= p or source in lent:
            continue
        dst, src = section.start_bar + number - 1, section.start_bar + source - 1
        if dst >= len(harmony.bars) or chords(src) != chords(dst):
            continue
        copied = [Note(n.pitch, n.start + (dst - src) * bar, n.duration, n.velocity)
                  for n in _in_bar(notes, src * bar, (src + 1) * bar)]  # fmt: skip
        if copied:
            notes = sorted([n for n in notes if not dst * bar <= n.start < (dst + 1) * bar] + copied,
                           key=lambda n: n.start)  # fmt: skip
            lent.add(source)
    return notes


def section_final(plan: Plan, section: SectionPlan) -> int:
    """The pitch class a section closes on: the tonic, except where the style leaves its inner
    sections open (``open_sections``: a Han song's first strain ends on the mode's fifth, or its
    second, and only the last comes home to the final)."""
    key = plan.key
    if not plan.style.open_sections or section.is_last:
        return key.tonic
    scale = set(key.scale_pcs())
    return next((pc for pc in ((key.tonic + 7) % 12, (key.tonic + 2) % 12) if pc in scale), key.tonic)


def close_offset(plan: Plan) -> int:
    """Ticks into a strain's last bar where its closing tonic lands (the style's ``close_at``; 0:
    the downbeat)."""
    return dict(plan.style.close_at).get(str(plan.meter), 0)


def run_into_close(notes: list[Note], plan: Plan, harmony: Harmony, section: SectionPlan, at: int
                   ) -> list[Note]:  # fmt: skip
    """A strain's last bar as reels and jigs close it ("dBAF G2"): the generator's notes up to
    ``at`` run into the closing tonic, which lasts to the bar line; the bar's first note is a tone
    of its chord and the note before the tonic leads in by step where the chord allows."""
    key, penta = plan.key, plan.style.scale == "pentatonic"
    low, high = plan.melody_range
    b0 = at - at % plan.bar_ticks
    b1 = b0 + plan.bar_ticks
    run = [Note(n.pitch, n.start, min(n.duration, at - n.start), n.velocity)
           for n in notes if b0 <= n.start < at]  # fmt: skip
    out = [n for n in notes if not b0 <= n.start < b1] + run
    if run[0].start == b0:
        run[0].pitch = nearest(run[0].pitch, pitches_in(chord_tones(harmony.at(b0), key, penta), low, high))
    tonic = nearest(run[-1].pitch, pitches_in([section_final(plan, section)], low, high))
    # Their tonic comes from itself (half of them, "GG2"), a step above or below or a third above;
    # on a strong beat from a tone of the chord there.
    lead = run[-1]
    span = harmony.at(lead.start)
    strong = lead.start % plan.bar_ticks in set(plan.meter.strong_beats())
    pcs = chord_tones(span, key, penta) if strong else local_scale(key, span, penta)
    near = [p for p in pitches_in(pcs, low, high) if -2 <= p - tonic <= 4]
    before = sorted((n for n in out if n.start < lead.start), key=lambda n: n.start)
    if len(before) >= 2 and before[-1].pitch == before[-2].pitch == tonic:
        near = [p for p in near if p != tonic] or near  # "A A2 A A2": the bar stuck on the tonic
    if near:
        lead.pitch = nearest(lead.pitch, near)
    return [*out, Note(tonic, at, b1 - at, plan.velocity)]


def strain_close_ticks(plan: Plan) -> int:
    """How long a strain's closing tonic is held: the first half of the bar, rounded up to whole
    beats (two beats in 4/4 and 3/4, one in 2/4, the first dotted quarter in 6/8)."""
    beat = plan.meter.beat_ticks
    return -(-(plan.bar_ticks // beat) // 2) * beat


def close_final(line: list[Note], plan: Plan) -> list[Note]:
    """The piece's last body bar holds its closing tonic through: the pickup notes a strain ending
    keeps (see shape_section) are dropped there. The tonic rings into a one-bar ending (a hymn's
    held final chord); before a longer ending, whose tag another instrument plays, it fills its own
    bar and the tune comes back on the tonic for the band's last chord (a fiddler does not hold a
    tune's last note for three bars)."""
    if not line:
        return line
    last = plan.sections[-1]
    b0 = (last.start_bar + last.bars - 1) * plan.bar_ticks + close_offset(plan)
    # Without a note where the tonic lands (a primer or an edit moved it) the last note is held.
    out = [n for n in line if n.start <= b0] if any(n.start == b0 for n in line) else list(line)
    if out[-1].start == b0 and out[-1].pitch % 12 != plan.key.tonic:
        # A returning strain that first closed open (open_sections) comes home here.
        out[-1].pitch += (plan.key.tonic - out[-1].pitch + 6) % 12 - 6
    if plan.ending_bars < 2:
        end = plan.total_bars * plan.bar_ticks
        out[-1].duration = max(out[-1].duration, end - out[-1].start - EIGHTH // 2)
        return out
    body_end = (plan.intro_bars + plan.body_bars) * plan.bar_ticks
    out[-1].duration = max(out[-1].duration, body_end - out[-1].start)  # to the bar line: a rest follows
    last_bar = (plan.total_bars - 1) * plan.bar_ticks
    return [*out, Note(out[-1].pitch, last_bar, plan.bar_ticks - EIGHTH // 2, out[-1].velocity)]


def first_ending(notes: list[Note], raw: list[Note], section: SectionPlan, plan: Plan,
                 harmony: Harmony) -> list[Note]:  # fmt: skip
    """The strain played the first time of an immediate repeat (AA): its last bar is the
    generator's own running bar (refitted to the chords) instead of the closing tonic, so the
    tune leads back into the repeat; the repeat takes the second ending (the closing tonic)."""
    b0 = (section.start_bar + section.bars - 1) * plan.bar_ticks
    b1 = b0 + plan.bar_ticks
    running = [Note(n.pitch, n.start, n.duration, n.velocity) for n in raw if b0 <= n.start < b1]
    if len(running) < 2:
        return notes
    return [n for n in notes if not b0 <= n.start < b1] + refit(running, 0, plan, harmony)


def fill_rests(notes: list[Note], plan: Plan) -> list[Note]:
    """Rests inside a phrase filled by holding the note before them; a phrase's last bar keeps its
    rest (the breath between phrases)."""
    bar = plan.bar_ticks
    ends = plan.phrase_end_bars()
    notes = sorted(notes, key=lambda n: n.start)
    out = []
    for note, nxt in zip(notes, [*notes[1:], None], strict=True):
        inside = note.start // bar not in ends and note.end // bar not in ends
        if nxt is not None and nxt.start > note.end and inside:
            note = Note(note.pitch, note.start, nxt.start - note.start, note.velocity)
        out.append(note)
    return out


def in_local_keys(notes: list[Note], plan: Plan, harmony: Harmony) -> list[Note]:
    """Notes of a phrase in a related key (harmony.keys) that leave that key take its accidental:
    C becomes C# where a G major piece is in D, D becomes D# in its relative E minor (harmonic
    minor's leading tone), F# becomes F where a G minor piece is in B-flat; and no minor key sings an
    augmented second (:func:`_melodic_minor`)."""
    out = []
    for note in notes:
        local = harmony.keys.get(note.start // plan.bar_ticks)
        if local is None:
            out.append(note)
            continue
        scale = set(Key(local.tonic, "harmonic_minor" if local.is_minor else "major").scale_pcs())
        # sharpward keys and a relative minor's leading tone raise a note; flatward keys and a minor
        # key's relative major lower it
        sharper = local.fifths > plan.key.fifths or (local.fifths == plan.key.fifths and local.is_minor)
        step = 1 if sharper else -1
        moves = (note.pitch, note.pitch + step, note.pitch - step)
        pitch = next((p for p in moves if p % 12 in scale), note.pitch)
        out.append(Note(pitch, note.start, note.duration, note.velocity))
    return _melodic_minor(out, plan, harmony)


def no_accented_clashes(notes: list[Note], plan: Plan, harmony: Harmony) -> list[Note]:
    """A chromatic note on a strong beat that is no tone of the chord there (G# over D, the tail of
    an applied dominant the model carried over) moves to the nearest chord tone, one that does not
    repeat a neighbour where it can: Nottingham's major tunes have 0.8 such notes in 1,000, the
    drafts had 2.1. Chromatic notes off the beat stay (neighbour and passing tones)."""
    penta = plan.style.scale == "pentatonic"
    low, high = plan.melody_range
    strong = set(plan.meter.strong_beats())
    out = list(notes)
    for i, note in enumerate(out):
        if note.start % plan.bar_ticks not in strong:
            continue
        span = harmony.at(note.start)
        local = harmony.keys.get(note.start // plan.bar_ticks, plan.key)
        if note.pitch % 12 in local_scale(local, span, penta):
            continue
        tones = pitches_in(chord_tones(span, local, penta), low, high)
        neighbours = {out[k].pitch for k in (i - 1, i + 1) if 0 <= k < len(out)}
        fresh = [p for p in tones if p not in neighbours] or tones
        if fresh:
            out[i] = Note(nearest(note.pitch, fresh), note.start, note.duration, note.velocity)
    return out


def avoid_leaps(notes: list[Note], plan: Plan, harmony: Harmony) -> list[Note]:
    """No leap the style forbids (``forbidden_leaps``: a chorale's tritone or seventh). The model is
    masked from them, but the shaping after it (chord tones at phrase ends, related keys) makes some:
    the later note of such a leap moves by at most a tone to a pitch of its phrase's key (natural
    scale: no augmented second) that leaps neither from the note before nor to the note after; a
    section's closing note stays and the earlier note moves instead; a leap nothing mends is left."""
    forbidden = set(plan.style.forbidden_leaps)
    low, high = plan.melody_range
    bar = plan.bar_ticks
    closes = {(s.start_bar + s.bars - 1) * bar + close_offset(plan) for s in plan.sections}
    out = list(notes)

    def fits(j: int, pitch: int) -> bool:
        return all(abs(pitch - out[k].pitch) not in forbidden for k in (j - 1, j + 1) if 0 <= k < len(out))

    for i in range(1, len(out)):
        if abs(out[i].pitch - out[i - 1].pitch) not in forbidden:
            continue
        for j in (i, i - 1):
            note = out[j]
            if note.start in closes or j == len(out) - 1:
                continue
            local = harmony.keys.get(note.start // bar, plan.key)
            neighbours = {out[k].pitch for k in (j - 1, j + 1) if 0 <= k < len(out)}
            options = [p for p in pitches_in(Key(local.tonic, local.mode).scale_pcs(), low, high)
                       if 0 < abs(p - note.pitch) <= 2 and fits(j, p)]  # fmt: skip
            if options:
                pitch = min(options, key=lambda p: (p in neighbours, abs(p - note.pitch), p))
                out[j] = Note(pitch, note.start, note.duration, note.velocity)
                break
    return out


def _melodic_minor(notes: list[Note], plan: Plan, harmony: Harmony) -> list[Note]:
    """No augmented second between a minor key's sixth and raised seventh (F-G# in A minor): rising
    to the tonic the sixth is raised too (F#-G#-A), elsewhere the seventh is not (F-G-F). In the
    phrases in a related key (harmony.keys), and in the home key with the style's melodic_minor."""
    home = plan.key if plan.style.melodic_minor else None
    out = list(notes)
    for i, note in enumerate(out):
        local = harmony.keys.get(note.start // plan.bar_ticks, home)
        if local is None or not local.is_minor or (note.pitch - local.tonic) % 12 != 11:
            continue
        before = out[i - 1] if i else None
        after = out[i + 1] if i + 1 < len(out) else None
        sixth = [n for n in (before, after) if n is not None and abs(n.pitch - note.pitch) == 3
                 and (n.pitch - local.tonic) % 12 == 8]  # fmt: skip
        if not sixth:
            continue
        if after is not None and after.pitch == note.pitch + 1 and before in sixth:
            out[i - 1] = Note(before.pitch + 1, before.start, before.duration, before.velocity)
        else:
            out[i] = Note(note.pitch - 1, note.start, note.duration, note.velocity)
    return out


def _same_close_chords(harmony: Harmony, home: SectionPlan, section: SectionPlan) -> bool:
    """Whether ``section``'s closing bars have the chords of the first section's (the harmony
    shares them unless the user's own progression runs under both)."""
    k = section.shared_close

    def figures(s: SectionPlan) -> list[list[str]]:
        end = s.start_bar + s.bars
        return [[span.figure for span in bar] for bar in harmony.bars[end - k : end]]

    return figures(section) == figures(home)


def shared_close(notes: list[Note], home: list[Note], home_bars: int, section: SectionPlan, plan: Plan
                 ) -> list[Note]:
    """``notes`` with their last ``section.shared_close`` bars replaced by the first section's last
    bars (``home``: its notes from tick 0): the strain ends as the first one does. A note of the
    strain sounding into the borrowed bars stops there, or is held up to the first borrowed note
    when the first section's close starts with a note tied over the bar line."""
    bar = plan.bar_ticks
    cut = (section.start_bar + section.bars - section.shared_close) * bar
    origin = (home_bars - section.shared_close) * bar
    borrowed = [Note(n.pitch, n.start - origin + cut, n.duration, n.velocity)
                for n in home if n.start >= origin]  # fmt: skip
    if not borrowed:
        return notes
    kept = [n if n.end <= cut else Note(n.pitch, n.start, cut - n.start, n.velocity)
            for n in notes if n.start < cut]  # fmt: skip
    if kept and kept[-1].end == cut < borrowed[0].start:
        last = kept[-1]
        kept[-1] = Note(last.pitch, last.start, borrowed[0].start - last.start, last.velocity)
    return kept + borrowed


def _held_end(start: int, wanted_end: int, plan: Plan) -> int:
    """How far a note starting at ``start`` may be held towards ``wanted_end``: a note that starts
    off the beat stops at the next beat (a held syncopation makes a 6/8 bar read as 3/4)."""
    beat = plan.meter.beat_ticks
    if start % beat == 0:
        return wanted_end
    return min(wanted_end, (start // beat + 1) * beat)


def passing_eighths(notes: list[Note], plan: Plan, rng: random.Random) -> list[Note]:
    """A chorale soprano's passing eighths: of two beat-long notes a third apart, the first is cut
    to an eighth and the scale tone between them sung on the half beat, with the style's
    probability (``passing_tones``). The last note of a section is never touched."""
    beat = plan.meter.beat_ticks
    if plan.meter.compound or beat % 2:
        return notes
    notes = _tidy_eighths(notes, beat)
    scale = set(plan.key.scale_pcs())
    out: list[Note] = []
    for a, b in itertools.pairwise(notes):
        between = [p for p in range(min(a.pitch, b.pitch) + 1, max(a.pitch, b.pitch)) if p % 12 in scale]
        if (
            a.duration == beat
            and a.start % beat == 0
            and a.end == b.start
            and abs(b.pitch - a.pitch) in (3, 4)
            and len(between) == 1
            and rng.random() < plan.style.passing_tones
        ):
            half = beat // 2
            out.append(Note(a.pitch, a.start, half, a.velocity))
            out.append(Note(between[0], a.start + half, half, a.velocity))
        else:
            out.append(a)
    return out + notes[-1:]


def _tidy_eighths(notes: list[Note], beat: int) -> list[Note]:
    """Two eighths on a beat stay only as a chorale soprano sings them: a passing note (a step on
    in the same direction) or a neighbour (a step away and back); a repeated note or an escape
    tone the model wrote becomes the beat's first note held (musician review: 'botched passing
    tones')."""
    half = beat // 2
    out: list[Note] = []
    i = 0
    while i < len(notes):
        a = notes[i]
        b = notes[i + 1] if i + 1 < len(notes) else None
        c = notes[i + 2] if i + 2 < len(notes) else None
        pair = (
            b is not None and c is not None and a.start % beat == 0 and a.duration == half
            and b.duration == half and b.start == a.end and c.start == b.end
        )  # fmt: skip
        if pair and b is not None and c is not None:
            first, second = b.pitch - a.pitch, c.pitch - b.pitch
            passing = 0 < abs(first) <= 2 and 0 < abs(second) <= 2 and (first > 0) == (second > 0)
            neighbour = 0 < abs(first) <= 2 and c.pitch == a.pitch
            if not (passing or neighbour):
                out.append(Note(a.pitch, a.start, beat, a.velocity))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def split_across_beats(notes: list[Note], plan: Plan) -> list[Note]:
    """Compound meters (6/8): a note that starts off a beat and sounds past the next beat is cut at
    that beat and struck again there, so every dotted-quarter beat is heard (jigs never tie an
    eighth into the next beat). Other meters are returned unchanged."""
    if not plan.meter.compound:
        return notes
    beat = plan.meter.beat_ticks
    out: list[Note] = []
    for n in notes:
        start, end = n.start, n.end
        while start % beat and end > (start // beat + 1) * beat:
            boundary = (start // beat + 1) * beat
            out.append(Note(n.pitch, start, boundary - start, n.velocity))
            start = boundary
        out.append(Note(n.pitch, start, end - start, n.velocity))
    return out


def vary(
    notes: list[Note], plan: Plan, harmony: Harmony, rng: random.Random, amount: float = 0.2
) -> list[Note]:
    """A light variation for a returning section: some weak-beat notes move to a neighbouring scale
    tone; the first bar, strong beats and the final bar are kept, so the return is recognisable."""
    if not notes:
        return notes
    key, penta = plan.key, plan.style.scale == "pentatonic"
    low, high = plan.melody_range
    strong = set(plan.meter.strong_beats())
    first_bar = notes[0].start // plan.bar_ticks
    last_bar = notes[-1].start // plan.bar_ticks
    out = []
    for n in notes:
        bar = n.start // plan.bar_ticks
        offset = n.start % plan.bar_ticks
        m = Note(n.pitch, n.start, n.duration, n.velocity)
        if bar not in (first_bar, last_bar) and offset not in strong and rng.random() < amount:
            scale = local_scale(key, harmony.at(n.start), penta)
            m.pitch = scale_step(n.pitch, rng.choice((-1, 1)), scale, low, high)
        out.append(m)
    return out


def shift_notes(notes: list[Note], ticks: int) -> list[Note]:
    return [Note(n.pitch, n.start + ticks, n.duration, n.velocity) for n in notes]


def make_melody(plan: Plan, harmony: Harmony, seed: int, primer: list[Note] | None = None) -> MelodyResult:
    """The melody of the whole piece (see the module docstring). ``seed`` varies per candidate."""
    rng = random.Random(seed)
    made: dict[tuple[str, int], SectionMelody] = {}
    line: list[Note] = []
    lls: list[float] = []
    sources: set[str] = set()
    home = plan.sections[0].label
    for index, section in enumerate(plan.sections):
        ident = (section.label, section.bars)
        start = section.start_bar * plan.bar_ticks
        if ident not in made:
            shift = 0 if section.label == home else 3  # contrasting sections sit a little higher
            section_primer = primer if index == 0 else None
            generated = None
            if plan.model != "rules":
                generated = _model_section(
                    plan, harmony, section, seed + 101 * index, register_shift=shift, primer=section_primer
                )
            if generated is None:
                raw = rules_section(plan, harmony, section, rng, shift)
                if section_primer:
                    raw = _splice_primer(raw, section_primer, start, plan, harmony)
                generated = SectionMelody(raw, "rules")
            low, high = plan.melody_range
            raw_notes = fit_range(generated.notes, low + max(0, shift), high)
            notes = shape_section(raw_notes, plan, harmony, section)
            if plan.style.passing_tones > 0:
                notes = passing_eighths(notes, plan, random.Random(seed * 7919 + index))
            if harmony.keys or plan.style.melodic_minor:
                notes = in_local_keys(notes, plan, harmony)
            home_section = plan.sections[0]
            if section.shared_close and _same_close_chords(harmony, home_section, section):
                notes = shared_close(notes, made[(home_section.label, home_section.bars)].notes,
                                     home_section.bars, section, plan)
            made[ident] = SectionMelody(
                shift_notes(notes, -start), generated.source, generated.log_likelihood
            )
            if generated.log_likelihood is not None:
                lls.append(generated.log_likelihood)
            sources.add(generated.source)
            repeated_next = (
                index + 1 < len(plan.sections)
                and (plan.sections[index + 1].label, plan.sections[index + 1].bars) == ident
            )
            lead_back = random.Random(seed * 7919 + 53 + index).random() < plan.style.first_endings
            if repeated_next and plan.model != "vae" and lead_back:
                notes = first_ending(notes, raw_notes, section, plan, harmony)
            line += notes
        elif index > 0 and plan.sections[index - 1].label == section.label and plan.model != "vae":
            # A strain played twice in a row (the AA of AABB) comes back note for note, as dance
            # tunes repeat their strains; variation is for a return after contrast.
            line += shift_notes(made[ident].notes, start)
        else:
            base = shift_notes(made[ident].notes, start)
            varied = _model_variation(plan, harmony, base, seed + 977 * index)
            line += varied if varied is not None else vary(base, plan, harmony, rng)
    line = close_final(split_across_beats(top_line(line, cut=True), plan), plan)
    if not plan.style.use_harmonizer:  # a chorale's sung chords are set after its soprano
        line = no_accented_clashes(line, plan, harmony)
    if plan.style.fill_rests:
        line = fill_rests(line, plan)
    if plan.style.forbidden_leaps:
        line = avoid_leaps(line, plan, harmony)
    return MelodyResult(line, sum(lls) / len(lls) if lls else None, "+".join(sorted(sources)))


CORPUS_MELODY_CENTRE = 73
"""Where the training tunes' melodies sit, in the model's key-relative space (tonic moved to C):
the median pitch of the training melodies is 74 (folk, celtic), 72 (chinese, chorale) and 69
(Essen songs). Melody instruments often sound an octave or more above the notation the corpus
was written in (tin whistle, piccolo, lead synth), so the model is asked for the notes an
octave-shifted window holds and the line is moved back up: forced into a register it never saw,
it writes a narrow line of repeated notes at the bottom of the window."""


def _octaves_above_corpus(low: int, high: int, tonic: int) -> int:
    """Whole octaves between the melody window's centre and the corpus register in this key."""
    natural = CORPUS_MELODY_CENTRE - key_shift(tonic)
    return round(((low + high) / 2 - natural) / 12)


def _model_section(
    plan: Plan,
    harmony: Harmony,
    section: SectionPlan,
    seed: int,
    *,
    register_shift: int,
    primer: list[Note] | None,
) -> SectionMelody | None:
    """One section's melody from the RNN over its chords, or None when the model is unavailable."""
    if plan.model not in ("rnn", "vae", "gan"):
        return None
    start = section.start_bar * plan.bar_ticks
    end = start + section.bars * plan.bar_ticks
    chords = [(s.figure, s.duration) for s in harmony.spans() if start <= s.start < end]
    low, high = plan.melody_range
    # No scale constraint and, at a neutral mood, no density constraint: the style-conditioned
    # model writes its corpus's rhythm and its chromatic neighbour and passing tones (the style's
    # density forced on it made 6/8 bars of 2 notes). A clearly calm or excited mood still sets
    # the onsets per beat; pentatonic styles and modal tunes keep to the key's scale.
    density = None
    if abs(plan.arousal) >= 0.3:
        per_bar = 1 + plan.melody_density * (plan.bar_ticks // 240 - 1)
        density = max(0.125, min(4.0, per_bar / plan.meter.beats))
    shift = 12 * _octaves_above_corpus(low + max(0, register_shift), high, model_key(plan.key).tonic)
    result = engines.generate_melody(
        chords,
        plan.key,
        str(plan.meter),
        section.bars,
        plan.style.model_style,
        temperature=plan.request.temperature,
        seed=seed,
        primer=[Note(n.pitch - shift, n.start, n.duration, n.velocity) for n in primer] if primer else None,
        pitch_range=(low + max(0, register_shift) - shift, high - shift),
        # modal tunes keep to their mode: the model reads them in their signature's major key, where
        # its chromatic neighbours would bring back the leading tone (G# in A mixolydian)
        in_scale=plan.style.scale == "pentatonic" or plan.key.mode in SIGNATURE_MODES,
        density=density,
        top_p=plan.style.melody_top_p,
        onset_bias=dict(plan.style.onset_bias).get(str(plan.meter), 0.0),
        repeat_penalty=REPEAT_PENALTY,
        forbidden_leaps=plan.style.forbidden_leaps,
    )
    if result is None:
        return None
    notes = [Note(n.pitch + shift, n.start, n.duration, n.velocity) for n in result[0]]
    ll = result[1]
    if primer:
        notes = [*primer, *notes]
    placed = [
        Note(n.pitch, n.start + start, n.duration, n.velocity)
        for n in notes
        if n.start < section.bars * plan.bar_ticks
    ]
    return SectionMelody(placed, "rnn", ll)


def _model_variation(plan: Plan, harmony: Harmony, notes: list[Note], seed: int) -> list[Note] | None:
    """A returning section varied by the VAE when the request chose model="vae" and the VAE is
    installed, else None (the rule-based light variation is used: it is ~100x cheaper, which keeps
    the default compose under a second)."""
    if plan.model != "vae":
        return None
    bar = plan.bar_ticks
    section = next(
        s for s in plan.sections if s.start_bar * bar <= notes[0].start < (s.start_bar + s.bars) * bar
    )
    chords = [
        c
        for c in harmony.symbols()
        if section.start_bar * bar <= c.tick < (section.start_bar + section.bars) * bar
    ]
    varied = engines.vary_notes(notes, key=plan.key, meter=str(plan.meter), chords=chords, seed=seed,
                                phrase_bars=plan.style.phrase_bars)  # fmt: skip
    if varied is None:
        return None
    # The variation is for the second half of each phrase: every phrase opens as it did and the
    # cadence stays, so the return is recognisable; varied notes stay in the melody's range.
    fixed: set[int] = {section.start_bar + section.bars - 1}
    start = section.start_bar
    for length in section.phrases:
        fixed |= set(range(start, start + max(1, length // 2)))
        start += length
    low, high = plan.melody_range
    middle = [
        Note(fold_into(n.pitch, low, high), n.start, n.duration, n.velocity)
        for n in varied
        if n.start // bar not in fixed
    ]
    kept = [Note(n.pitch, n.start, n.duration, n.velocity) for n in notes if n.start // bar in fixed]
    return shape_section(kept + middle, plan, harmony, section)


def _splice_primer(
    raw: list[Note], primer: list[Note], start: int, plan: Plan, harmony: Harmony
) -> list[Note]:
    """The primer's notes open the section (refitted to its chords); generated notes follow."""
    placed = refit(primer, start, plan, harmony)
    end = max(n.end for n in placed)
    end = -(-end // plan.bar_ticks) * plan.bar_ticks
    return placed + [n for n in raw if n.start >= end]
