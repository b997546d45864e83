"""General MIDI instruments by name, with the range each one really plays.

``GM_NAMES[program]`` is the General MIDI level-1 name of program 0-127. ``lookup('violin')``
accepts those names case-insensitively, a few common aliases ('guitar', 'fiddle', 'choir',
'erhu') and a program number written as text. Ranges are MIDI note numbers (60 = C4) of the
instrument's practical compass, so the arranger never writes a note the player could not play.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunesmith.errors import ControlError
from tunesmith.io.gm import GM_NAMES

# Practical compass (low, high) by program; families share one range unless listed on their own.
_FAMILY_RANGES: tuple[tuple[int, int], ...] = (
    (21, 108),  # 0-7 pianos, keyboards
    (60, 108),  # 8-15 chromatic percussion (celesta, glockenspiel, music box ...)
    (36, 96),  # 16-23 organs, accordion, harmonica
    (40, 84),  # 24-31 guitars (E2-C6)
    (28, 60),  # 32-39 basses (E1-C4)
    (55, 100),  # 40-47 solo strings (see _RANGES for viola, cello, contrabass, harp, timpani)
    (36, 96),  # 48-55 ensembles, choirs (see _RANGES for choir)
    (52, 84),  # 56-63 brass (see _RANGES)
    (56, 88),  # 64-71 reeds (see _RANGES)
    (60, 96),  # 72-79 pipes (see _RANGES)
    (36, 96),  # 80-87 synth leads
    (36, 96),  # 88-95 synth pads
    (36, 96),  # 96-103 synth effects
    (48, 84),  # 104-111 ethnic
    (48, 84),  # 112-119 percussive
    (48, 84),  # 120-127 sound effects
)
_RANGES: dict[int, tuple[int, int]] = {
    8: (60, 108), 9: (79, 108), 10: (60, 96), 11: (53, 89), 12: (45, 96), 13: (65, 108),
    14: (60, 77), 15: (48, 84),
    22: (60, 96), 21: (41, 89),
    41: (48, 88), 42: (36, 76), 43: (28, 67), 44: (36, 96), 45: (28, 96), 46: (24, 103), 47: (40, 55),
    52: (40, 81), 53: (40, 81), 54: (40, 81),
    56: (54, 82), 57: (40, 72), 58: (28, 58), 59: (54, 82), 60: (34, 77), 61: (40, 82),
    64: (56, 88), 65: (49, 81), 66: (44, 76), 67: (36, 69), 68: (58, 91), 69: (52, 81),
    70: (34, 75), 71: (50, 91),
    72: (74, 108), 73: (60, 96), 74: (60, 91), 75: (60, 96), 76: (60, 84), 77: (62, 93),
    78: (72, 96), 79: (60, 91),
    104: (48, 77), 105: (48, 84), 106: (50, 84), 107: (48, 91), 108: (48, 84), 109: (55, 77),
    110: (55, 100), 111: (58, 84),
}  # fmt: skip

_ALIASES: dict[str, int] = {
    "piano": 0, "grand piano": 0, "electric piano": 4, "rhodes": 4, "harpsichord": 6,
    "celesta": 8, "glockenspiel": 9, "music box": 10, "vibes": 11, "bells": 14,
    "organ": 19, "church organ": 19, "pipe organ": 19, "accordion": 21, "harmonica": 22,
    "guitar": 24, "acoustic guitar": 25, "nylon guitar": 24, "classical guitar": 24,
    "steel guitar": 25, "electric guitar": 27, "jazz guitar": 26,
    "bass": 32, "acoustic bass": 32, "double bass": 43, "upright bass": 32, "electric bass": 33,
    "bass guitar": 33, "fretless bass": 35, "synth bass": 38,
    "fiddle": 40, "erhu": 40, "strings": 48, "string ensemble": 48, "string section": 48,
    "pizzicato": 45, "harp": 46, "choir": 52, "voices": 52, "aahs": 52, "oohs": 53,
    "horn": 60, "french horn": 60, "brass": 61, "sax": 65, "saxophone": 65,
    "dizi": 73, "tin whistle": 78, "whistle": 78, "pan pipes": 75, "pipes": 75,
    "pad": 89, "warm pad": 89, "synth pad": 89, "guzheng": 107, "pipa": 105,
}  # fmt: skip


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


_BY_NAME: dict[str, int] = {_norm(name): program for program, name in enumerate(GM_NAMES)}
# GM names without their parenthesised qualifier ("acoustic guitar" is the first one, nylon).
for _program, _name in enumerate(GM_NAMES):
    _BY_NAME.setdefault(_norm(_name.split(" (")[0]), _program)
_BY_NAME.update({_norm(k): v for k, v in _ALIASES.items()})


@dataclass(frozen=True, slots=True)
class Instrument:
    """A General MIDI program with its practical range (MIDI notes, inclusive)."""

    program: int
    name: str
    low: int
    high: int


def program_range(program: int) -> tuple[int, int]:
    """Practical (low, high) MIDI range of GM program 0-127."""
    if not 0 <= program <= 127:
        raise ControlError("instruments", f"program {program} is outside General MIDI's 0-127")
    return _RANGES.get(program, _FAMILY_RANGES[program // 8])


def instrument(program: int) -> Instrument:
    low, high = program_range(program)
    return Instrument(program, GM_NAMES[program], low, high)


def lookup(name: str) -> Instrument:
    """The instrument a GM name, alias or program number names; ControlError lists the choices."""
    key = _norm(name)
    if key.isdigit():
        return instrument(int(key))
    if key not in _BY_NAME:
        close = [n for n in sorted(_BY_NAME) if key and (key in n or n in key)][:8]
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise ControlError(
            "instruments",
            f"unknown instrument {name!r}{hint}; allowed: a General MIDI name such as "
            f"'violin', 'flute', 'acoustic guitar', 'string ensemble 1', an alias "
            f"({', '.join(sorted(_ALIASES)[:12])}, ...) or a program number 0-127",
        )
    return instrument(_BY_NAME[key])


# General MIDI percussion key map (channel 10) for the drum parts the arranger writes.
DRUMS: dict[str, int] = {
    "kick": 36, "side_stick": 37, "snare": 38, "clap": 39, "snare2": 40, "low_tom": 45,
    "closed_hat": 42, "pedal_hat": 44, "open_hat": 46, "mid_tom": 47, "high_tom": 50,
    "crash": 49, "ride": 51, "tambourine": 54, "cowbell": 56, "shaker": 70, "hand_clap": 39,
    "low_bongo": 61, "high_bongo": 60, "low_conga": 64, "mute_conga": 62, "woodblock": 77,
    "triangle": 81, "bass_drum": 35,
}  # fmt: skip


ONE_NOTE_AT_A_TIME = frozenset({*range(56, 61), *range(64, 80)})
"""Solo brass, reeds and pipes: a player sounds one note, so a chord needs several players."""


def role_of(track_name: str) -> str:
    """The arranger's role of a track named 'role (Instrument)' or 'role 2 (Instrument)' (the second
    player of a part whose chords are split among players)."""
    role = track_name.split(" (", maxsplit=1)[0]
    head, _, number = role.rpartition(" ")
    return head if head and number.isdigit() else role
