"""Jazz harmony by rule: ii–V–I progressions in seventh and ninth chords (a style asks for it with
``progression = "rules:jazz"`` in its TOML; the learned chord model is not used for it).

Each section label gets a progression from a small book of standard shapes, chosen by the seed: an A
strain that turns around through ii–V to its own tonic (I–vi–ii–V, I–VI7–ii–V, iii–VI7–ii–V, a
ii–V into IV), a bridge of secondary dominants (III7–VI7–II7–V7, the rhythm-changes bridge) or one that
moves to IV and back through iv (the minor plagal colour). Last bars: ii–V–I with the tonic held; a
strain that is not the last ends with a turnaround (ii–V) leading back. The intro is a ii–V; the ending
holds the tonic as a major sixth/ninth chord. Minor keys use i–iiø7–V7(b9). Qualities rotate between
seventh and ninth forms by the seed, so repeats of a strain are the same changes voiced alike.
"""

from __future__ import annotations

import random

from tunesmith.compose.harmony import ChordSpan, Harmony
from tunesmith.compose.plan import Plan
from tunesmith.theory.chord import Chord

# (semitones above the tonic, quality) per chord; a bar is a list of one or two chords.
Bar = list[tuple[int, str]]
I_, VI7, II, V7 = (0, "maj7"), (9, "dom7"), (2, "min7"), (7, "dom7")
vi, iii, III7, II7, IV = (9, "min7"), (4, "min7"), (4, "dom7"), (2, "dom7"), (5, "maj7")
iv, FLAT7 = (5, "min7"), (10, "dom7")

MAJOR_A: list[list[Bar]] = [
    [[I_], [vi], [II], [V7], [I_], [vi], [II, V7], [I_]],
    [[I_], [VI7], [II], [V7], [iii], [VI7], [II, V7], [I_]],
    [[I_], [I_], [II], [V7], [iii, VI7], [II, V7], [I_, VI7], [II, V7]],
    [[I_], [(0, "dom7")], [IV], [iv, FLAT7], [iii], [VI7], [II, V7], [I_]],
]
MAJOR_B: list[list[Bar]] = [
    [[III7], [III7], [VI7], [VI7], [II7], [II7], [II], [V7]],
    [[IV], [iv, FLAT7], [iii], [VI7], [II], [V7], [I_], [II, V7]],
    [[(0, "min7")], [(5, "dom7")], [IV], [IV], [(2, "min7")], [(7, "dom7")], [I_], [II, V7]],
]
i_, ii_hd, V7b9 = (0, "min7"), (2, "hdim7"), (7, "7b9")
MINOR_A: list[list[Bar]] = [
    [[i_], [i_], [ii_hd], [V7b9], [i_], [(5, "min7")], [ii_hd, V7b9], [i_]],
    [[i_], [(8, "maj7")], [ii_hd], [V7b9], [i_], [(10, "dom7")], [(3, "maj7"), ii_hd], [V7b9]],
]
MINOR_B: list[list[Bar]] = [
    [[(5, "min7")], [(10, "dom7")], [(3, "maj7")], [(8, "maj7")], [ii_hd], [V7b9], [i_], [ii_hd, V7b9]],
]
NINTHS = {"maj7": "maj9", "min7": "min9", "dom7": "9"}


def _fit(template: list[Bar], bars: int, last: bool) -> list[Bar]:
    """``template`` stretched or cut to ``bars`` bars, its cadence kept at the end: ii–V–I on the
    last strain, a turnaround (ii–V) on the others."""
    body = [list(b) for b in template[: max(0, bars - 2)]]
    while len(body) < bars - 2:
        body.append(list(template[len(body) % max(1, len(template) - 2)]))
    tonic = template[-1][0] if template[-1][0][1] in ("maj7", "min7") else I_
    minor = tonic[1] == "min7"
    two, five = (ii_hd, V7b9) if minor else (II, V7)
    if last:
        tail: list[Bar] = [[two, five], [tonic]]
    else:
        tail = [[tonic], [two, five]]
    return (body + tail)[-bars:] if bars >= 2 else [[tonic]]


def jazz_harmony(plan: Plan) -> Harmony:
    """The chords of every bar (intro, sections, ending) by the rules in the module docstring."""
    key = plan.key
    rng = random.Random(plan.seed * 31 + 7)
    minor = key.is_minor
    a_book, b_book = (MINOR_A, MINOR_B) if minor else (MAJOR_A, MAJOR_B)
    home = plan.sections[0].label
    by_label: dict[tuple[str, int, bool], list[Bar]] = {}
    body: list[Bar] = []
    for section in plan.sections:
        ident = (section.label, section.bars, section.is_last)
        if ident not in by_label:
            book = a_book if section.label == home else b_book
            by_label[ident] = _fit(rng.choice(book), section.bars, section.is_last)
        body += by_label[ident]
    two, five = (ii_hd, V7b9) if minor else (II, V7)
    intro: list[Bar] = [[two, five] for _ in range(plan.intro_bars)]
    ending_chord = (0, "min9") if minor else (0, "6/9")
    ending: list[Bar] = [[ending_chord] for _ in range(plan.ending_bars)]
    ninths = rng.random() < 0.5
    bars: list[list[ChordSpan]] = []
    beat = plan.meter.beat_ticks
    for index, bar in enumerate(intro + body + ending):
        start = index * plan.bar_ticks
        beats = plan.meter.beats
        counts = [beats // len(bar)] * len(bar)
        counts[0] += beats - sum(counts)
        spans = []
        tick = start
        for (offset, quality), count in zip(bar, counts, strict=True):
            if ninths and quality in NINTHS and (index + offset) % 2 == 0:
                quality = NINTHS[quality]
            root = (key.tonic + offset) % 12
            chord = Chord(root, quality, None, key.spell(root))
            spans.append(ChordSpan(tick, count * beat, chord, ""))
            tick += count * beat
        bars.append(spans)
    return Harmony(bars, "rules:jazz")
