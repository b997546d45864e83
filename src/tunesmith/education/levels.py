"""What each of the five levels allows: the features that make reading and hearing music harder.

Rules, not a model: a teacher grades material by range, leap size, rhythmic values, key signature
and length, so each level names its limits on those directly (as graded sight-reading books do).
Durations are in quarter notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunesmith.errors import ControlError

LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Level:
    number: int
    max_accidentals: int
    """Most sharps or flats in the key signature."""
    minor: bool
    """Minor keys allowed."""
    range_semitones: int
    """Widest span of a melody."""
    max_leap: int
    """Largest interval between neighbouring notes, in semitones."""
    leap_share: float
    """Share of moves that leap (more than a step)."""
    bar_rhythms: dict[str, tuple[tuple[float, ...], ...]]
    """Per meter, the one-bar rhythms (quarter-note durations) a melody draws on."""
    meters: tuple[str, ...]
    bars: int
    intervals: tuple[int, ...]
    """Interval quiz: which intervals are asked (semitones)."""
    chords: tuple[str, ...]
    """Chord quiz: which qualities are asked."""
    chorale_bars: int
    """Harmonisation: how many bars of the chorale are given."""


_R44_1 = ((4.0,), (2.0, 2.0), (2.0, 1.0, 1.0), (1.0, 1.0, 2.0), (1.0, 1.0, 1.0, 1.0))
_R34_1 = ((3.0,), (2.0, 1.0), (1.0, 1.0, 1.0), (1.0, 2.0))
_R44_2 = (*_R44_1, (1.0, 0.5, 0.5, 1.0, 1.0), (0.5, 0.5, 1.0, 2.0), (1.0, 1.0, 0.5, 0.5, 1.0))
_R34_2 = (*_R34_1, (1.0, 0.5, 0.5, 1.0), (0.5, 0.5, 1.0, 1.0))
_R24_2 = ((2.0,), (1.0, 1.0), (0.5, 0.5, 1.0), (1.0, 0.5, 0.5))
_R44_3 = (*_R44_2, (1.5, 0.5, 1.0, 1.0), (1.5, 0.5, 2.0), (0.5, 0.5, 0.5, 0.5, 2.0))
_R34_3 = (*_R34_2, (1.5, 0.5, 1.0), (0.5, 0.5, 0.5, 0.5, 1.0))
_R24_3 = (*_R24_2, (1.5, 0.5), (0.5, 0.5, 0.5, 0.5))
_R68_4 = (
    (1.5, 1.5),
    (1.0, 0.5, 1.0, 0.5),
    (0.5, 0.5, 0.5, 1.5),
    (1.5, 0.5, 0.5, 0.5),
    (3.0,),
    (0.5, 0.5, 0.5, 0.5, 0.5, 0.5),
)
_R44_4 = (*_R44_3, (0.25, 0.25, 0.5, 1.0, 2.0), (1.0, 0.75, 0.25, 2.0), (0.5, 1.0, 0.5, 2.0))
_R34_4 = (*_R34_3, (0.75, 0.25, 1.0, 1.0), (0.5, 1.0, 0.5, 1.0))
_R24_4 = (*_R24_3, (0.75, 0.25, 1.0), (0.25, 0.25, 0.5, 1.0))
_R68_5 = (*_R68_4, (0.75, 0.25, 0.5, 1.5), (0.5, 1.0, 1.5))
_R44_5 = (*_R44_4, (0.5, 1.0, 1.0, 0.5, 1.0), (0.75, 0.25, 0.75, 0.25, 2.0))

TABLE: dict[int, Level] = {
    1: Level(
        1,
        1,
        False,
        7,
        4,
        0.10,
        {"4/4": _R44_1, "3/4": _R34_1},
        ("4/4",),
        4,
        (0, 2, 4, 5, 7, 12),
        ("maj", "min"),
        4,
    ),
    2: Level(
        2,
        2,
        False,
        9,
        5,
        0.20,
        {"4/4": _R44_2, "3/4": _R34_2, "2/4": _R24_2},
        ("4/4", "3/4"),
        4,
        (0, 2, 3, 4, 5, 7, 9, 12),
        ("maj", "min"),
        4,
    ),
    3: Level(
        3,
        3,
        True,
        12,
        7,
        0.25,
        {"4/4": _R44_3, "3/4": _R34_3, "2/4": _R24_3},
        ("4/4", "3/4", "2/4"),
        8,
        tuple(range(13)),
        ("maj", "min", "dim", "aug"),
        6,
    ),
    4: Level(
        4,
        4,
        True,
        14,
        9,
        0.30,
        {"4/4": _R44_4, "3/4": _R34_4, "2/4": _R24_4, "6/8": _R68_4},
        ("4/4", "3/4", "6/8"),
        8,
        tuple(range(13)),
        ("maj", "min", "dim", "aug", "dom7", "maj7", "min7"),
        8,
    ),
    5: Level(
        5,
        6,
        True,
        17,
        12,
        0.35,
        {"4/4": _R44_5, "3/4": _R34_4, "2/4": _R24_4, "6/8": _R68_5},
        ("4/4", "3/4", "6/8", "2/4"),
        12,
        tuple(range(13)),
        ("maj", "min", "dim", "aug", "dom7", "maj7", "min7", "hdim7", "dim7"),
        12,
    ),
}

INTERVAL_NAMES = {
    0: "unison",
    1: "minor second",
    2: "major second",
    3: "minor third",
    4: "major third",
    5: "perfect fourth",
    6: "tritone",
    7: "perfect fifth",
    8: "minor sixth",
    9: "major sixth",
    10: "minor seventh",
    11: "major seventh",
    12: "octave",
}
INTERVAL_SHORT = {
    0: "P1",
    1: "m2",
    2: "M2",
    3: "m3",
    4: "M3",
    5: "P4",
    6: "TT",
    7: "P5",
    8: "m6",
    9: "M6",
    10: "m7",
    11: "M7",
    12: "P8",
}
CHORD_NAMES = {
    "maj": "major triad",
    "min": "minor triad",
    "dim": "diminished triad",
    "aug": "augmented triad",
    "dom7": "dominant seventh",
    "maj7": "major seventh",
    "min7": "minor seventh",
    "hdim7": "half-diminished seventh",
    "dim7": "diminished seventh",
}


def level(number: int) -> Level:
    if number not in TABLE:
        raise ControlError("level", f"{number} is not a level; allowed: a whole number 1-5")
    return TABLE[number]
