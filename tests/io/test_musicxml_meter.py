"""The MusicXML tempo mark follows theory.meter's one meter rule: a compound meter felt in dotted
quarters is marked in dotted quarters; simple triple 3/8 and 6/4 (felt in dotted halves) keep the
quarter-note mark they always had."""

from __future__ import annotations

import re

import pytest

from tunesmith.io.musicxml import score_to_musicxml_bytes
from tunesmith.score import KeySignature, Note, Score, TempoChange, TimeSignature, Track


def _metronome(numerator: int, denominator: int, bpm: float) -> tuple[bool, str, str]:
    """(dotted beat unit?, the per-minute number shown, the sound tempo) of a one-tempo score."""
    unit = 1920 // denominator
    bar = numerator * unit
    notes = [Note(60 + i % 5, i * unit, unit) for i in range(numerator * 4)]
    score = Score(
        tracks=[Track("m", 0, False, notes)],
        tempos=[TempoChange(0, bpm)],
        time_signatures=[TimeSignature(0, numerator, denominator)],
        key_signatures=[KeySignature(0, 0)],
    )
    assert notes[-1].end == 4 * bar
    text = score_to_musicxml_bytes(score).decode()
    found = re.search(r"<metronome>(.*?)<per-minute>([^<]*)</per-minute></metronome>.*?"
                      r'<sound tempo="([^"]*)"/>', text)  # fmt: skip
    assert found is not None, text[:2000]
    unit_xml, shown, tempo = found.groups()
    assert "<beat-unit>quarter</beat-unit>" in unit_xml
    return "<beat-unit-dot/>" in unit_xml, shown, tempo


@pytest.mark.parametrize(
    ("meter", "dotted", "shown"),
    [
        ((6, 8), True, "80"),  # 120 quarters a minute = 80 dotted quarters
        ((9, 8), True, "80"),
        ((12, 8), True, "80"),
        ((3, 8), False, "120"),  # simple triple: three eighth beats, the quarter mark
        ((6, 4), False, "120"),  # compound, but its beat is a dotted half: the quarter mark as before
        ((4, 4), False, "120"),
    ],
)
def test_tempo_mark_per_meter(meter: tuple[int, int], dotted: bool, shown: str) -> None:
    assert _metronome(*meter, 120.0) == (dotted, shown, "120")


def test_dotted_quarter_mark_rounds_like_before() -> None:
    # 115 quarters in 6/8: dotted quarter 76.67, the playback tempo untouched.
    assert _metronome(6, 8, 115.0) == (True, "76.67", "115")
