"""Melodies cut into whole bars, for the phrase VAE and the bar GAN.

Both models read the melody events of :mod:`tunesmith.tokens.melody` (key-normalised, one event per
sixteenth step) bar by bar. Every bar gets :data:`SLOTS` (16) slots whatever the meter: a 3/4 or
6/8 bar fills 12 of them, a 2/4 bar 8, and the unused slots hold ``PAD`` (never predicted, ignored
by the losses). So one model handles every meter, with the meter as a condition.

A phrase or bar cut out of a piece may begin in the middle of a note (its first event is ``HOLD``);
that note is re-struck there (``NOTE`` of the sounding pitch), so every cut is a valid sequence.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tunesmith.errors import TunesmithError
from tunesmith.models.rnn.data import is_validation
from tunesmith.score import ChordSymbol, Note, Score
from tunesmith.theory.key import Key
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

SLOTS = ct.STEPS_PER_BAR["4/4"]
"""Slots per bar in the models' arrays (the longest bar the models know)."""

QUALITY_INTERVALS = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dom7": (0, 4, 7, 10),
    "dim": (0, 3, 6), "aug": (0, 4, 8), "sus": (0, 5, 7),
}  # fmt: skip

IntArray = npt.NDArray[np.int64]


def chord_class_pcs(class_id: int) -> frozenset[int]:
    """Pitch classes (relative to the tonic) of a chord-class id; empty for no chord."""
    parts = ct.class_parts(class_id)
    if parts is None:
        return frozenset()
    root, quality = parts
    return frozenset((root + i) % 12 for i in QUALITY_INTERVALS[ct.QUALITY_CLASSES[quality]])


@functools.cache
def chroma_table() -> npt.NDArray[np.float32]:
    """(N_CHORD_CLASSES, 12) 0/1 pitch classes of every chord-class id (read-only, shared)."""
    table = np.zeros((ct.N_CHORD_CLASSES, 12), dtype=np.float32)
    for cid in range(1, ct.N_CHORD_CLASSES):
        table[cid, sorted(chord_class_pcs(cid))] = 1.0
    table.setflags(write=False)
    return table


def restrike_from(events: IntArray, start: int) -> IntArray:
    """``events[start:]`` with a note sounding across ``start`` struck again at ``start``."""
    out = events[start:].copy()
    if len(out) and out[0] == mt.HOLD:
        i = start
        while i > 0 and events[i] == mt.HOLD:
            i -= 1
        out[0] = events[i] if events[i] >= mt.NOTE_BASE else mt.REST
    return out


def to_slots(values: IntArray, meter: str, fill: int = mt.PAD) -> IntArray:
    """(n_bars, SLOTS) from a flat per-step array covering whole bars of ``meter``."""
    per_bar = ct.STEPS_PER_BAR[meter]
    bars = len(values) // per_bar
    out = np.full((bars, SLOTS), fill, dtype=np.int64)
    out[:, :per_bar] = values[: bars * per_bar].reshape(bars, per_bar)
    return out


def from_slots(slots: IntArray, meter: str) -> IntArray:
    """The flat per-step array of (n_bars, SLOTS) slots (inverse of :func:`to_slots`)."""
    per_bar = ct.STEPS_PER_BAR[meter]
    return np.asarray(slots)[:, :per_bar].reshape(-1)


@dataclass
class BarPiece:
    """One piece as whole bars: events and chord classes per slot, plus its meter and mode ids."""

    events: IntArray
    """(n_bars, SLOTS) melody events (key-normalised), PAD in unused slots."""
    chords: IntArray
    """(n_bars, SLOTS) chord-class ids."""
    meter: str
    mode: int
    validation: bool


def piece_bars(score: Score, index: int) -> BarPiece | None:
    """The whole bars of a piece from its first bar line (None if it has no usable melody/chords)."""
    enc = mt.encode_score(score)
    if not score.chords or not enc.chords.any() or len(enc) == 0:
        return None
    per_bar = ct.STEPS_PER_BAR[enc.meter]
    first = int((-int(enc.positions[0])) % per_bar)
    events = restrike_from(enc.events, first)
    chords = enc.chords[first:]
    return BarPiece(
        events=to_slots(events, enc.meter),
        chords=to_slots(chords, enc.meter, fill=0),
        meter=enc.meter,
        mode=enc.mode_id,
        validation=is_validation(score, index),
    )


def corpus_bar_pieces(scores: Iterable[Score]) -> tuple[list[BarPiece], dict[str, int]]:
    """Every usable piece as bars, and counts of the skipped ones by reason."""
    pieces: list[BarPiece] = []
    skipped: dict[str, int] = {}
    for i, score in enumerate(scores):
        try:
            piece = piece_bars(score, i)
        except TunesmithError as err:
            reason = type(err).__name__
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        if piece is None:
            skipped["no melody or chord symbols"] = skipped.get("no melody or chord symbols", 0) + 1
            continue
        pieces.append(piece)
    if not pieces:
        raise TunesmithError(f"no usable pieces (melody with chord symbols) for training; skipped: {skipped}")
    return pieces, skipped


def bar_onsets(events: IntArray) -> int:
    return int((np.asarray(events) >= mt.NOTE_BASE).sum())


def notes_to_slots(  # noqa: PLR0917
    notes: list[Note], chords: list[ChordSymbol], key_tonic: int, mode: str, meter: str, bars: int
) -> tuple[IntArray, IntArray]:
    """(bars, SLOTS) events and chord classes of ``notes`` (absolute ticks, bar 0 starting at tick 0)
    in a key with tonic ``key_tonic``."""
    per_bar = ct.STEPS_PER_BAR[meter]
    n_steps = bars * per_bar
    enc = mt.encode_melody(
        notes, chords, Key(key_tonic, mode), meter, "folk", start=0, end=n_steps * ct.STEP_TICKS
    )
    events = np.full(n_steps, mt.REST, dtype=np.int64)
    events[: len(enc.events)] = enc.events
    return to_slots(restrike_from(events, 0), meter), to_slots(enc.chords, meter, fill=0)
