"""ABC notation (.abc), read only: each tune (X: field) of a file becomes one Score.

Our own parser, because music21's drops the Nottingham chord spellings ("Cd", "Ca"), repeats
a part without |: from the wrong place, ignores accidentals carried through a bar, and is slow:
jigs.abc (340 tunes) took 169 s in music21 and 5.7 s here, in the same minute on the shared
2-core machine. It covers ABC 2.1 as folk collections use it:
header fields T C M L Q K R P, inline fields [K:..], notes with accidentals (carried through the
bar), octave marks and lengths, rests z x Z, chords [CEG], ties, broken rhythm > <, tuplets (3,
grace notes and decorations (skipped), voices V: (one track each), repeats |: :| :: and endings
[1 [2 |1 :|2 (expanded, see abc_repeats). Chord symbols are kept exactly as written ("C/e",
"D/f+"); quoted text not starting with a note letter A-G (annotations) is skipped. P: labels in
the body become sections. Quirks of real collections are read (H-W/h-w decoration letters,
ABC 1.6 "!" line breaks, an ending number opening a line, Essen's FREI meters, stray symbols);
anything else the parser cannot read raises CorruptFileError naming the tune and line.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from tunesmith.errors import CorruptFileError
from tunesmith.io.abc_repeats import MAX_ENDING, Bar, play_order
from tunesmith.io.m21 import key_from_tonic
from tunesmith.limits import DEFAULT_LIMITS
from tunesmith.score import (
    DEFAULT_BPM,
    TICKS_PER_QUARTER,
    ChordSymbol,
    KeySignature,
    Metadata,
    Note,
    Score,
    Section,
    TempoChange,
    TimeSignature,
    Track,
)

WHOLE = TICKS_PER_QUARTER * 4
_LETTER_FIFTHS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F": -1}
_MODE_SHIFT = {"maj": 0, "ion": 0, "mix": -1, "dor": -2, "m": -3, "min": -3, "aeo": -3,
               "phr": -4, "loc": -5, "lyd": 1}
_MODE_NAME = {"maj": "major", "ion": "major", "mix": "mixolydian", "dor": "dorian", "m": "minor",
              "min": "minor", "aeo": "minor", "phr": "phrygian", "loc": "locrian", "lyd": "lydian"}
_SHARP_ORDER = "FCGDAEB"
_STEP_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# ~ . and the letters H-W, h-w (ABC 2.1 reserves them for decorations; O'Neill's uses k for ">")
_DECORATIONS = set("~.HIJKLMNOPQRSTUVWhijklmnopqrstuvw")
_STRAY = set("*}]")  # seen alone in the music21 corpus files; they carry no music
_NOTE = re.compile(r"(\^\^|\^|__|_|=)?([A-Ga-g])([',]*)(\d{0,4})(/*)(\d{0,4})")
_REST = re.compile(r"([zx])(\d{0,4})(/*)(\d{0,4})")
_BAR = re.compile(r"(:*)(\[\||\|\]|\|\||\|)(:*)|(::+)")
_ENDING = re.compile(r"\[?(\d{1,2}(?:[,-]\d{1,2})*)")
_INLINE_FIELD = re.compile(r"\[([A-Za-z]):([^\]]*)\]")
_FIELD_LINE = re.compile(r"^[A-Za-z]:")
_TUPLET = re.compile(r"\((\d{1,2})(?::(\d{0,2}))?(?::(\d{0,2}))?")


class AbcError(Exception):
    """Internal: a problem at one place of a tune; turned into CorruptFileError with the path."""


def read_abc(path: str | Path) -> list[Score]:
    return parse_abc(Path(path).read_bytes().decode("utf-8", errors="replace"), path)


def parse_abc(text: str, path: str | Path = "<abc>", problems: list[str] | None = None) -> list[Score]:
    """Every readable tune in ``text``. A tune that cannot be read is skipped (one bad tune never
    sinks a book): its reason, naming the tune and line, goes to ``problems`` when given, else to
    the "tunesmith.io" logger as a warning. Raises CorruptFileError when no tune can be read."""
    tunes = _split_tunes(text)
    if not tunes:
        raise CorruptFileError(path, "not an ABC file (no tune: no X: or K: field)")
    scores = []
    failures: list[tuple[str, str]] = []  # (tune as errors name it, the same with its title)
    notes: list[str] = []
    for number, first_line, lines in tunes:
        title = next((ln[2:].strip() for ln in lines if ln.startswith("T:")), "")
        titled = f"tune X:{number}" + (f" '{title}'" if title else "")
        parser = _TuneParser(lines, first_line)
        try:
            source = f"{path}#{number}" if len(tunes) > 1 else str(path)
            scores.append(parser.parse(source))
            notes += [f"{path}: {titled}: {note}" for note in parser.dropped]
        except AbcError as err:
            failures.append((f"tune X:{number}: {err}", f"{titled}: {err}"))
        except (ValueError, ZeroDivisionError, OverflowError, RecursionError, IndexError) as err:
            problem = f"line {parser.line_no}: malformed ABC ({err})"
            failures.append((f"tune X:{number}: {problem}", f"{titled}: {problem}"))
    if not scores:
        more = f" (and {len(failures) - 1} more tunes)" if len(failures) > 1 else ""
        raise CorruptFileError(path, failures[0][0] + more)
    messages = [f"{path}: skipped {named}" for _, named in failures] + notes
    if problems is not None:
        problems.extend(messages)
    else:
        for message in messages:
            logging.getLogger("tunesmith.io").warning("%s", message)
    return scores


def _split_tunes(text: str) -> list[tuple[str, int, list[str]]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tunes: list[tuple[str, int, list[str]]] = []
    for i, line in enumerate(lines):
        if line.startswith("X:"):
            tunes.append((line[2:].strip() or str(len(tunes) + 1), i + 1, []))
        elif tunes:
            tunes[-1][2].append(line)
    if not tunes and any(line.startswith("K:") for line in lines):
        tunes.append(("1", 1, lines))  # a lone tune without X: is common in hand-written files
    return tunes


def _joined(lines: list[str], first_no: int) -> list[tuple[int, str]]:
    """(line number, text) with field continuations joined: a "+:" line continues the field
    before it, and a field line ending in a backslash continues on the next line."""
    out: list[tuple[int, str]] = []
    carry = False
    for offset, raw in enumerate(lines):
        if raw.startswith("+:") and out and _FIELD_LINE.match(out[-1][1]):
            out[-1] = (out[-1][0], f"{_code(out[-1][1])} {raw[2:].strip()}")
        elif carry and raw.strip():
            out[-1] = (out[-1][0], f"{_code(out[-1][1]).removesuffix(chr(92)).rstrip()} {raw.strip()}")
        else:
            out.append((first_no + offset, raw))
        carry = bool(_FIELD_LINE.match(out[-1][1])) and _code(out[-1][1]).endswith("\\")
    return out


def _code(line: str) -> str:
    """A line without its trailing % comment."""
    return line.split("%", 1)[0].rstrip()


@dataclass
class _Voice:
    name: str
    program: int = 0
    notes: list[tuple[Fraction, Fraction, int, bool]] = field(default_factory=list)  # start, len, pitch, tie
    events: list[tuple[Fraction, str, object]] = field(default_factory=list)  # key/meter/tempo/chord/part
    bars: list[Bar] = field(default_factory=list)
    pos: Fraction = Fraction(0)


class _TuneParser:
    def __init__(self, lines: list[str], first_line: int) -> None:
        self.lines = lines
        self.first_line = first_line
        self.line_no = first_line
        self.meta = Metadata()
        self.unit: Fraction | None = None
        self.meter: tuple[int, int] | None = None
        self.key_alter: dict[str, int] = {}
        self.voices: dict[str, _Voice] = {}
        self.voice = self._get_voice("1")
        self.bar_alter: dict[tuple[str, int], int] = {}
        self.tuplet: tuple[Fraction, int] | None = None
        self.broken_next = Fraction(1)
        self.last_group: tuple[list[int], Fraction, Fraction] | None = None  # note idxs, start, length
        self.dropped: list[str] = []  # what was read only in part (a voice overlay), for a warning

    # --- driver -------------------------------------------------------------------------
    def parse(self, source: str) -> Score:
        in_header = True
        for line_no, raw in _joined(self.lines, self.first_line + 1):
            self.line_no = line_no
            line = raw.split("%", 1)[0] if not raw.startswith("%%") else ""
            if raw.startswith("%%MIDI program"):
                self._midi_program(raw)
            if not line.strip():
                continue
            if re.match(r"^[A-Za-z]:", line):
                in_header = self._field(line[0], line[2:].strip(), in_header) and in_header
                continue
            if in_header:
                raise AbcError(f"line {self.line_no}: music before the K: field")
            self._music(line.rstrip().removesuffix("\\"))
        if in_header:
            raise AbcError("no K: field")
        return self._build(source)

    def _midi_program(self, raw: str) -> None:
        parts = raw.split()
        if len(parts) >= 3 and parts[-1].isdigit() and int(parts[-1]) <= 127:
            self.voice.program = int(parts[-1])

    def _get_voice(self, name: str) -> _Voice:
        if name not in self.voices:
            self.voices[name] = _Voice(name, bars=[Bar(Fraction(0))])
        return self.voices[name]

    def _field(self, kind: str, value: str, in_header: bool) -> bool:
        """Apply a field; returns False once the header ends (at K:)."""
        if kind == "T" and not self.meta.title:
            self.meta.title = value
        elif kind == "C" and not self.meta.composer:
            self.meta.composer = value
        elif kind == "R" and value:
            self.meta.style_tags.append(value.lower())
        elif kind == "M":
            self._set_meter(value)
        elif kind == "L":
            self.unit = self._fraction(value, "unit length")
        elif kind == "Q":
            self._set_tempo(value)
        elif kind == "K":
            self._set_key(value)
            return False
        elif kind == "P" and not in_header:
            self.voice.events.append((self.voice.pos, "part", value))
        elif kind == "V":
            self._switch_voice(value)
        return True

    def _switch_voice(self, value: str) -> None:
        name = value.split(maxsplit=1)[0] if value.split() else "1"
        previous = self.voice
        self.voice = self._get_voice(name)
        self.last_group = None
        if not self.voice.notes and self.voice is not previous:
            self.voice.events.extend(e for e in previous.events if e[0] == 0 and e[1] in ("key", "meter"))
        label = re.search(r'(?:name|nm)="([^"]*)"', value)
        if label:
            self.voice.name = label.group(1)

    @staticmethod
    def _fraction(value: str, what: str) -> Fraction:
        m = re.fullmatch(r"\s*(\d{1,4})\s*/\s*(\d{1,4})\s*", value)
        if not m or int(m.group(2)) == 0 or int(m.group(1)) == 0:
            raise AbcError(f"invalid {what} '{value}'")
        return Fraction(int(m.group(1)), int(m.group(2)))

    def _set_meter(self, value: str) -> None:
        value = value.strip().removeprefix("FREI")  # Essen's "free" meters: FREI4/4
        if value in ("C", "C|"):
            value = "4/4" if value == "C" else "2/2"
        if value.lower() in ("none", ""):
            self.meter = None
            return
        m = re.fullmatch(r"\(?(\d{1,2}(?:\+\d{1,2})*)\)?\s*/\s*(\d{1,2})", value)
        if not m or int(m.group(2)) not in (1, 2, 4, 8, 16, 32):
            raise AbcError(f"line {self.line_no}: invalid meter M:{value}")
        num = sum(int(x) for x in m.group(1).split("+"))
        if num == 0:
            raise AbcError(f"invalid meter M:{value}")
        self.meter = (num, int(m.group(2)))
        self.voice.events.append((self.voice.pos, "meter", self.meter))

    def _set_tempo(self, value: str) -> None:
        text = re.sub(r'"[^"]*"', "", value)
        m = re.search(r"((?:\d{1,2}/\d{1,3}\s*)+)=\s*(\d{1,4})", text)
        if m:
            beat = sum((self._fraction(b, "tempo beat") for b in m.group(1).split()), Fraction(0))
            bpm = float(int(m.group(2)) * beat * 4)
        elif re.fullmatch(r"\s*\d{1,4}\s*", text):
            bpm = float(int(text) * (self.unit or Fraction(1, 8)) * 4)
        else:
            return  # a tempo word only ("Allegro"): no number to keep
        if 1.0 <= bpm <= 1000.0:
            self.voice.events.append((self.voice.pos, "tempo", bpm))

    def _set_key(self, value: str) -> None:
        words = value.split()
        tonic_word = words[0] if words else "none"
        if tonic_word in ("none", "HP", "Hp") or tonic_word.startswith(("clef=", "treble", "bass")):
            self.key_alter = {}
            self.voice.events.append((self.voice.pos, "key", (0, "major")))
            return
        m = re.match(r"([A-G])([#b]?)([A-Za-z]*)(?![A-Za-z])", tonic_word)  # "Dmix=c": accidentals follow
        mode_word = m.group(3) if m else ""
        if m and not mode_word and len(words) > 1 and re.fullmatch(r"[A-Za-z]{3,}", words[1]) \
                and words[1][:3].lower() in _MODE_SHIFT:
            mode_word = words[1]
        mode_key = "m" if mode_word == "m" else mode_word[:3].lower() if mode_word else "maj"
        if not m or mode_key not in _MODE_SHIFT:
            raise AbcError(f"line {self.line_no}: invalid key K:{value}")
        letter, acc = m.group(1), m.group(2)
        sharps = _LETTER_FIFTHS[letter] + {"#": 7, "b": -7, "": 0}[acc] + _MODE_SHIFT[mode_key]
        if not -7 <= sharps <= 7:
            raise AbcError(f"invalid key K:{value} ({sharps} sharps)")
        self.key_alter = {}
        for step in (_SHARP_ORDER[:sharps] if sharps > 0 else _SHARP_ORDER[::-1][: -sharps]):
            self.key_alter[step] = 1 if sharps > 0 else -1
        tonic_pc = (_STEP_PC[letter] + {"#": 1, "b": -1, "": 0}[acc]) % 12
        key = key_from_tonic(tonic_pc, _MODE_NAME[mode_key], sharps)
        self.voice.events.append((self.voice.pos, "key", key))

    # --- music lines ----------------------------------------------------------------------
    def _music(self, line: str) -> None:
        i = 0
        n = len(line)
        while i < n:
            c = line[i]
            if c in " \t`y\\":
                i += 1
            elif c == '"':
                end = line.find('"', i + 1)
                if end < 0:
                    raise AbcError(f"line {self.line_no}: unterminated chord symbol")
                self._chord_symbol(line[i + 1 : end])
                i = end + 1
            elif c in "!+":
                end = line.find(c, i + 1)
                if end < 0 and c == "!":
                    i += 1  # a lone '!' is the old (ABC 1.6) score line break
                    continue
                if end < 0:
                    raise AbcError(f"line {self.line_no}: unterminated decoration {c}")
                i = end + 1
            elif c == "{":
                end = line.find("}", i + 1)
                if end < 0:
                    raise AbcError(f"line {self.line_no}: unterminated grace notes")
                i = end + 1
            elif c in _DECORATIONS:
                i += 1
            elif c == "[" and (m := _INLINE_FIELD.match(line, i)):
                self._field(m.group(1), m.group(2).strip(), False)
                i = m.end()
            elif c == "[" and i + 1 < n and line[i + 1].isdigit():
                i = self._ending(line, i)
            elif c == "[" and i + 1 < n and line[i + 1] == '"':
                end = line.find('"', i + 2)  # a text-labelled ending ["Coda": a label, no music
                if end < 0:
                    raise AbcError(f"line {self.line_no}: unterminated ending label")
                i = end + 1
            elif c == "[" and not line.startswith("[|", i):
                i = self._note_group(line, i + 1, chord=True)
            elif c in "|:[":
                i = self._bar_line(line, i)
            elif c == "(":
                if (m := _TUPLET.match(line, i)) is not None:
                    p = int(m.group(1))
                    if p < 2:
                        raise AbcError(f"line {self.line_no}: invalid tuplet ({p}")
                    q_default = 3 if p in (2, 4, 8) else 2
                    if p in (5, 7, 9) and self.meter and self.meter[0] % 3 == 0 and self.meter[0] > 3:
                        q_default = 3
                    q = int(m.group(2)) if m.group(2) else q_default
                    r = int(m.group(3)) if m.group(3) else p
                    if q == 0 or r == 0:
                        raise AbcError(f"line {self.line_no}: invalid tuplet")
                    self.tuplet = (Fraction(q, p), r)
                    i = m.end()
                else:
                    i += 1  # slur start
            elif c in ")-":
                if c == "-" and self.last_group is not None:
                    for idx in self.last_group[0]:
                        start, length, pitch, _ = self.voice.notes[idx]
                        self.voice.notes[idx] = (start, length, pitch, True)
                i += 1
            elif c in "<>":
                j = i
                while j < n and line[j] == c:
                    j += 1
                self._broken(c, j - i)
                i = j
            elif c in "zx":
                i = self._rest(line, i)
            elif c == "Z":
                m = re.compile(r"Z(\d{0,3})").match(line, i)
                assert m is not None
                bars = int(m.group(1) or 1)
                self._advance(Fraction(bars) * self._bar_length())
                i = m.end()
            elif c in "^_=" or (c.isalpha() and c.upper() in "ABCDEFG"):
                i = self._note_group(line, i, chord=False)
            elif c in "123456789" and self._at_bar_start():
                try:
                    i = self._ending(line, i)  # "|" at a line end, "1" opening the next line
                except AbcError:
                    i += 1  # not an ending after all: a stray number
            elif c.isdigit() or c in _STRAY:
                i += 1  # a stray length or symbol left by a transcription; the notes are unaffected
            elif c == "&":
                i = self._drop_overlay(line, i)
            else:
                raise AbcError(f"line {self.line_no}: unexpected character {c!r}")

    def _drop_overlay(self, line: str, i: int) -> int:
        """Skip a voice overlay (& up to the bar line): its notes sound with the bar already read,
        which one track cannot hold; the first voice of the bar is kept."""
        if line.startswith("&)", i) or line.startswith("(&", i - 1):
            return i + 1
        end = len(line)
        for j in range(i + 1, len(line)):
            if line[j] == "|" or (line[j] == ":" and line[j + 1 : j + 2] in ("|", ":")):
                end = j
                break
        message = f"line {self.line_no}: voice overlay (&) dropped, the first voice kept"
        if message not in self.dropped:
            self.dropped.append(message)
        return end

    def _at_bar_start(self) -> bool:
        return self.voice.bars[-1].start == self.voice.pos and len(self.voice.bars) > 1

    def _bar_length(self) -> Fraction:
        return Fraction(self.meter[0], self.meter[1]) if self.meter else Fraction(1)

    def _unit(self) -> Fraction:
        if self.unit is None:
            short_meter = self.meter is not None and Fraction(*self.meter) < Fraction(3, 4)
            self.unit = Fraction(1, 16) if short_meter else Fraction(1, 8)
        return self.unit

    @staticmethod
    def _length(num: str, slashes: str, den: str) -> Fraction:
        value = Fraction(int(num) if num else 1)
        if slashes:
            divisor = int(den) if den else 2 ** len(slashes)
            if den and len(slashes) > 1:
                divisor *= 2 ** (len(slashes) - 1)
            if divisor == 0:
                raise AbcError("note length divided by zero")
            value /= divisor
        elif den:
            raise AbcError("invalid note length")
        if value == 0:
            raise AbcError("note length zero")
        return value

    def _scaled(self, length: Fraction) -> Fraction:
        length *= self._unit() * self.broken_next
        self.broken_next = Fraction(1)
        if self.tuplet is not None:
            ratio, left = self.tuplet
            length *= ratio
            self.tuplet = (ratio, left - 1) if left > 1 else None
        return length

    def _advance(self, length: Fraction) -> None:
        self.voice.pos += length

    def _rest(self, line: str, i: int) -> int:
        m = _REST.match(line, i)
        assert m is not None
        length = self._scaled(self._length(m.group(2), m.group(3), m.group(4)))
        self.last_group = ([], self.voice.pos, length)
        self._advance(length)
        return m.end()

    def _pitch(self, acc: str | None, letter: str, octave_marks: str) -> int:
        step = letter.upper()
        octave = 4 if letter.isupper() else 5
        octave += octave_marks.count("'") - octave_marks.count(",")
        if acc:
            alter = {"^": 1, "^^": 2, "_": -1, "__": -2, "=": 0}[acc]
            self.bar_alter[(step, octave)] = alter
        else:
            alter = self.bar_alter.get((step, octave), self.key_alter.get(step, 0))
        pitch = 12 * (octave + 1) + _STEP_PC[step] + alter
        if not 0 <= pitch <= 127:
            name = f"{acc or ''}{letter}{octave_marks}"
            raise AbcError(f"line {self.line_no}: note {name} outside the MIDI range")
        return pitch

    def _note_group(self, line: str, i: int, chord: bool) -> int:
        """One note, or a chord [CEG] with its length; returns the index after it."""
        members: list[tuple[int, Fraction]] = []
        while True:
            while chord and i < len(line) and (line[i] in " -+()" or line[i] in _DECORATIONS):
                i += 1  # ties and (ABC 1.6) '+' inside a chord: the notes still sound together
            m = _NOTE.match(line, i)
            if m is None:
                if chord and members and (i >= len(line) or line[i] != "]"):
                    i -= 1  # an unclosed chord ends where its notes end (abc2midi reads it so too)
                    break
                if chord and i < len(line) and line[i] == "]":
                    break
                raise AbcError(f"line {self.line_no}: malformed note or chord at column {i + 1}")
            pitch = self._pitch(m.group(1), m.group(2), m.group(3))
            members.append((pitch, self._length(m.group(4), m.group(5), m.group(6))))
            i = m.end()
            if not chord:
                break
        outer = Fraction(1)
        if chord:
            i += 1  # past ']'
            m = re.compile(r"(\d{0,4})(/*)(\d{0,4})").match(line, i)
            assert m is not None
            if m.group(0):
                outer = self._length(m.group(1), m.group(2), m.group(3))
            i = m.end()
        if not members:
            raise AbcError(f"line {self.line_no}: empty chord []")
        scale = self._scaled(Fraction(1))
        start = self.voice.pos
        idxs = []
        for pitch, length in members:
            idxs.append(len(self.voice.notes))
            self.voice.notes.append((start, length * outer * scale, pitch, False))
        advance = members[0][1] * outer * scale
        self.last_group = (idxs, start, advance)
        self._advance(advance)
        return i

    def _broken(self, sign: str, count: int) -> None:
        if self.last_group is None or count > 3:
            raise AbcError(f"line {self.line_no}: misplaced broken rhythm {sign * count}")
        idxs, start, length = self.last_group
        short = Fraction(1, 2**count)
        factor = 2 - short if sign == ">" else short
        for idx in idxs:
            s, dur, pitch, tie = self.voice.notes[idx]
            self.voice.notes[idx] = (s, dur * factor, pitch, tie)
        self.voice.pos = start + length * factor
        self.last_group = (idxs, start, length * factor)
        self.broken_next = short if sign == ">" else 2 - short

    def _chord_symbol(self, text: str) -> None:
        figure = text.strip()
        if figure and (figure[0] in "ABCDEFG" or figure[:2] in {f"({x}" for x in "ABCDEFG"}):
            self.voice.events.append((self.voice.pos, "chord", figure))

    def _close_bar(self) -> Bar:
        bars = self.voice.bars
        bars[-1].end = self.voice.pos
        new = Bar(self.voice.pos)
        bars.append(new)
        self.bar_alter = {}
        return new

    def _bar_line(self, line: str, i: int) -> int:
        m = _BAR.match(line, i)
        if m is None and line[i] == ":" and self.voice.bars[-1].start == self.voice.pos:
            self.voice.bars[-1].starts_repeat = True  # "| :a": a start repeat set apart by a space
            return i + 1
        if m is None:
            raise AbcError(f"line {self.line_no}: malformed bar line at column {i + 1}")
        left, body, right, double = m.groups()
        if double:  # '::' = end repeat + start repeat
            left, body, right = ":", "|", ":"
        bars = self.voice.bars
        current = bars[-1]
        if current.start == self.voice.pos:
            # no music since the last bar line ("| |:", a line starting with "|:"): only flags
            if len(bars) > 1:
                bars[-2].ends_repeat = bars[-2].ends_repeat or bool(left)
                bars[-2].double_end = bars[-2].double_end or body in ("||", "|]", "[|")
            new = current
        else:
            current.ends_repeat = bool(left)
            current.double_end = body in ("||", "|]", "[|")
            new = self._close_bar()
        if right:
            new.starts_repeat = True
        i = m.end()
        if re.match(r"\[?\d", line[i : i + 2]):
            i = self._ending(line, i)
        return i

    def _ending(self, line: str, i: int) -> int:
        m = _ENDING.match(line, i)
        assert m is not None
        numbers: set[int] = set()
        for part in m.group(1).split(","):
            lo, _, hi = part.partition("-")
            numbers.update(range(int(lo), int(hi or lo) + 1))
        if not numbers or max(numbers) > MAX_ENDING or min(numbers) < 1:
            raise AbcError(f"line {self.line_no}: invalid ending [{m.group(1)}")
        current = self.voice.bars[-1]
        if current.start != self.voice.pos:
            current = self._close_bar()
        current.endings = numbers
        return m.end()

    # --- assembly ---------------------------------------------------------------------------
    def _build(self, source: str) -> Score:
        self.meta.source = source
        score = Score(metadata=self.meta)
        for voice in self.voices.values():
            if voice.bars[-1].end is None:
                voice.bars[-1].end = voice.pos
            track, events = _expand(voice)
            if track.notes or len(self.voices) == 1:
                score.tracks.append(track)
            _apply_events(score, events, voice is next(iter(self.voices.values())))
        if not score.tempos:
            score.tempos = [TempoChange(0, DEFAULT_BPM)]
        _finish_sections(score)
        return score.sort()


def _ticks(t: Fraction) -> int:
    return round(t * WHOLE)


def _expand(voice: _Voice) -> tuple[Track, list[tuple[Fraction, str, object]]]:
    """Notes and events of a voice in played order (repeats and endings expanded)."""
    bars = [b for b in voice.bars if b.end is not None]
    order = play_order(bars) if any(b.starts_repeat or b.ends_repeat or b.endings for b in bars) \
        else list(range(len(bars)))
    if len(order) > 50 * len(bars) + 100:
        raise AbcError("repeats expand to an unreasonable length")
    notes = sorted(voice.notes, key=lambda n: n[0])
    events = sorted(voice.events, key=lambda e: e[0])
    starts = [n[0] for n in notes]
    _check_expansion(bars, order, starts)
    out_notes: list[tuple[Fraction, Fraction, int, bool]] = []
    out_events: list[tuple[Fraction, str, object]] = []
    played = Fraction(0)

    last = len(bars) - 1
    for idx in order:
        bar = bars[idx]
        b_start, b_end = bar.start, bar.end
        assert isinstance(b_start, Fraction) and isinstance(b_end, Fraction)
        lo = bisect.bisect_left(starts, b_start)
        hi = bisect.bisect_left(starts, b_end) if idx < last else len(notes)
        shift = played - b_start
        out_notes += [(s + shift, d, p, tie) for s, d, p, tie in notes[lo:hi]]
        out_events += [(t + shift, k, v) for t, k, v in events
                       if b_start <= t < b_end or (idx == last and t >= b_start)]
        played += b_end - b_start
    return Track(voice.name if voice.name != "1" else "Melody", voice.program, False,
                 _merge_ties(out_notes)), out_events


def _check_expansion(bars: list[Bar], order: list[int], starts: list[Fraction]) -> None:
    """Refuse repeats that play more bars or notes than tunesmith.limits allows, counted before
    a single note is copied (nested repeats of a short file can otherwise ask for gigabytes)."""
    if len(order) > DEFAULT_LIMITS.max_bars:
        raise AbcError(
            f"repeats expand to {len(order):,} bars; allowed: at most {DEFAULT_LIMITS.max_bars:,}"
        )
    per_bar = [
        bisect.bisect_left(starts, b.end) - bisect.bisect_left(starts, b.start)  # type: ignore[call-overload]
        for b in bars
    ]
    if per_bar:
        per_bar[-1] = len(starts) - bisect.bisect_left(starts, bars[-1].start)  # type: ignore[call-overload]
    played = sum(per_bar[i] for i in order)
    if played > DEFAULT_LIMITS.max_notes:
        raise AbcError(
            f"repeats expand to {played:,} notes; allowed: at most {DEFAULT_LIMITS.max_notes:,}"
        )


def _merge_ties(notes: list[tuple[Fraction, Fraction, int, bool]]) -> list[Note]:
    result: list[Note] = []
    open_ties: dict[int, Note] = {}
    for start, length, pitch, tie in sorted(notes, key=lambda n: (n[0], n[2])):
        s, e = _ticks(start), _ticks(start + length)
        held = open_ties.pop(pitch, None)
        if held is not None and held.end == s:
            held.duration = max(1, e - held.start)
            note = held
        else:
            note = Note(pitch, s, max(1, e - s))
            result.append(note)
        if tie:
            open_ties[pitch] = note
    return result


def _apply_events(score: Score, events: list[tuple[Fraction, str, object]], first_voice: bool) -> None:
    for t, kind, value in events:
        tick = _ticks(t)
        if kind == "chord" and isinstance(value, str):
            if not any(c.tick == tick and c.figure == value for c in score.chords):
                score.chords.append(ChordSymbol(tick, value))
        elif not first_voice:
            continue
        elif kind == "meter" and isinstance(value, tuple):
            ts = TimeSignature(tick, value[0], value[1])
            if not score.time_signatures or (score.time_signatures[-1].numerator,
                                             score.time_signatures[-1].denominator) != value:
                score.time_signatures = [x for x in score.time_signatures if x.tick != tick] + [ts]
        elif kind == "key" and isinstance(value, tuple):
            ks = KeySignature(tick, value[0], value[1])
            if not score.key_signatures or (score.key_signatures[-1].fifths,
                                            score.key_signatures[-1].mode) != value:
                score.key_signatures = [x for x in score.key_signatures if x.tick != tick] + [ks]
        elif kind == "tempo" and isinstance(value, float):
            if not score.tempos or score.tempos[-1].bpm != value:
                score.tempos = [x for x in score.tempos if x.tick != tick] + [TempoChange(tick, value)]
        elif kind == "part" and isinstance(value, str):
            score.sections.append(Section(tick, tick, value))


def _finish_sections(score: Score) -> None:
    end = max((n.end for t in score.tracks for n in t.notes), default=0)
    sections = sorted(score.sections, key=lambda s: s.start)
    out = []
    for i, s in enumerate(sections):
        stop = sections[i + 1].start if i + 1 < len(sections) else end
        if stop > s.start:
            out.append(Section(s.start, stop, s.label))
    score.sections = out
