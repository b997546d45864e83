from __future__ import annotations

import itertools

import pytest

from tunesmith.compose.harmony import chord_tones, make_harmony
from tunesmith.compose.melody import make_melody, section_final
from tunesmith.compose.plan import make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.theory.key import Key


def _section_notes(notes, plan, section):
    start = section.start_bar * plan.bar_ticks
    end = start + section.bars * plan.bar_ticks
    return [(n.pitch, n.start - start) for n in notes if start <= n.start < end]


def _similarity(a, b) -> float:
    shared = len(set(a) & set(b))
    return shared / max(len(a), len(b), 1)


@pytest.mark.parametrize("model", ["rules", None])
def test_sections_return_recognisably_and_contrast(model: str | None) -> None:
    plan = make_plan(ComposeRequest(style="ballad", form="AABA", key="F", model=model, seed=4))
    harmony = make_harmony(plan)
    notes = make_melody(plan, harmony, plan.seed).notes
    a1, a2, b, a3 = (_section_notes(notes, plan, s) for s in plan.sections)
    assert _similarity(a1, a2) > 0.6 and _similarity(a1, a3) > 0.6  # the A section comes back ...
    assert (
        _similarity(a1, b) < min(_similarity(a1, a2), _similarity(a1, a3)) - 0.3
    )  # ... and B is something else
    # First bar of a return is the first bar exactly: that is what a listener recognises.
    bar = plan.bar_ticks
    assert [x for x in a1 if x[1] < bar] == [x for x in a3 if x[1] < bar]


@pytest.mark.parametrize("style", ["folk", "waltz", "march", "chinese-folk"])
def test_phrases_end_on_chord_tones_and_the_piece_on_the_tonic(style: str) -> None:
    plan = make_plan(ComposeRequest(style=style, model="rules", seed=9))
    harmony = make_harmony(plan)
    notes = make_melody(plan, harmony, plan.seed).notes
    penta = plan.style.scale == "pentatonic"
    assert notes[-1].pitch % 12 == plan.key.tonic
    # The closing tonic rings into a one-bar ending (a hymn's final chord); before a longer ending
    # (another instrument's tag) it fills its own bar and the tune comes back for the last chord.
    body_end = (plan.intro_bars + plan.body_bars) * plan.bar_ticks
    end = plan.total_bars * plan.bar_ticks
    assert end - plan.bar_ticks // 4 <= notes[-1].end <= end
    if plan.ending_bars >= 2:
        closing_note = next(n for n in reversed(notes) if n.start < body_end)
        assert closing_note.pitch == notes[-1].pitch
        assert body_end - plan.bar_ticks // 4 <= closing_note.end <= body_end
        assert notes[-1].start == end - plan.bar_ticks
    closed = 0
    for section, following in itertools.zip_longest(plan.sections, plan.sections[1:]):
        b0 = (section.start_bar + section.bars - 1) * plan.bar_ticks
        if following is not None and (following.label, following.bars) == (section.label, section.bars):
            # First ending of a strain repeated at once: the generator's own bar (running on into
            # the repeat where it wrote one), never an empty bar.
            assert [n for n in notes if b0 <= n.start < b0 + plan.bar_ticks]
            continue
        # Every other section closes with the tonic on its last bar's downbeat (then at most a
        # pickup into what follows, within that bar).
        closing = next(n for n in notes if n.start == b0)
        # (chinese-folk leaves its inner strains open, on the mode's fifth; the last comes home)
        assert closing.pitch % 12 == section_final(plan, section)
        assert closing.pitch % 12 in chord_tones(harmony.at(b0), plan.key, penta)
        assert closing.duration >= plan.meter.beat_ticks
        closed += 1
    assert closed >= 2
    low, high = plan.melody_range
    assert all(low <= n.pitch <= high for n in notes)
    assert all(a.end <= b.start for a, b in itertools.pairwise(notes))  # one line


@pytest.mark.parametrize("key", ["G zhi", "D shang", "A yu"])
def test_a_chinese_mode_piece_keeps_its_mode_and_ends_on_its_final(key: str) -> None:
    """The model is asked in the mode's gong key (the corpus songs' encoding), the composer closes
    on the mode's own final: sol in zhi, re in shang, la in yu."""
    plan = make_plan(ComposeRequest(style="chinese-folk", key=key, seed=4, candidates=1))
    notes = make_melody(plan, make_harmony(plan), plan.seed).notes
    scale = set(plan.key.scale_pcs())
    assert {n.pitch % 12 for n in notes} <= scale
    assert notes[-1].pitch % 12 == plan.key.tonic == Key.parse(key).tonic
    # The first strain ends open, on the mode's fifth: a question the last strain answers.
    b0 = (plan.sections[0].start_bar + plan.sections[0].bars - 1) * plan.bar_ticks
    assert next(n for n in notes if n.start == b0).pitch % 12 == (plan.key.tonic + 7) % 12


def test_primer_opens_the_piece(tmp_path) -> None:
    from tunesmith.compose.api import compose
    from tunesmith.io import save
    from tunesmith.score import KeySignature, Note, Score, TimeSignature, Track

    motif = [Note(p, i * 240, 240, 90) for i, p in enumerate((62, 66, 69, 74, 73, 71, 69, 66))]
    path = tmp_path / "primer.mid"
    save(
        Score(
            tracks=[Track("tune", 73, False, motif)],
            time_signatures=[TimeSignature(0, 4, 4)],
            key_signatures=[KeySignature(0, 2)],
        ),
        path,
    )
    piece = compose(
        ComposeRequest(style="pop", key="D", primer=str(path), model="rules", seed=1, candidates=1)
    )
    start = piece.plan.sections[0].start_bar * piece.plan.bar_ticks
    opening = [n.pitch for n in piece.score.tracks[0].notes if n.start >= start - 60][:8]
    assert opening[:4] == [62, 66, 69, 74]


def test_compound_meter_never_holds_a_note_across_the_beat() -> None:
    from tunesmith.compose.melody import split_across_beats
    from tunesmith.score import Note

    plan = make_plan(ComposeRequest(style="folk", meter="6/8", key="D", seed=3))
    beat = plan.meter.beat_ticks  # a dotted quarter
    tied = [Note(62, 0, 240), Note(64, 240, 480), Note(66, 720, 240), Note(67, 960, 1200)]
    fixed = split_across_beats(tied, plan)
    assert [(n.pitch, n.start, n.duration) for n in fixed] == [
        (62, 0, 240),
        (64, 240, 480),
        (66, 720, 240),
        (67, 960, 480),
        (67, 1440, 720),
    ]
    for seed in (3, 4):
        plan = make_plan(ComposeRequest(style="folk", meter="6/8", key="D", seed=seed))
        notes = make_melody(plan, make_harmony(plan), plan.seed).notes
        crossing = [n for n in notes if n.start % beat and n.end > (n.start // beat + 1) * beat]
        assert notes and not crossing


def test_passing_eighths_fill_thirds_between_beat_notes_with_the_scale_tone() -> None:
    import dataclasses
    import random

    from tunesmith.compose.melody import passing_eighths
    from tunesmith.score import Note

    plan = make_plan(ComposeRequest(style="chorale", key="C", meter="4/4", seed=1, candidates=1))
    always = dataclasses.replace(plan, style=dataclasses.replace(plan.style, passing_tones=1.0))
    line = [Note(60, 0, 480), Note(64, 480, 480), Note(67, 960, 960), Note(64, 1920, 480)]
    line.append(Note(60, 2400, 960))
    out = passing_eighths(line, always, random.Random(0))
    assert [(n.pitch, n.start, n.duration) for n in out] == [
        (60, 0, 240), (62, 240, 240),  # C-E: D between
        (64, 480, 240), (65, 720, 240),  # E-G: F between
        (67, 960, 960),  # a half note is left alone
        (64, 1920, 240), (62, 2160, 240),  # E-C down: D
        (60, 2400, 960),  # the last note is never touched
    ]  # fmt: skip
    never = dataclasses.replace(plan, style=dataclasses.replace(plan.style, passing_tones=0.0))
    assert passing_eighths(line, never, random.Random(0)) == line
    # A fourth (C-F) holds two scale tones: not a passing eighth's job.
    fourth = [Note(60, 0, 480), Note(65, 480, 480)]
    assert passing_eighths(fourth, always, random.Random(0))[0].duration == 480


def test_a_repeated_chorale_stollen_keeps_its_passing_eighths() -> None:
    plan = make_plan(ComposeRequest(style="chorale", form="AAB", seed=3, candidates=1))
    notes = make_melody(plan, make_harmony(plan), plan.seed).notes
    a1, a2 = plan.sections[0], plan.sections[1]
    span = a1.bars * plan.bar_ticks

    def body(section: object, cut: int) -> list[tuple[int, int, int]]:
        s0 = section.start_bar * plan.bar_ticks  # type: ignore[attr-defined]
        return [(n.pitch, n.start - s0, n.duration) for n in notes if s0 <= n.start < s0 + cut]

    assert body(a1, span - plan.bar_ticks) == body(a2, span - plan.bar_ticks)  # up to the first ending
    assert any(n.duration == plan.meter.beat_ticks // 2 for n in notes)


def test_chorale_eighths_are_passing_or_neighbour_notes_only() -> None:
    import dataclasses
    import random

    from tunesmith.compose.melody import passing_eighths
    from tunesmith.score import Note

    plan = make_plan(ComposeRequest(style="chorale", key="C", meter="4/4", seed=1, candidates=1))
    never = dataclasses.replace(plan, style=dataclasses.replace(plan.style, passing_tones=0.0))

    def sung(pitches: list[int]) -> list[tuple[int, int]]:
        line = [Note(p, 240 * i, 240) for i, p in enumerate(pitches)]
        return [(n.pitch, n.duration) for n in passing_eighths(line, never, random.Random(0))]

    assert sung([74, 76, 72, 72]) == [(74, 480), (72, 240), (72, 240)]  # escape tone D-E-C: held D
    assert sung([76, 76, 77, 77]) == [(76, 480), (77, 240), (77, 240)]  # repeated E: held
    assert sung([72, 74, 76, 76]) == [(72, 240), (74, 240), (76, 240), (76, 240)]  # passing C-D-E
    assert sung([72, 74, 72, 72]) == [(72, 240), (74, 240), (72, 240), (72, 240)]  # neighbour C-D-C


@pytest.mark.parametrize("pickup_ticks", [[480 * 2], [480, 240, 240]])
def test_a_strain_ends_on_its_tonic_not_on_one_long_note_after_it(pickup_ticks: list[int]) -> None:
    """The generator's notes after a strain's closing tonic stay as a pickup into what follows,
    unless they are one note of a beat or more (G | D2 would end the strain on D)."""
    from tunesmith.compose.melody import shape_section
    from tunesmith.score import Note

    plan = make_plan(ComposeRequest(style="folk", key="G", meter="4/4", form="AB", seed=3))
    harmony = make_harmony(plan)
    section = plan.sections[0]
    bar = plan.bar_ticks
    last = (section.start_bar + section.bars - 1) * bar
    notes = [Note(71, section.start_bar * bar + k * 480, 480, 80) for k in range((section.bars - 1) * 4)]
    tick = last + 2 * 480
    for length in pickup_ticks:
        notes.append(Note(62, tick, length, 80))
        tick += length
    shaped = shape_section(notes, plan, harmony, section)
    closing = [n for n in shaped if n.start >= last]
    assert closing[0].start == last and closing[0].pitch % 12 == plan.key.tonic
    if len(pickup_ticks) == 1:
        assert len(closing) == 1 and closing[0].end >= last + bar - 240  # the tonic holds the bar
    else:
        assert len(closing) == 1 + len(pickup_ticks)  # short notes lead on into the next strain


def test_a_chorale_soprano_never_leaps_a_tritone_or_a_seventh() -> None:
    """The model is masked from the leaps and the shaping after it mends those it makes."""
    leaps = []
    for seed in range(1, 13):
        plan = make_plan(ComposeRequest(style="chorale", seed=seed))
        notes = make_melody(plan, make_harmony(plan), plan.seed).notes
        assert set(plan.style.forbidden_leaps) == {6, 10, 11}
        steps = [b.pitch - a.pitch for a, b in itertools.pairwise(notes)]
        leaps += [d for d in steps if abs(d) in (6, 10, 11)]
    assert leaps == []


def test_no_chromatic_note_clashes_with_its_chord_on_a_strong_beat() -> None:
    """G# over D on the downbeat (an applied dominant's leading tone carried into the next bar)
    moves to a tone of D; a chromatic neighbour off the beat stays."""
    from tunesmith.compose.melody import no_accented_clashes
    from tunesmith.score import Note

    plan = make_plan(ComposeRequest(style="folk", key="G", mode="major", meter="4/4", seed=6, candidates=1))
    harmony = make_harmony(plan)
    bar = plan.bar_ticks
    b = next(i for i, spans in enumerate(harmony.bars)
             if i >= plan.intro_bars and [s.figure for s in spans] == ["D"])  # fmt: skip
    line = [Note(68, b * bar, 480), Note(69, b * bar + 480, 240), Note(68, b * bar + 720, 240),
            Note(69, b * bar + 960, 960)]  # fmt: skip
    fixed = no_accented_clashes(line, plan, harmony)
    assert fixed[0].pitch % 12 in (2, 6, 9) and fixed[0].pitch != 69  # a tone of D, not A again
    assert fixed[2].pitch == 68  # off the beat: a neighbour, kept
    assert [(n.start, n.duration) for n in fixed] == [(n.start, n.duration) for n in line]
    for seed in range(6):
        p = make_plan(ComposeRequest(style="folk", seed=seed, candidates=1))
        h = make_harmony(p)
        for n in make_melody(p, h, p.seed).notes:
            if n.start % p.bar_ticks in p.meter.strong_beats():
                span = h.at(n.start)
                assert n.pitch % 12 in set(p.key.scale_pcs()) | set(span.chord.pitch_classes()), (seed, n)
