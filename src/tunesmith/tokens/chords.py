"""Chord sequences as model tokens: root relative to the key's tonic, a quality class, a duration.

Every chord symbol is reduced to a *chord class*: its root as semitones above the key's tonic
(0-11; so V is 7 in every key and mode) and one of six quality classes
(:data:`QUALITY_CLASSES`): ``maj`` (major triads, maj7, 6), ``min`` (minor triads, m7, m6),
``dom7`` (major third + minor seventh: 7, 9, 13), ``dim`` (dim, dim7, m7b5), ``aug`` and ``sus``
(no third: sus2, sus4, power chords). Inversions (slash basses) and extensions are dropped.

Chord class ids (shared by the melody tokens' chord condition, :mod:`tunesmith.tokens.melody`):
``0`` = no chord (N.C. or nothing written yet), ``1 + root * 6 + quality`` otherwise (1-72).

Two sequence forms:

- :class:`ChordEvent` lists: (root, quality, duration in sixteenth-note steps), one per change.
- Beat tokens for the chord-progression model: one token per beat (a quarter note in 4/4, 3/4 and
  2/4, a dotted quarter in 6/8), the chord sounding at the beat's start.
  Vocabulary: ``PAD`` = 0, ``BOS`` = 1, ``NC`` = 2 (no chord), ``3 + root * 6 + quality`` (3-74).
  A chord held for several beats repeats its token; decoding merges repeats back into one symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tunesmith.errors import ControlError
from tunesmith.score import TICKS_PER_QUARTER, ChordSymbol
from tunesmith.theory.chord import parse_chord

if TYPE_CHECKING:
    from tunesmith.theory.key import Key

QUALITY_CLASSES = ("maj", "min", "dom7", "dim", "aug", "sus")
N_QUALITIES = len(QUALITY_CLASSES)
N_CHORD_CLASSES = 1 + 12 * N_QUALITIES
"""Chord-class ids 0 (no chord) .. 72."""

# Figure suffix written when decoding each quality class.
QUALITY_SUFFIX = {"maj": "", "min": "m", "dom7": "7", "dim": "dim", "aug": "aug", "sus": "sus4"}

STEP_TICKS = TICKS_PER_QUARTER // 4
"""One sixteenth-note grid step, in ticks."""

METERS = ("4/4", "3/4", "6/8", "2/4")
"""Meters the models know; index = meter condition id."""
STEPS_PER_BAR = {"4/4": 16, "3/4": 12, "6/8": 12, "2/4": 8}
STEPS_PER_BEAT = {"4/4": 4, "3/4": 4, "6/8": 6, "2/4": 4}
BEATS_PER_BAR = {m: STEPS_PER_BAR[m] // STEPS_PER_BEAT[m] for m in METERS}
MAX_BEATS_PER_BAR = max(BEATS_PER_BAR.values())

PAD, BOS, NC = 0, 1, 2
CHORD_TOKEN_BASE = 3
N_CHORD_TOKENS = CHORD_TOKEN_BASE + 12 * N_QUALITIES
"""Beat-token vocabulary size (75)."""


def check_meter(meter: str) -> str:
    """``meter`` itself if the models know it ('4/4', '3/4', '6/8', '2/4'), else ControlError."""
    text = str(meter).strip()
    if text not in STEPS_PER_BAR:
        raise ControlError("meter", f"unsupported meter {meter!r}; choose one of {', '.join(METERS)}")
    return text


def quality_class(intervals: tuple[int, ...] | list[int]) -> int:
    """Quality-class index of a chord given its intervals (semitones above the root)."""
    tones = {i % 12 for i in intervals}
    if 4 in tones:
        if 8 in tones and 7 not in tones:
            return QUALITY_CLASSES.index("aug")
        if 10 in tones:
            return QUALITY_CLASSES.index("dom7")
        return QUALITY_CLASSES.index("maj")
    if 3 in tones:
        if 6 in tones and 7 not in tones:
            return QUALITY_CLASSES.index("dim")
        return QUALITY_CLASSES.index("min")
    return QUALITY_CLASSES.index("sus")


def chord_class(figure: str, tonic: int) -> int:
    """Chord-class id (1-72) of a chord symbol in a key with tonic pitch class ``tonic``;
    0 for 'N.C.' / empty. Raises ControlError for a figure that is no chord symbol."""
    text = figure.strip()
    if not text or text.upper().replace(".", "") in ("NC", "N", "NONE"):
        return 0
    chord = parse_chord(text)
    root = (chord.root - tonic) % 12
    return 1 + root * N_QUALITIES + quality_class(tuple(chord.intervals))


def class_parts(class_id: int) -> tuple[int, int] | None:
    """(root relative to the tonic, quality-class index) of a chord-class id; None for no chord."""
    if class_id <= 0:
        return None
    root, quality = divmod(class_id - 1, N_QUALITIES)
    return root, quality


def class_figure(class_id: int, key: Key) -> str:
    """A chord symbol for a chord-class id in ``key``, spelled for the key ('N.C.' for 0)."""
    parts = class_parts(class_id)
    if parts is None:
        return "N.C."
    root, quality = parts
    return key.spell((key.tonic + root) % 12) + QUALITY_SUFFIX[QUALITY_CLASSES[quality]]


def token_of_class(class_id: int) -> int:
    """Beat token of a chord-class id (NC for 0)."""
    return NC if class_id <= 0 else CHORD_TOKEN_BASE + class_id - 1


def class_of_token(token: int) -> int:
    """Chord-class id of a beat token (0 for NC, PAD and BOS)."""
    return 0 if token < CHORD_TOKEN_BASE else token - CHORD_TOKEN_BASE + 1


@dataclass(frozen=True, slots=True)
class ChordEvent:
    """One chord of a sequence: root (semitones above the tonic), quality-class index, length in
    sixteenth-note steps; ``root`` is -1 for no chord."""

    root: int
    quality: int
    steps: int

    @property
    def class_id(self) -> int:
        return 0 if self.root < 0 else 1 + self.root * N_QUALITIES + self.quality


def classes_per_step(
    chords: list[ChordSymbol], tonic: int, start: int, n_steps: int
) -> npt.NDArray[np.int64]:
    """Chord-class id sounding at each sixteenth step ``start + i * STEP_TICKS`` (i < n_steps)."""
    out = np.zeros(n_steps, dtype=np.int64)
    ordered = sorted(chords, key=lambda c: c.tick)
    ids = [chord_class(c.figure, tonic) for c in ordered]
    ticks = np.array([c.tick for c in ordered], dtype=np.int64)
    if not ordered:
        return out
    step_ticks = start + np.arange(n_steps, dtype=np.int64) * STEP_TICKS
    index = np.searchsorted(ticks, step_ticks, side="right") - 1
    table = np.array([0, *ids], dtype=np.int64)
    return table[index + 1]


def encode_chords(
    chords: list[ChordSymbol], key: Key, start: int, end: int
) -> list[ChordEvent]:
    """Chord events from ``start`` to ``end`` ticks on the sixteenth grid (changes between grid
    steps move to the step they fall in)."""
    n_steps = max(0, -(-(end - start) // STEP_TICKS))
    per_step = classes_per_step(chords, key.tonic, start, n_steps)
    return events_from_classes(per_step)


def events_from_classes(per_step: npt.NDArray[np.int64] | list[int], step_len: int = 1) -> list[ChordEvent]:
    """Merge runs of equal chord-class ids (one per ``step_len`` steps) into ChordEvents."""
    events: list[ChordEvent] = []
    for cid in (int(c) for c in per_step):
        if events and events[-1].class_id == cid:
            last = events[-1]
            events[-1] = ChordEvent(last.root, last.quality, last.steps + step_len)
            continue
        parts = class_parts(cid)
        root, quality = parts if parts is not None else (-1, 0)
        events.append(ChordEvent(root, quality, step_len))
    return events


def decode_chords(events: list[ChordEvent], key: Key, start: int = 0) -> list[ChordSymbol]:
    """ChordSymbols in ``key`` from ``start`` ticks (no-chord events become gaps: 'N.C.')."""
    out: list[ChordSymbol] = []
    tick = start
    for ev in events:
        out.append(ChordSymbol(tick, class_figure(ev.class_id, key)))
        tick += ev.steps * STEP_TICKS
    return out


def beat_tokens(
    chords: list[ChordSymbol], key: Key, meter: str, start: int, n_beats: int
) -> npt.NDArray[np.int64]:
    """One token per beat from ``start`` ticks: the chord sounding at each beat's start."""
    step = STEPS_PER_BEAT[check_meter(meter)]
    per_step = classes_per_step(chords, key.tonic, start, n_beats * step)
    return np.array([token_of_class(int(c)) for c in per_step[::step]], dtype=np.int64)


def beat_positions(meter: str, n_beats: int) -> npt.NDArray[np.int64]:
    """Beat index within the bar of each beat (0 = downbeat)."""
    return np.arange(n_beats, dtype=np.int64) % BEATS_PER_BAR[check_meter(meter)]


def decode_beat_tokens(
    tokens: list[int] | npt.NDArray[np.int64], key: Key, meter: str, figures: dict[int, str] | None = None
) -> list[tuple[str, int]]:
    """(figure, duration in ticks) per chord change; held chords (repeated tokens) merge.
    ``figures`` (chord-class id -> symbol) overrides the default spelling of a class, e.g. a
    style's 'G5' for the no-third class on V instead of 'Gsus4'."""
    beat_ticks = STEPS_PER_BEAT[check_meter(meter)] * STEP_TICKS
    out: list[tuple[str, int]] = []
    previous = -1
    for tok in (int(t) for t in tokens):
        if tok in (PAD, BOS):
            continue
        if tok == previous and out:
            figure, ticks = out[-1]
            out[-1] = (figure, ticks + beat_ticks)
        else:
            cid = class_of_token(tok)
            named = figures.get(cid) if figures else None
            out.append((named or class_figure(cid, key), beat_ticks))
        previous = tok
    return out
