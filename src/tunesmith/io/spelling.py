"""Note spelling for notation: each pitch by its function in the sounding chord, else by the key.

An A major chord in D minor gives C♯ (the chord's third), not D♭; a tone outside the chord takes
the key's spelling (scale tones their degree's letter, a minor key's raised sixth and seventh
theirs, other tones sharps in sharp keys and flats in flat keys).
"""

from __future__ import annotations

from functools import lru_cache

from tunesmith.errors import TunesmithError
from tunesmith.score import KeySignature
from tunesmith.theory.chord import Chord, parse_chord, spell
from tunesmith.theory.key import Key
from tunesmith.theory.pitch import COMMON_NAMES, LETTER_PC, split_name


@lru_cache(maxsize=4096)
def _chord(figure: str) -> Chord | None:
    try:
        return parse_chord(figure)
    except TunesmithError:
        return None  # N.C., annotations and figures we cannot read: spell by the key


@lru_cache(maxsize=256)
def _key(fifths: int, mode: str) -> Key:
    return Key.from_fifths(fifths, mode)


@lru_cache(maxsize=65536)
def _name(pc: int, figure: str | None, fifths: int | None, mode: str) -> str:
    key = _key(fifths, mode) if fifths is not None else None
    chord = _chord(figure) if figure else None
    if chord is not None:
        for name in spell(chord, key):
            letter, alter = split_name(name)
            if (LETTER_PC[letter] + alter) % 12 == pc and abs(alter) <= 1:
                return name
    return key.spell(pc) if key is not None else COMMON_NAMES[pc]


def spell_pitch(midi: int, key: KeySignature | None, figure: str | None) -> tuple[str, int, int]:
    """(step letter, alter, octave) of MIDI note ``midi`` under ``key`` and chord ``figure``."""
    name = _name(midi % 12, figure, key.fifths if key is not None else None, key.mode if key else "major")
    letter, alter = split_name(name)
    octave = (midi - alter - LETTER_PC[letter]) // 12 - 1
    return letter, alter, octave
