"""Style features of melodies and the two-sample measures."""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.evaluate.line_features import (
    FEATURES,
    bar_repetition,
    cross_beat_share,
    line_features,
    notes_line,
)
from tunesmith.evaluate.twosample import c2st, overlap_area


def _jig(held_across: bool) -> list[tuple[int, int, int]]:
    """Two 6/8 bars (12 steps): eighths, or notes on the 2nd and 6th eighths held over the next beat."""
    if held_across:
        bar = [(0, 62, 2), (2, 64, 6), (8, 66, 2), (10, 67, 4)]
    else:
        bar = [(0, 62, 2), (2, 64, 2), (4, 66, 2), (6, 67, 4), (10, 69, 2)]
    return [(o + b * 12, p, n) for b in range(2) for o, p, n in bar]


def test_compound_meter_notes_held_across_the_beat_are_counted() -> None:
    assert cross_beat_share(notes_line(_jig(False), 12, 6, 2, False)) == 0.0
    assert cross_beat_share(notes_line(_jig(True), 12, 6, 2, False)) == pytest.approx(0.5)


def test_features_of_a_known_line() -> None:
    line = notes_line(_jig(False), 12, 6, 2, False)  # D major
    values = dict(zip(FEATURES, line_features(line), strict=True))
    assert values["notes_per_quarter"] == pytest.approx(10 / 6)  # 10 notes over 24 sixteenths
    assert values["range"] == 7 and values["chromatic_share"] == 0
    assert values["bar_repetition"] == 0.5 == bar_repetition(line)
    assert values["dur_eighth"] == pytest.approx(0.8) and values["dur_quarter"] == pytest.approx(0.2)
    assert values["ends_on_tonic"] == 0.0 and values["repeat_share"] == 0.0


def test_overlap_and_classifier_test_tell_same_from_different() -> None:
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(0, 1, (120, 4)), rng.normal(0, 1, (120, 4)), rng.normal(1.5, 1, (120, 4))
    assert overlap_area(a[:, 0], b[:, 0]) > 0.85 > 0.6 > overlap_area(a[:, 0], c[:, 0])
    assert overlap_area([0, 1, 1, 1], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert abs(c2st(a, b) - 0.5) < 0.12 and c2st(a, c) > 0.9
    with pytest.raises(ValueError):
        c2st(a[:3], b[:3])
