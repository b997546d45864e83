"""Pitch classes, note names and their spelling.

Pitch classes are integers 0-11 with C = 0. MIDI note 60 is C4 (middle C). A *spelled* name is a
letter plus accidentals ("F#", "Gb", "Bbb", "E#"); the same pitch class has several spellings and
the right one depends on the key: F# in D major, Gb in Db major.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunesmith.errors import ControlError

if TYPE_CHECKING:
    from tunesmith.theory.key import Key

LETTERS = "CDEFGAB"
LETTER_PC: dict[str, int] = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# Position of each natural on the line of fifths (C = 0); used to count key-signature accidentals.
LETTER_FIFTHS: dict[str, int] = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}

SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
# Lead-sheet habit when no key is known: the spellings musicians read most often.
COMMON_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

_ACCIDENTALS: dict[str, int] = {"#": 1, "♯": 1, "b": -1, "♭": -1, "x": 2, "𝄪": 2, "𝄫": -2}


def accidental_text(alter: int) -> str:
    """'#'/'b' repeated ``alter`` times ('' for naturals)."""
    return "#" * alter if alter >= 0 else "b" * -alter


def split_name(name: str) -> tuple[str, int]:
    """Split a note name such as 'F#', 'bb' or 'E♭' into (upper-case letter, alteration in semitones).

    Raises ControlError for anything that is not a letter A-G followed by accidentals.
    """
    text = name.strip()
    if not text or text[0].upper() not in LETTER_PC:
        raise ControlError("note", f"cannot read note name {name!r}: it must start with a letter A-G")
    alter = 0
    for ch in text[1:]:
        if ch not in _ACCIDENTALS:
            raise ControlError("note", f"cannot read note name {name!r}: unknown accidental {ch!r}")
        alter += _ACCIDENTALS[ch]
    return text[0].upper(), alter


def name_to_pc(name: str) -> int:
    """Pitch class of a note name: 'C' -> 0, 'F#' -> 6, 'Bb' -> 10, 'Cb' -> 11, 'B#' -> 0."""
    letter, alter = split_name(name)
    return (LETTER_PC[letter] + alter) % 12


def pc_name(pc: int, prefer_flats: bool = False) -> str:
    """Name of pitch class ``pc`` with at most one accidental: sharps unless ``prefer_flats``."""
    return (FLAT_NAMES if prefer_flats else SHARP_NAMES)[pc % 12]


def name_fifths(name: str) -> int:
    """Position of a spelled note on the line of fifths (C = 0, G = 1, F = -1, F# = 6, Gb = -6).

    For a major key tonic this is the number of sharps (> 0) or flats (< 0) in its signature.
    """
    letter, alter = split_name(name)
    return LETTER_FIFTHS[letter] + 7 * alter


def fifths_name(fifths: int) -> str:
    """Inverse of :func:`name_fifths`: 0 -> 'C', 6 -> 'F#', -6 -> 'Gb', 7 -> 'C#'."""
    index = fifths + 1  # F is -1 on the line of fifths
    letter = "FCGDAEB"[index % 7]
    return letter + accidental_text(index // 7)


def spell_with_letter(pc: int, letter: str) -> str | None:
    """Spell ``pc`` on ``letter`` ('D' + pc 6 -> None, 'F' + pc 6 -> 'F#'); None beyond double accidentals."""
    diff = (pc - LETTER_PC[letter.upper()]) % 12
    alter = diff if diff <= 6 else diff - 12
    if abs(alter) > 2:
        return None
    return letter.upper() + accidental_text(alter)


def spell_pc(pc: int, key: Key | None = None, prefer_flats: bool | None = None) -> str:
    """Spelled name of pitch class ``pc``: in ``key``'s scale spelling when it belongs to the scale,
    otherwise sharps in sharp keys and flats in flat keys; without a key, :data:`COMMON_NAMES`
    (or sharps/flats when ``prefer_flats`` is given)."""
    if key is not None:
        return key.spell(pc)
    if prefer_flats is None:
        return COMMON_NAMES[pc % 12]
    return pc_name(pc, prefer_flats)


def octave_of(midi: int, spelled: str) -> int:
    """Scientific-pitch octave of ``midi`` written as ``spelled``: B#3 and Cb4 follow their letter."""
    letter, alter = split_name(spelled)
    return (midi - alter - LETTER_PC[letter]) // 12 - 1


def pitch_name(midi: int, key: Key | None = None, prefer_flats: bool | None = None) -> str:
    """Name with octave of a MIDI note (C4 = 60), spelled for ``key``: 66 -> 'F#4' in D major,
    'Gb4' in Db major."""
    spelled = spell_pc(midi % 12, key, prefer_flats)
    return f"{spelled}{octave_of(midi, spelled)}"


def parse_pitch_name(text: str) -> int:
    """MIDI number of a name with octave: 'C4' -> 60, 'Bb4' -> 70, 'C#-1' -> 1, 'Cb4' -> 59.

    Raises ControlError for malformed names or pitches outside MIDI's 0-127.
    """
    s = text.strip()
    cut = len(s)
    while cut > 0 and (s[cut - 1].isdigit() or (s[cut - 1] == "-" and cut < len(s))):
        cut -= 1
        if s[cut] == "-":
            break
    name, octave_text = s[:cut], s[cut:]
    if not octave_text or octave_text == "-":
        raise ControlError("pitch", f"cannot read pitch {text!r}: expected a note and octave such as 'Bb4'")
    letter, alter = split_name(name)
    midi = (int(octave_text) + 1) * 12 + LETTER_PC[letter] + alter
    if not 0 <= midi <= 127:
        raise ControlError("pitch", f"pitch {text!r} is MIDI {midi}, outside 0-127")
    return midi


def fold_into(pitch: int, low: int, high: int) -> int:
    """``pitch`` moved by octaves into low..high (clamped when the range is under an octave)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return min(max(pitch, low), high)
