from __future__ import annotations

import pytest

from tunesmith.compose.api import compose
from tunesmith.compose.harmony import make_harmony
from tunesmith.compose.plan import make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.theory.chord import parse_chord


def _body_bars(piece) -> list[list[str]]:
    """Chord figures per body bar: the one sounding at the bar line, then the changes inside it."""
    bar = piece.plan.bar_ticks
    first, last = piece.plan.intro_bars, piece.plan.intro_bars + piece.plan.body_bars
    changes = sorted((c.tick, c.figure) for c in piece.score.chords)
    out = []
    for b in range(first, last):
        start, end = b * bar, (b + 1) * bar
        sounding = [f for t, f in changes if t <= start][-1:]
        out.append(sounding + [f for t, f in changes if start < t < end])
    return out


@pytest.mark.parametrize(
    ("chords", "key", "expected"),
    [
        ("C Am F G", None, ["C", "Am", "F", "G"]),
        ("I vi IV V", "D", ["D", "Bm", "G", "A"]),
        ("Am | F G | C | E7", None, ["Am", "F G", "C", "E7"]),
        ("I IV | V I", "G", ["G C", "D G"]),
    ],
)
def test_given_progression_is_present_bar_for_bar(chords: str, key: str | None, expected: list[str]) -> None:
    piece = compose(
        ComposeRequest(style="pop", chords=chords, key=key, bars=16, model="rules", seed=7, candidates=1)
    )
    bars = _body_bars(piece)
    assert len(bars) == 16
    for i, got in enumerate(bars):
        want = expected[i % len(expected)].split()
        assert [parse_chord(f) for f in got] == [parse_chord(f) for f in want], f"bar {i + 1}"
    if key is None:
        assert piece.plan.key.tonic == parse_chord(expected[0]).root  # key implied by the first chord


def test_generated_harmony_has_cadences_and_returns() -> None:
    plan = make_plan(ComposeRequest(style="folk", key="G", model="rules", seed=11))
    harmony = make_harmony(plan)
    tonic, dominant = parse_chord("G"), parse_chord("D")
    for section in plan.sections:
        first = section.start_bar
        # Antecedent phrase ends on V (half cadence); the section ends V (or ii/IV V) then I.
        assert harmony.bars[first + 3][-1].chord == dominant
        assert harmony.bars[first + 6][-1].chord == dominant
        assert harmony.bars[first + 7][0].chord == tonic
    # A section that comes back has the same chords.
    a1, a2 = plan.sections[0], plan.sections[1]

    def figures(s):
        return [[c.figure for c in harmony.bars[b]] for b in range(s.start_bar, s.start_bar + s.bars)]

    assert figures(a1) == figures(a2)
    assert harmony.bars[-1][0].chord == tonic  # the held ending


def test_minor_key_cadence_uses_major_dominant() -> None:
    plan = make_plan(ComposeRequest(style="ballad", key="A", mode="minor", model="rules", seed=2))
    harmony = make_harmony(plan)
    last = plan.sections[-1]
    assert harmony.bars[last.start_bar + last.bars - 2][-1].chord == parse_chord("E")
    assert harmony.bars[last.start_bar + last.bars - 1][0].chord == parse_chord("Am")
