"""Chord symbols: parse, name canonically, list pitch classes and spell.

``parse_chord`` reads lead-sheet figures (C, Am7, F#dim, Bb/D, Cmaj7, G7, Dm7b5, Esus4, C6, E7b9)
and the Nottingham Music Database spellings: 'Cd' = C diminished, 'Ca' = C augmented, 'Fa7' =
F augmented seventh, and a lower-case slash bass where '+' is a sharp ('D/f+' = D over F#,
'Gm/bb' = G minor over Bb). A figure in parentheses ('(E7)', an optional chord) reads as the chord.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tunesmith.errors import ControlError
from tunesmith.theory.pitch import (
    COMMON_NAMES,
    FLAT_NAMES,
    LETTER_PC,
    LETTERS,
    SHARP_NAMES,
    accidental_text,
    spell_pc,
    spell_with_letter,
    split_name,
)

if TYPE_CHECKING:
    from tunesmith.theory.key import Key


@dataclass(frozen=True, slots=True)
class Quality:
    """A chord quality: its canonical suffix and its tones as (semitones, letter steps) above the root."""

    name: str
    suffix: str
    tones: tuple[tuple[int, int], ...]

    @property
    def intervals(self) -> tuple[int, ...]:
        return tuple(semis for semis, _ in self.tones)


_R, _m3, _M3, _P5 = (0, 0), (3, 2), (4, 2), (7, 4)
_QUALITY_LIST = (
    Quality("maj", "", (_R, _M3, _P5)),
    Quality("min", "m", (_R, _m3, _P5)),
    Quality("dim", "dim", (_R, _m3, (6, 4))),
    Quality("aug", "aug", (_R, _M3, (8, 4))),
    Quality("5", "5", (_R, _P5)),
    Quality("sus2", "sus2", (_R, (2, 1), _P5)),
    Quality("sus4", "sus4", (_R, (5, 3), _P5)),
    Quality("dom7", "7", (_R, _M3, _P5, (10, 6))),
    Quality("maj7", "maj7", (_R, _M3, _P5, (11, 6))),
    Quality("min7", "m7", (_R, _m3, _P5, (10, 6))),
    Quality("minmaj7", "mmaj7", (_R, _m3, _P5, (11, 6))),
    Quality("dim7", "dim7", (_R, _m3, (6, 4), (9, 6))),
    Quality("hdim7", "m7b5", (_R, _m3, (6, 4), (10, 6))),
    Quality("aug7", "aug7", (_R, _M3, (8, 4), (10, 6))),
    Quality("7b5", "7b5", (_R, _M3, (6, 4), (10, 6))),
    Quality("7sus4", "7sus4", (_R, (5, 3), _P5, (10, 6))),
    Quality("6", "6", (_R, _M3, _P5, (9, 5))),
    Quality("min6", "m6", (_R, _m3, _P5, (9, 5))),
    Quality("6/9", "69", (_R, _M3, _P5, (9, 5), (2, 1))),
    Quality("add9", "add9", (_R, _M3, _P5, (2, 1))),
    Quality("madd9", "madd9", (_R, _m3, _P5, (2, 1))),
    Quality("9", "9", (_R, _M3, _P5, (10, 6), (2, 1))),
    Quality("maj9", "maj9", (_R, _M3, _P5, (11, 6), (2, 1))),
    Quality("min9", "m9", (_R, _m3, _P5, (10, 6), (2, 1))),
    Quality("7b9", "7b9", (_R, _M3, _P5, (10, 6), (1, 1))),
    Quality("7#9", "7#9", (_R, _M3, _P5, (10, 6), (3, 1))),
    Quality("11", "11", (_R, _M3, _P5, (10, 6), (2, 1), (5, 3))),
    Quality("min11", "m11", (_R, _m3, _P5, (10, 6), (2, 1), (5, 3))),
    Quality("13", "13", (_R, _M3, _P5, (10, 6), (2, 1), (9, 5))),
)
QUALITIES: dict[str, Quality] = {q.name: q for q in _QUALITY_LIST}

# Every accepted suffix spelling -> quality name. Matched case-sensitively first ('M7' = maj7,
# 'm7' = min7), then case-insensitively.
_SUFFIXES: dict[str, str] = {
    "": "maj", "M": "maj", "maj": "maj", "major": "maj", "Δ": "maj",
    "m": "min", "min": "min", "minor": "min", "-": "min", "mi": "min",
    "dim": "dim", "°": "dim", "o": "dim", "d": "dim",  # 'd' is the Nottingham spelling
    "aug": "aug", "+": "aug", "a": "aug", "#5": "aug", "(#5)": "aug",  # 'a' is the Nottingham spelling
    "5": "5", "no3": "5",
    "sus2": "sus2", "2": "sus2",
    "sus4": "sus4", "sus": "sus4", "4": "sus4",
    "7": "dom7", "dom7": "dom7", "dom": "dom7",
    "maj7": "maj7", "M7": "maj7", "Δ7": "maj7", "ma7": "maj7", "major7": "maj7",
    "m7": "min7", "min7": "min7", "-7": "min7", "mi7": "min7", "minor7": "min7",
    "mmaj7": "minmaj7", "mM7": "minmaj7", "m(maj7)": "minmaj7", "minmaj7": "minmaj7", "-maj7": "minmaj7",
    "dim7": "dim7", "°7": "dim7", "o7": "dim7", "d7": "dim7",
    "m7b5": "hdim7", "ø": "hdim7", "ø7": "hdim7", "min7b5": "hdim7", "-7b5": "hdim7", "hdim7": "hdim7",
    "m7(b5)": "hdim7",
    "aug7": "aug7", "+7": "aug7", "7#5": "aug7", "7+5": "aug7", "a7": "aug7", "7+": "aug7", "7(#5)": "aug7",
    "7b5": "7b5", "7(b5)": "7b5", "7-5": "7b5",
    "7sus4": "7sus4", "7sus": "7sus4", "sus7": "7sus4",
    "6": "6", "maj6": "6", "M6": "6", "add6": "6",
    "m6": "min6", "min6": "min6", "-6": "min6",
    "6/9": "6/9", "69": "6/9", "6add9": "6/9",
    "add9": "add9", "add2": "add9", "(add9)": "add9",
    "madd9": "madd9", "m(add9)": "madd9", "minadd9": "madd9",
    "9": "9", "dom9": "9",
    "maj9": "maj9", "M9": "maj9", "Δ9": "maj9",
    "m9": "min9", "min9": "min9", "-9": "min9",
    "7b9": "7b9", "7(b9)": "7b9", "7-9": "7b9",
    "7#9": "7#9", "7(#9)": "7#9", "7+9": "7#9",
    "11": "11", "m11": "min11", "min11": "min11",
    "13": "13",
}  # fmt: skip
_SUFFIXES_LOWER: dict[str, str] = {}
for _text, _quality in _SUFFIXES.items():
    _SUFFIXES_LOWER.setdefault(_text.lower(), _quality)
# 'M' vs 'm' must stay case-sensitive; drop lower-case keys that would turn a major into a minor.
for _ambiguous in ("m", "m7", "m6", "m9"):
    _SUFFIXES_LOWER[_ambiguous] = _SUFFIXES[_ambiguous]

_FIGURE_RE = re.compile(r"^([A-Ga-g])([#b♯♭]*)([^/]*)(?:/([A-Ga-g])([#b+\-♯♭]*))?$")


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord: root pitch class (C = 0), quality name from :data:`QUALITIES`, and the bass pitch
    class when it is not the root (slash chords). Spellings are kept for naming only."""

    root: int
    quality: str = "maj"
    bass: int | None = None
    root_name: str = field(default="", compare=False)
    bass_name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.quality not in QUALITIES:
            allowed = ", ".join(QUALITIES)
            raise ControlError("chord", f"unknown chord quality {self.quality!r}; choose one of {allowed}")
        object.__setattr__(self, "root", self.root % 12)
        if self.bass is not None:
            object.__setattr__(self, "bass", self.bass % 12)
            if self.bass == self.root:
                object.__setattr__(self, "bass", None)
                object.__setattr__(self, "bass_name", "")
        if not self.root_name:
            object.__setattr__(self, "root_name", COMMON_NAMES[self.root])
        if self.bass is not None and not self.bass_name:
            object.__setattr__(self, "bass_name", self._default_bass_name())

    def _default_bass_name(self) -> str:
        """A chord tone in the bass takes the chord's own spelling of it (C/E, not C/Fb)."""
        assert self.bass is not None
        for name in spell_tones(self.root_name, QUALITIES[self.quality]):
            if name != "?" and (LETTER_PC[name[0]] + _alter(name)) % 12 == self.bass:
                return name
        return COMMON_NAMES[self.bass]

    @property
    def intervals(self) -> tuple[int, ...]:
        """Semitones above the root of each chord tone, in chord order (root, third, fifth, ...)."""
        return QUALITIES[self.quality].intervals

    @property
    def bass_pc(self) -> int:
        """Lowest note's pitch class: the slash bass, or the root."""
        return self.root if self.bass is None else self.bass

    def pitch_classes(self) -> tuple[int, ...]:
        """Chord tones in chord order (root, third, fifth, seventh, ...) followed by a slash bass
        that is not a chord tone ('Am/g' -> (9, 0, 4, 7))."""
        tones = tuple((self.root + i) % 12 for i in self.intervals)
        if self.bass is not None and self.bass not in tones:
            tones += (self.bass,)
        return tones

    def chroma(self) -> tuple[int, ...]:
        """12 flags, 1 where the pitch class sounds (C first)."""
        pcs = set(self.pitch_classes())
        return tuple(1 if pc in pcs else 0 for pc in range(12))

    @property
    def suffix(self) -> str:
        return QUALITIES[self.quality].suffix

    @property
    def figure(self) -> str:
        """Canonical symbol: root, suffix, '/bass' ('Bb/D', 'Am7', 'Cdim', 'F#m7b5')."""
        text = self.root_name + self.suffix
        return f"{text}/{self.bass_name}" if self.bass is not None else text

    def __str__(self) -> str:
        return self.figure

    def transpose(self, semitones: int) -> Chord:
        """The same chord ``semitones`` higher, spelled with common lead-sheet names."""
        bass = None if self.bass is None else self.bass + semitones
        return Chord(self.root + semitones, self.quality, bass)

    def respelled(self, key: Key) -> Chord:
        """The same chord with root and bass spelled for ``key`` (F# not Gb in D major)."""
        bass_name = key.spell(self.bass) if self.bass is not None else ""
        return Chord(self.root, self.quality, self.bass, root_spelling(self, key), bass_name)


def _alter(name: str) -> int:
    return name.count("#") - name.count("b")


def spell_tones(root_name: str, quality: Quality) -> list[str]:
    """Letter-correct spelling of each tone from a spelled root: Cdim7 -> C Eb Gb Bbb."""
    letter, alter = split_name(root_name)
    base = LETTERS.index(letter)
    root_pc = LETTER_PC[letter] + alter
    out = []
    for semis, steps in quality.tones:
        named = spell_with_letter((root_pc + semis) % 12, LETTERS[(base + steps) % 7])
        out.append(named if named is not None else "?")
    return out


def _accidental_count(names: list[str]) -> int:
    return sum(3 if n == "?" else len(n) - 1 for n in names)


def root_spelling(chord: Chord, key: Key) -> str:
    """Root name for ``chord`` in ``key``: the key's letter for a scale tone; for a chromatic root
    whichever of the sharp and flat names spells the whole chord with fewer accidentals (Bb, not
    A#, for a Bb chord in D major; D#dim, not Ebdim)."""
    name = key.spell(chord.root)
    if key.contains(chord.root):
        return name
    quality = QUALITIES[chord.quality]
    candidates = [name, *(n for n in (SHARP_NAMES[chord.root], FLAT_NAMES[chord.root]) if n != name)]
    return min(candidates, key=lambda n: _accidental_count(spell_tones(n, quality)))


def spell(chord: Chord, key: Key | None = None) -> list[str]:
    """Note names of the chord tones, bass first for slash chords ('Bb/D' -> D Bb F).

    With ``key`` the root is spelled for the key (F# in D major) and the other tones follow the
    root's letter (F#dim -> F# A C); without it the chord's own spelling is used."""
    root_name = root_spelling(chord, key) if key is not None else chord.root_name
    names = spell_tones(root_name, QUALITIES[chord.quality])
    pcs = [(chord.root + i) % 12 for i in chord.intervals]
    names = [n if n != "?" else spell_pc(pc, key) for n, pc in zip(names, pcs, strict=True)]
    if chord.bass is None:
        return names
    if chord.bass in pcs:
        i = pcs.index(chord.bass)
        return [names[i], *names[:i], *names[i + 1 :]]
    bass_name = key.spell(chord.bass) if key is not None else chord.bass_name
    return [bass_name, *names]


def parse_chord(figure: str) -> Chord:
    """Read a chord symbol; raises ControlError (a TunesmithError) naming the figure when it is
    not one. See the module docstring for the accepted spellings."""
    text = "".join(figure.split())
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    text = text.replace("6/9", "69")  # the one suffix that contains a slash
    match = _FIGURE_RE.match(text)
    if match is None:
        raise ControlError(
            "chord", f"cannot read chord symbol {figure!r}: expected e.g. 'C', 'Am7', 'Bb/D', 'Cd'"
        )
    letter, accidentals, suffix, bass_letter, bass_acc = match.groups()
    quality = _SUFFIXES.get(suffix) or _SUFFIXES_LOWER.get(suffix.lower())
    if quality is None:
        raise ControlError(
            "chord",
            f"cannot read chord symbol {figure!r}: unknown quality {suffix!r} (e.g. m, 7, maj7, dim, sus4)",
        )
    root_alter = sum(1 if ch in "#♯" else -1 for ch in accidentals)
    root_name = letter.upper() + accidental_text(root_alter)
    root = (LETTER_PC[letter.upper()] + root_alter) % 12
    bass = None
    bass_name = ""
    if bass_letter is not None:
        # Nottingham writes the bass in lower case with '+' for sharp and '-' for flat.
        bass_alter = sum(1 if ch in "#+♯" else -1 for ch in bass_acc)
        bass_name = bass_letter.upper() + accidental_text(bass_alter)
        bass = (LETTER_PC[bass_letter.upper()] + bass_alter) % 12
    return Chord(root, quality, bass, root_name, bass_name)


def is_chord_figure(figure: str) -> bool:
    """Whether :func:`parse_chord` reads ``figure`` (for readers deciding what is an annotation)."""
    try:
        parse_chord(figure)
    except ControlError:
        return False
    return True
