"""Shared helpers for the io tests: the fixture folder and a comparable summary of a Score."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tunesmith.score import Score


def _summary(score: Score) -> dict[str, object]:
    """Everything a round trip must keep, in comparable form."""
    return {
        "tracks": [(t.name, t.program, t.is_drum) for t in score.tracks],
        "notes": [sorted((n.pitch, n.start, n.duration) for n in t.notes) for t in score.tracks],
        "tempos": [(t.tick, round(t.bpm, 2)) for t in score.tempos],
        "time_signatures": [(t.tick, t.numerator, t.denominator) for t in score.time_signatures],
        "keys": [(k.tick, k.fifths, k.mode) for k in score.key_signatures],
        "chords": [(c.tick, c.figure) for c in score.chords],
        "title": score.metadata.title,
    }


@pytest.fixture
def summary() -> Callable[[Score], dict[str, object]]:
    return _summary
