"""theory.meter: one definition of beats, beat length, strong beats and compound meter: the usual
meters by hand, and every meter the shipped corpus holds (44, from 1/16 to 93/16) by the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.corpus import load_corpus
from tunesmith.score import TimeSignature
from tunesmith.theory.meter import Meter

Q = 480
E = Q // 2

EXPECTED: dict[str, tuple[bool, int, int, tuple[int, ...]]] = {
    # meter: (compound, beats, beat ticks, strong-beat offsets)
    "2/2": (False, 2, 2 * Q, (0,)),
    "3/2": (False, 3, 2 * Q, (0,)),
    "4/2": (False, 4, 2 * Q, (0, 4 * Q)),
    "2/4": (False, 2, Q, (0,)),
    "3/4": (False, 3, Q, (0,)),
    "4/4": (False, 4, Q, (0, 2 * Q)),
    "5/4": (False, 5, Q, (0,)),
    "6/4": (True, 2, 3 * Q, (0, 3 * Q)),
    "3/8": (False, 3, E, (0,)),
    "6/8": (True, 2, 3 * E, (0, 3 * E)),
    "9/8": (True, 3, 3 * E, (0,)),
    "12/8": (True, 4, 3 * E, (0, 6 * E)),
    "5/8": (False, 5, E, (0,)),
    "7/8": (False, 7, E, (0,)),
    "4/8": (False, 4, E, (0, 2 * E)),
    "8/4": (False, 8, Q, (0, 4 * Q)),
    "9/4": (True, 3, 3 * Q, (0,)),
    "15/8": (True, 5, 3 * E, (0,)),
    "1/8": (False, 1, E, (0,)),
    "2/1": (False, 2, 4 * Q, (0,)),
}


def _corpus_meters(tmp: Path) -> set[str]:
    corpus = load_corpus(cache_dir=tmp)  # an empty user cache: the shipped collections
    return {f"{n}/{d}" for i in range(len(corpus)) for _, n, d in corpus.meta(i)["time_signatures"]}


def test_every_corpus_meter_follows_the_rules(tmp_path: Path) -> None:
    meters = _corpus_meters(tmp_path)
    assert {"4/4", "3/4", "6/8", "2/4", "2/2", "3/8", "9/8", "12/8", "6/4"} <= meters
    for text in sorted(meters):
        meter = Meter.parse(text)
        num = meter.numerator
        assert meter.compound == (num % 3 == 0 and num > 3), text
        assert meter.beats * meter.beat_ticks == meter.bar_ticks, text
        strong = meter.strong_beats()
        assert strong[0] == 0 and all(s % meter.beat_ticks == 0 and s < meter.bar_ticks for s in strong)
        middle = meter.beats % 2 == 0 and meter.beats >= (2 if meter.compound else 4)
        assert strong == ((0, meter.bar_ticks // 2) if middle else (0,)), text


@pytest.mark.parametrize("text", sorted(EXPECTED))
def test_meter_rules(text: str) -> None:
    compound, beats, beat, strong = EXPECTED[text]
    meter = Meter.parse(text)
    assert (meter.compound, meter.beats, meter.beat_ticks, meter.strong_beats()) == (
        compound,
        beats,
        beat,
        strong,
    )
    assert (
        meter.beats * meter.beat_ticks
        == meter.bar_ticks
        == TimeSignature(0, meter.numerator, meter.denominator).bar_ticks
    )
    assert Meter.of(TimeSignature(0, meter.numerator, meter.denominator)) == meter
    assert str(meter) == text
