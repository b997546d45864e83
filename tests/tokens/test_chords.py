"""Chord tokens: classes relative to the tonic, events and beat tokens round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import ControlError
from tunesmith.score import ChordSymbol
from tunesmith.theory.key import Key
from tunesmith.tokens import chords as ct


@pytest.mark.parametrize(
    ("figure", "root", "quality"),
    [("C", 0, "maj"), ("Am7", 9, "min"), ("G7", 7, "dom7"), ("Bdim", 11, "dim"), ("Cd", 0, "dim"),
     ("Ca", 0, "aug"), ("Esus4", 4, "sus"), ("D/f+", 2, "maj"), ("Bm7b5", 11, "dim"), ("Cmaj7", 0, "maj"),
     ("G9", 7, "dom7")],
)
def test_chord_classes(figure: str, root: int, quality: str) -> None:
    assert ct.class_parts(ct.chord_class(figure, 0)) == (root, ct.QUALITY_CLASSES.index(quality))


def test_roots_are_relative_to_the_tonic() -> None:
    assert ct.chord_class("D7", Key.parse("G").tonic) == ct.chord_class("G7", 0)  # V7 in both keys
    assert ct.chord_class("N.C.", 0) == 0
    with pytest.raises(ControlError):
        ct.chord_class("H7", 0)


def test_class_figure_spells_in_the_key() -> None:
    key = Key.parse("Eb")
    assert ct.class_figure(ct.chord_class("Bb7", key.tonic), key) == "Bb7"
    assert ct.class_figure(ct.chord_class("Cm", key.tonic), key) == "Cm"


@pytest.mark.parametrize("meter", ct.METERS)
def test_events_and_beat_tokens_round_trip(meter: str) -> None:
    key = Key.parse("D")
    beat = ct.STEPS_PER_BEAT[meter] * ct.STEP_TICKS
    figures = [("D", 2), ("G", 1), ("A7", 1), ("Bm", 2), ("N.C.", 1), ("D", 1)]
    symbols, tick = [], 0
    for figure, beats in figures:
        symbols.append(ChordSymbol(tick, figure))
        tick += beats * beat
    events = ct.encode_chords(symbols, key, 0, tick)
    assert [ev.steps * ct.STEP_TICKS for ev in events] == [b * beat for _, b in figures]
    assert [c.figure for c in ct.decode_chords(events, key)] == [f for f, _ in figures]
    tokens = ct.beat_tokens(symbols, key, meter, 0, tick // beat)
    assert len(tokens) == 8 and tokens[0] == tokens[1] and tokens[6] == ct.NC
    assert ct.decode_beat_tokens(tokens, key, meter) == [(f, b * beat) for f, b in figures]
    assert np.array_equal(ct.beat_positions(meter, 4), np.arange(4) % ct.BEATS_PER_BAR[meter])
