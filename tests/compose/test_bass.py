"""Bass lines follow the harmony with motion; drones only where idiomatic; waltz cadences in root position."""

from __future__ import annotations

import itertools

import pytest

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.score import Note, Score
from tunesmith.theory.chord import parse_chord


def _bass(score: Score) -> list[Note]:
    return sorted(next(t for t in score.tracks if t.name.startswith("bass")).notes, key=lambda n: n.start)


@pytest.mark.parametrize(("style", "mood"), [("celtic", None), ("chinese-folk", None), ("ambient", None),
                                             ("pop", "tense"), ("folk", None)])
def test_the_bass_moves_with_the_harmony(style: str, mood: str | None) -> None:
    score = compose(ComposeRequest(style=style, seed=7, mood=mood)).score
    notes = _bass(score)
    bar = score.time_signatures[0].bar_ticks
    assert len({n.pitch for n in notes}) >= 3
    # no pitch held (or repeated) longer than a drone may stay: the intro and one phrase, six bars
    run_start = notes[0].start
    for a, b in itertools.pairwise(notes):
        if b.pitch != a.pitch:
            run_start = b.start
        assert b.end - run_start <= 6 * bar + bar // 2, (style, b.start // bar)
    # on most chord changes the bass plays the new chord's bass note
    hits = total = 0
    for chord in score.chords[1:]:
        at = [n for n in notes if abs(n.start - chord.tick) < 60]
        if at:
            total += 1
            hits += at[0].pitch % 12 == parse_chord(chord.figure).bass_pc
    assert hits >= 0.7 * total


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_waltz_cadences_put_the_root_in_the_bass(seed: int) -> None:
    composition = compose(ComposeRequest(style="waltz", seed=seed))
    plan, score = composition.plan, composition.score
    notes = _bass(score)
    bar = plan.bar_ticks
    chords = {c.tick // bar: parse_chord(c.figure) for c in score.chords}
    for section in plan.sections:
        end = section.start_bar
        for length in section.phrases:
            end += length
            chord = next(chords[b] for b in range(end - 1, -1, -1) if b in chords)
            downbeat = [n for n in notes if abs(n.start - (end - 1) * bar) < 60]
            if downbeat and chord.root == plan.key.tonic:
                assert downbeat[0].pitch % 12 == chord.bass_pc, (seed, end - 1)
    final = [n for n in notes if n.start >= (plan.total_bars - 1) * bar - 60]
    assert final and final[0].pitch % 12 == plan.key.tonic
