"""Keys and scales: a tonic pitch class plus a mode (diatonic, minor variants, pentatonic).

``Key.parse`` reads 'C', 'Bbm', 'F# minor', 'D dorian', 'A mix', 'G gong' and music21's habit of a
lower-case tonic meaning minor ('f#' = F# minor). The tonic's spelling ('Gb' vs 'F#') is kept for
naming and note spelling but does not take part in equality: Key(6, 'major') is one key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tunesmith.errors import ControlError
from tunesmith.score import KeySignature
from tunesmith.theory.pitch import (
    COMMON_NAMES,
    FLAT_NAMES,
    LETTER_PC,
    LETTERS,
    SHARP_NAMES,
    accidental_text,
    fifths_name,
    name_fifths,
    spell_with_letter,
    split_name,
)

# Semitones above the tonic of each scale.
SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),
    "major_pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    # The five Chinese pentatonic modes: rotations of gong (do re mi sol la).
    "gong": (0, 2, 4, 7, 9),
    "shang": (0, 2, 5, 7, 10),
    "jue": (0, 3, 5, 8, 10),
    "zhi": (0, 2, 5, 7, 9),
    "yu": (0, 3, 5, 7, 10),
}
MODES = tuple(SCALES)

# Each mode's signature relative to its tonic, on the line of fifths (D dorian: D=2, -2 -> 0 = C).
_SIGNATURE_OFFSET: dict[str, int] = {
    "major": 0, "dorian": -2, "phrygian": -4, "lydian": 1, "mixolydian": -1, "minor": -3, "locrian": -5,
    "harmonic_minor": -3, "melodic_minor": -3, "major_pentatonic": 0, "minor_pentatonic": -3,
    "gong": 0, "shang": -2, "jue": -4, "zhi": -1, "yu": -3,
}  # fmt: skip

# The seven-note scale each mode is read against for degrees and Roman numerals.
_PARENT: dict[str, str] = {
    "major_pentatonic": "major", "minor_pentatonic": "minor",
    "gong": "major", "shang": "dorian", "jue": "phrygian", "zhi": "mixolydian", "yu": "minor",
}  # fmt: skip

# Letter steps above the tonic of each pentatonic tone (the gap skips a letter).
_PENTATONIC_STEPS: dict[str, tuple[int, ...]] = {
    "major_pentatonic": (0, 1, 2, 4, 5), "gong": (0, 1, 2, 4, 5),
    "minor_pentatonic": (0, 2, 3, 4, 6), "yu": (0, 2, 3, 4, 6),
    "shang": (0, 1, 3, 4, 6), "jue": (0, 2, 3, 5, 6), "zhi": (0, 1, 3, 4, 5),
}  # fmt: skip

_MODE_WORDS: dict[str, str] = {
    "": "major", "maj": "major", "major": "major", "ion": "major", "ionian": "major", "M": "major",
    "m": "minor", "min": "minor", "minor": "minor", "aeo": "minor", "aeolian": "minor",
    "dor": "dorian", "dorian": "dorian", "phr": "phrygian", "phrygian": "phrygian",
    "lyd": "lydian", "lydian": "lydian", "mix": "mixolydian", "mixolydian": "mixolydian",
    "loc": "locrian", "locrian": "locrian",
    "harmonic minor": "harmonic_minor", "harmonic_minor": "harmonic_minor", "harm": "harmonic_minor",
    "melodic minor": "melodic_minor", "melodic_minor": "melodic_minor", "mel": "melodic_minor",
    "pentatonic": "major_pentatonic", "major pentatonic": "major_pentatonic",
    "major_pentatonic": "major_pentatonic", "minor pentatonic": "minor_pentatonic",
    "minor_pentatonic": "minor_pentatonic", "m pentatonic": "minor_pentatonic",
    "gong": "gong", "shang": "shang", "jue": "jue", "zhi": "zhi", "yu": "yu",
}  # fmt: skip

_MINORISH = frozenset({"minor", "dorian", "phrygian", "locrian", "harmonic_minor", "melodic_minor",
                       "minor_pentatonic", "shang", "jue", "yu"})  # fmt: skip


def _default_tonic_name(tonic: int, mode: str) -> str:
    """Spelling of a tonic with the fewest signature accidentals; flats win ties (Gb major, Eb minor)."""
    offset = _SIGNATURE_OFFSET[mode]
    best = ""
    best_fifths = 99
    for fifths in range(-13, 14):  # every tonic name with at most two accidentals
        name = fifths_name(fifths)
        if (fifths * 7) % 12 != tonic % 12:
            continue
        sig = fifths + offset
        if abs(sig) < abs(best_fifths) or (abs(sig) == abs(best_fifths) and sig < best_fifths):
            best, best_fifths = name, sig
    return best


@dataclass(frozen=True, slots=True)
class Key:
    """A tonic pitch class (0-11, C = 0) and a mode from :data:`MODES`."""

    tonic: int
    mode: str = "major"
    tonic_name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.mode not in SCALES:
            raise ControlError("key", f"unknown mode {self.mode!r}; choose one of {', '.join(MODES)}")
        object.__setattr__(self, "tonic", self.tonic % 12)
        if not self.tonic_name:
            object.__setattr__(self, "tonic_name", _default_tonic_name(self.tonic, self.mode))

    # ----- construction -------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Key:
        """Read 'C', 'Cm', 'Bbm', 'F# minor', 'f#' (minor), 'D dorian', 'A mix', 'G gong'."""
        s = " ".join(text.replace("-", " ").split())
        if not s or s[0].upper() not in LETTERS:
            raise ControlError(
                "key", f"cannot read key {text!r}; expected e.g. 'C', 'F# minor', 'Bbm', 'D dorian'"
            )
        i = 1
        while i < len(s) and s[i] in "#b♯♭":
            i += 1
        tonic_text, rest = s[:i], s[i:].strip()
        try:
            letter, alter = split_name(tonic_text)
        except ControlError:
            raise ControlError("key", f"cannot read key {text!r}: bad tonic {tonic_text!r}") from None
        word = rest if rest in ("M", "m") else rest.lower()
        word = word.replace("_", " ")
        if word not in _MODE_WORDS:
            raise ControlError(
                "key", f"cannot read key {text!r}: unknown mode {rest!r}; choose one of {', '.join(MODES)}"
            )
        mode = _MODE_WORDS[word]
        if not rest and tonic_text[0].islower():
            mode = "minor"  # music21 convention: lower-case tonic = minor
        name = letter + accidental_text(alter)
        return cls(name_to_pc_simple(letter, alter), mode, name)

    @classmethod
    def from_fifths(cls, fifths: int, mode: str = "major") -> Key:
        """The key whose signature has ``fifths`` sharps (> 0) or flats (< 0) in ``mode``."""
        if mode not in SCALES:
            raise ControlError("key", f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        name = fifths_name(fifths - _SIGNATURE_OFFSET[mode])
        letter, alter = split_name(name)
        return cls(name_to_pc_simple(letter, alter), mode, name)

    # ----- properties ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return f"{self.tonic_name} {self.mode.replace('_', ' ')}"

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        """'C', 'Am', 'D dorian': compact form that :meth:`parse` reads back."""
        if self.mode == "major":
            return self.tonic_name
        if self.mode == "minor":
            return self.tonic_name + "m"
        return self.name

    @property
    def fifths(self) -> int:
        """Key-signature sharps (> 0) or flats (< 0): 2 for D major, -3 for C minor, 0 for D dorian."""
        return name_fifths(self.tonic_name) + _SIGNATURE_OFFSET[self.mode]

    @property
    def is_minor(self) -> bool:
        """True for modes with a minor third above the tonic."""
        return self.mode in _MINORISH

    @property
    def parent_mode(self) -> str:
        """The seven-note mode used for degrees: the mode itself, or a pentatonic's diatonic parent."""
        return _PARENT.get(self.mode, self.mode)

    def scale_pcs(self) -> tuple[int, ...]:
        """Pitch classes of the scale from the tonic up: D major -> (2, 4, 6, 7, 9, 11, 1)."""
        return tuple((self.tonic + step) % 12 for step in SCALES[self.mode])

    def scale_names(self) -> tuple[str, ...]:
        """Spelled scale: one letter per degree (F# G# A# B C# D# E# in F# major)."""
        letter_index = LETTERS.index(self.tonic_name[0])
        steps = _PENTATONIC_STEPS.get(self.mode, tuple(range(7)))
        out = []
        for pc, step in zip(self.scale_pcs(), steps, strict=True):
            out.append(spell_with_letter(pc, LETTERS[(letter_index + step) % 7]) or "?")
        return tuple(out)

    def contains(self, pc: int) -> bool:
        """Whether pitch class ``pc`` belongs to the scale."""
        return pc % 12 in self.scale_pcs()

    def __contains__(self, pc: object) -> bool:
        return isinstance(pc, int) and self.contains(pc)

    def degree_pc(self, degree: int, alteration: int = 0) -> int:
        """Pitch class of scale degree ``degree`` (1-based, wraps: 8 = 1, 9 = 2) of the seven-note
        parent scale, raised/lowered by ``alteration`` semitones."""
        if degree < 1:
            raise ControlError("degree", f"scale degree must be 1 or more, got {degree}")
        steps = SCALES[self.parent_mode]
        return (self.tonic + steps[(degree - 1) % 7] + alteration) % 12

    def degree_of(self, pc: int) -> int | None:
        """1-based degree of ``pc`` in the seven-note parent scale, None when it is chromatic."""
        steps = SCALES[self.parent_mode]
        rel = (pc - self.tonic) % 12
        return steps.index(rel) + 1 if rel in steps else None

    def spell(self, pc: int) -> str:
        """Spelled name of ``pc`` in this key: scale tones take their degree's letter (E# in F#
        major, Cb in Gb minor); a minor key's raised sixth and seventh take theirs (G# in A minor);
        other tones are natural when they can be, else sharps in sharp keys and flats in flat keys."""
        pc %= 12
        letter_index = LETTERS.index(self.tonic_name[0])
        steps = SCALES[self.parent_mode]
        rel = (pc - self.tonic) % 12
        degree: int | None = steps.index(rel) if rel in steps else None
        if degree is None and self.is_minor and rel in (9, 11):
            degree = 5 if rel == 9 else 6
        if degree is not None:
            named = spell_with_letter(pc, LETTERS[(letter_index + degree) % 7])
            if named is not None:
                return named
        if self.fifths > 0:
            return SHARP_NAMES[pc]
        if self.fifths < 0:
            return FLAT_NAMES[pc]
        return COMMON_NAMES[pc]

    # ----- related keys -------------------------------------------------------------------------
    def relative(self) -> Key:
        """Relative major of a minor-ish key, relative minor of a major-ish key (same signature)."""
        if self.is_minor:
            return Key.from_fifths(self.fifths, "major")
        return Key.from_fifths(self.fifths, "minor")

    def parallel(self) -> Key:
        """Same tonic, major <-> minor."""
        return Key(self.tonic, "major" if self.is_minor else "minor", self.tonic_name)

    def transpose(self, semitones: int) -> Key:
        """This mode a number of semitones higher (negative = lower), spelled by signature."""
        return Key((self.tonic + semitones) % 12, self.mode)

    def normalising_interval(self) -> int:
        """Semitones (-5..6) that move this key onto C (major-ish modes) or A (minor-ish modes):
        the shift used to normalise a corpus to one key."""
        target = 9 if self.is_minor else 0
        shift = (target - self.tonic) % 12
        return shift - 12 if shift > 6 else shift

    def to_signature(self, tick: int = 0) -> KeySignature:
        """The score's KeySignature: fifths plus 'minor' for minor-ish modes, else 'major'."""
        return KeySignature(tick, self.fifths, "minor" if self.is_minor else "major")


def name_to_pc_simple(letter: str, alter: int) -> int:
    return (LETTER_PC[letter] + alter) % 12


def key_from_signature(signature: KeySignature) -> Key:
    """The Key a score's KeySignature stands for (its ``fifths`` and major/minor ``mode``)."""
    mode = signature.mode if signature.mode in SCALES else "major"
    return Key.from_fifths(signature.fifths, mode)
