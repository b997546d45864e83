"""Roman numerals: 'I vi IV V' in a key <-> chords.

Case gives the third (I major, ii minor); '°' (or 'o') diminished, 'ø' half-diminished, '+'
augmented; '7', 'maj7', '9', 'sus4', 'add6', 'add9' as in chord symbols; figured-bass inversions
'6', '64' (triads) and '65', '43', '42' (sevenths) put the third, fifth or seventh in the bass;
'b'/'#' before the numeral lowers/raises the degree (bVII, #iv°); 'X/Y' is X in the key of Y
(V7/V). Degrees are read against the key's seven-note scale (natural minor in minor keys), except
that a diminished vii in a minor key sits on the raised leading tone, as musicians expect.
"""

from __future__ import annotations

import re

from tunesmith.errors import ControlError
from tunesmith.theory.chord import QUALITIES, Chord
from tunesmith.theory.key import SCALES, Key

NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII")

# (lower-case numeral?, suffix) -> quality. Written suffixes after the case/quality marks.
_SUFFIX_QUALITY: dict[tuple[bool, str], str] = {
    (False, ""): "maj", (True, ""): "min",
    (True, "°"): "dim", (False, "+"): "aug",
    (False, "7"): "dom7", (True, "7"): "min7",
    (False, "maj7"): "maj7", (True, "maj7"): "minmaj7",
    (True, "°7"): "dim7", (True, "ø7"): "hdim7", (False, "+7"): "aug7",
    (False, "9"): "9", (True, "9"): "min9", (False, "maj9"): "maj9",
    (False, "add6"): "6", (True, "add6"): "min6",
    (False, "add9"): "add9", (True, "add9"): "madd9",
    (False, "sus4"): "sus4", (False, "sus2"): "sus2", (False, "7sus4"): "7sus4",
    (False, "7b9"): "7b9", (False, "7#9"): "7#9", (False, "7b5"): "7b5",
    (False, "11"): "11", (True, "11"): "min11", (False, "13"): "13",
    (False, "5"): "5", (False, "69"): "6/9",
}  # fmt: skip
_QUALITY_SUFFIX: dict[str, tuple[bool, str]] = {q: ls for ls, q in _SUFFIX_QUALITY.items()}
_ALIASES = {
    "o": "°", "o7": "°7", "ø": "ø7", "/o7": "ø7", "M7": "maj7", "M9": "maj9", "dim": "°", "dim7": "°7",
}  # fmt: skip

_TRIAD_INVERSIONS = {"6": 1, "64": 2}
_SEVENTH_INVERSIONS = {"65": 1, "43": 2, "42": 3, "2": 3}
_TRIAD_FIGURES = {1: "6", 2: "64"}
_SEVENTH_FIGURES = {1: "65", 2: "43", 3: "42"}

_NUMERAL_RE = re.compile(r"^([b#♭♯]*)(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(.*)$")
_MINOR_THIRD = frozenset(
    {"min", "dim", "min7", "minmaj7", "dim7", "hdim7", "min9", "min6", "madd9", "min11"}
)


def _seven_note(key: Key) -> Key:
    return Key(key.tonic, key.parent_mode, key.tonic_name)


def _split_inversion(lower: bool, suffix: str) -> tuple[str, int]:
    """(quality, inversion 0-3) from a suffix that may end in a figured-bass inversion."""
    suffix = _ALIASES.get(suffix, suffix)
    if (lower, suffix) in _SUFFIX_QUALITY:
        return _SUFFIX_QUALITY[(lower, suffix)], 0
    for figure, inversion in _SEVENTH_INVERSIONS.items():
        if suffix.endswith(figure):
            base = _ALIASES.get(suffix[: -len(figure)] + "7", suffix[: -len(figure)] + "7")
            if (lower, base) in _SUFFIX_QUALITY:
                return _SUFFIX_QUALITY[(lower, base)], inversion
    for figure, inversion in _TRIAD_INVERSIONS.items():
        if suffix.endswith(figure):
            base = _ALIASES.get(suffix[: -len(figure)], suffix[: -len(figure)])
            if (lower, base) in _SUFFIX_QUALITY and len(QUALITIES[_SUFFIX_QUALITY[(lower, base)]].tones) == 3:
                return _SUFFIX_QUALITY[(lower, base)], inversion
    raise ValueError(suffix)


def roman_to_chord(numeral: str, key: Key) -> Chord:
    """The chord ``numeral`` names in ``key``: 'V7' in C -> G7, 'ii65' in C -> Dm7/F,
    'vii°' in A minor -> G#dim, 'bVII' in C -> Bb, 'V/V' in C -> D. Raises ControlError."""
    text = numeral.strip()
    primary, _, secondary = text.partition("/")
    if secondary:
        # the tonicised degree is read as a key: upper case major, lower case minor
        target = roman_to_chord(secondary, key)
        target_mode = "minor" if target.quality in _MINOR_THIRD else "major"
        key = Key(target.root, target_mode, target.root_name)
    match = _NUMERAL_RE.match(primary)
    if match is None:
        raise ControlError(
            "roman numeral", f"cannot read {numeral!r}: expected e.g. 'I', 'vi', 'V7', 'bVII', 'V/V'"
        )
    accidentals, roman, suffix = match.groups()
    lower = roman.islower()
    try:
        quality, inversion = _split_inversion(lower, suffix)
    except ValueError:
        raise ControlError(
            "roman numeral",
            f"cannot read {numeral!r}: unknown quality {suffix!r} (e.g. 7, maj7, °, ø7, 6, 64, 65)",
        ) from None
    degree = NUMERALS.index(roman.upper()) + 1
    alter = sum(1 if ch in "#♯" else -1 for ch in accidentals)
    seven = _seven_note(key)
    if key.is_minor and degree == 7 and quality in ("dim", "dim7", "hdim7"):
        alter += 1  # leading-tone chord of a minor key sits on the raised seventh ('bvii°' undoes it)
    root = seven.degree_pc(degree, alter)
    root_name = _spell_root(seven, degree, alter)
    intervals = QUALITIES[quality].intervals
    bass = (root + intervals[inversion]) % 12 if inversion else None
    chord = Chord(root, quality, bass, root_name)
    return chord.respelled(key) if not root_name else chord


def _spell_root(key: Key, degree: int, alter: int) -> str:
    """Degree's letter from the key's scale, with the alteration applied (bVII in C -> Bb)."""
    name = key.scale_names()[degree - 1]
    letter, base_alter = name[0], name.count("#") - name.count("b")
    total = base_alter + alter
    if abs(total) > 2:
        return ""
    return letter + ("#" * total if total >= 0 else "b" * -total)


def _chromatic_degree(key: Key, rel: int) -> tuple[int, int]:
    """(degree, alteration) naming a root ``rel`` semitones above the tonic that is not diatonic."""
    steps = SCALES[key.parent_mode]
    if key.parent_mode == "major":
        preferred = {1: (2, -1), 3: (3, -1), 6: (4, 1), 8: (6, -1), 10: (7, -1)}
        if rel in preferred:
            return preferred[rel]
    if key.parent_mode == "minor":
        preferred = {1: (2, -1), 4: (3, 1), 6: (4, 1), 9: (6, 1), 11: (7, 1)}
        if rel in preferred:
            return preferred[rel]
    for d, step in enumerate(steps):
        if (step - 1) % 12 == rel:
            return d + 1, -1
    for d, step in enumerate(steps):
        if (step + 1) % 12 == rel:
            return d + 1, 1
    raise AssertionError("every pitch class is within a semitone of a diatonic degree")


def _diatonic(chord: Chord, key: Key) -> bool:
    pcs = set(key.scale_pcs())
    if key.is_minor:
        pcs |= {(key.tonic + 9) % 12, (key.tonic + 11) % 12}  # melodic/harmonic minor tones
    return all(pc in pcs for pc in chord.pitch_classes())


def _numeral(degree: int, alter: int, chord: Chord) -> str:
    lower, suffix = _QUALITY_SUFFIX[chord.quality]
    roman = NUMERALS[degree - 1]
    roman = roman.lower() if lower else roman
    if chord.bass is not None and chord.bass in chord.pitch_classes()[: len(chord.intervals)]:
        index = chord.pitch_classes().index(chord.bass)
        if len(chord.intervals) == 3 and index in _TRIAD_FIGURES:
            suffix += _TRIAD_FIGURES[index]
        elif len(chord.intervals) == 4 and suffix.endswith("7") and index in _SEVENTH_FIGURES:
            suffix = suffix[:-1] + _SEVENTH_FIGURES[index]
    accidental = "#" * alter if alter > 0 else "b" * -alter
    return f"{accidental}{roman}{suffix}"


def chord_to_roman(chord: Chord, key: Key, secondary: bool = True) -> str:
    """Roman numeral of ``chord`` in ``key``: G7 in C -> 'V7', F#dim in G -> 'vii°', Bb in C ->
    'bVII', D7 in C -> 'V7/V' (with ``secondary``), C/E in C -> 'I6'. A slash bass that is not a
    chord tone is not shown."""
    seven = _seven_note(key)
    rel = (chord.root - key.tonic) % 12
    if secondary and chord.quality in ("maj", "dom7", "9", "7b9") and not _diatonic(chord, key):
        target_rel = (rel - 7) % 12
        target_degree = seven.degree_of((key.tonic + target_rel) % 12)
        if target_degree is not None and target_degree != 1:
            target_root = seven.degree_pc(target_degree)
            triad_third = (seven.degree_pc(target_degree + 2) - target_root) % 12
            triad_fifth = (seven.degree_pc(target_degree + 4) - target_root) % 12
            if triad_fifth == 7:
                target = NUMERALS[target_degree - 1]
                target = target.lower() if triad_third == 3 else target
                return f"{_numeral(5, 0, chord)}/{target}"
    degree = seven.degree_of(chord.root)
    alter = 0
    leading_tone_chord = key.is_minor and chord.quality in ("dim", "dim7", "hdim7")
    if leading_tone_chord and rel == 10:
        degree, alter = 7, -1  # below the raised seventh that a minor-key vii° implies
    elif degree is None:
        if leading_tone_chord and rel == 11:
            degree = 7  # raised leading tone, written plain (vii°) by convention
        else:
            degree, alter = _chromatic_degree(seven, rel)
    return _numeral(degree, alter, chord)


def progression(numerals: str, key: Key) -> list[Chord]:
    """Chords of a progression written as numerals separated by spaces, '-' or '|': 'I vi IV V'."""
    tokens = [t for t in re.split(r"[\s|,\-–]+", numerals) if t]
    if not tokens:
        raise ControlError("progression", "an empty progression; write numerals such as 'I vi IV V'")
    return [roman_to_chord(token, key) for token in tokens]
