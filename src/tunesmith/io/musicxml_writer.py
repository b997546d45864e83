"""MusicXML 4.0 written directly from a Score (fast, and every engraving choice is ours).

Layout comes from io.engrave (grid, bars, note values, ties, triplets, beams, pickup); spelling
from io.spelling (by chord, then key). Each part gets its General MIDI instrument name and
channel (drums on 10), a clef by its range (bass only for low parts, treble-8vb for guitars and
tenor-range parts, never bass for a melody), and visible rests. Drum parts are unpitched
percussion on a percussion clef without key signature: every GM key has its staff position,
notehead (x for cymbals and hi-hats) and its own <score-instrument>, so readers map each note
back to its MIDI key. Chord symbols are <harmony> with the figure's kind text as written, tempo a
metronome mark with <sound tempo>, sections rehearsal marks, all on the top part (the chord
symbols, at concert pitch, go over the first concert-pitch part when the top part transposes).

Transposing instruments (B-flat clarinet and trumpet, F horn, E-flat alto sax, ...; io.gm) are
written at their written pitch with their key and a <transpose> that gives concert pitch back.
Keyboards and the harp are written on a grand staff: notes from middle C up on the treble staff,
below it on the bass staff, except that a bar within a hand's span stays on one staff.
Articulation comes from how the notes are played: a note held under 60% of the time to the next
onset (a quarter or shorter) is staccato, a run of notes each held into the next (legato) is slurred,
two bars at most; a part's pitch-wheel slides are written as scoop, plop and falloff marks; the last
chord of a piece with an "ending" section (the composer's held final chord) carries a fermata.
"""

from __future__ import annotations

import bisect
import statistics
from xml.sax.saxutils import escape, quoteattr

from tunesmith.io.engrave import Bar, Item, Layout, layout
from tunesmith.io.gm import GRAND_STAFF, TRANSPOSING, drum, notation_name
from tunesmith.io.m21 import _FIGURE, _kind_for_text  # the one chord-kind table for both directions
from tunesmith.io.midi import clean_text, track_channels
from tunesmith.io.spelling import spell_pitch
from tunesmith.score import TICKS_PER_QUARTER, KeySignature, Note, Score, Track
from tunesmith.theory.meter import Meter
from tunesmith.theory.pitch import LETTER_PC

DIVISIONS = 480
_ACCIDENTAL = {-2: "flat-flat", -1: "flat", 0: "natural", 1: "sharp", 2: "double-sharp"}
_SHARP_ORDER = "FCGDAEB"
_TRIPLET = (
    "<time-modification><actual-notes>3</actual-notes><normal-notes>2</normal-notes></time-modification>"
)
_MELODIC_ROLES = ("melody", "lead", "soprano", "alto", "counter", "solo", "voice", "tune", "descant")


def _text(value: str) -> str:
    return escape(clean_text(value))


def _attr(value: str) -> str:
    return quoteattr(clean_text(value))


def clef_for(track: Track, first: bool) -> tuple[str, int, int]:
    """(sign, line, octave change) for a part: by the notes' range, its instrument and role."""
    if track.is_drum:
        return "percussion", 2, 0
    if not track.notes:
        return "G", 2, 0
    if 24 <= track.program <= 31:
        return "G", 2, -1  # guitars are written an octave above their sound
    pitches = sorted(n.pitch for n in track.notes)
    median = statistics.median_low(pitches)
    name = track.name.lower()
    if name.startswith("tenor"):
        return "G", 2, -1  # the tenor voice reads treble-8vb, whatever its range
    if track.program == 58 or 42 <= track.program <= 43:
        return "F", 4, 0  # tuba, cello and contrabass parts use the plain bass clef
    melodic = first or name.startswith(_MELODIC_ROLES) or "tenor" in name
    if not melodic and "bass" not in name:
        # chords and pads: the clef that needs fewer ledger lines (a low pad reads in bass clef)
        treble, bass = _off_staff(pitches, 64, 77), _off_staff(pitches, 43, 57)
        if treble != bass:
            return ("G", 2, 0) if treble < bass else ("F", 4, 0)
    if median >= 60 or (median >= 57 and pitches[len(pitches) // 10] >= 50):
        return "G", 2, 0
    if melodic or (32 > track.program >= 0 and median >= 55 and "bass" not in name):
        return ("G", 2, -1) if median >= 45 or melodic else ("F", 4, 0)
    return ("F", 4, -1) if median < 40 else ("F", 4, 0)  # bass clef 8vb below E2: fewer ledger lines


def _key_alters(fifths: int) -> dict[str, int]:
    if fifths >= 0:
        return dict.fromkeys(_SHARP_ORDER[:fifths], 1)
    return dict.fromkeys(reversed(_SHARP_ORDER[fifths:]), -1) if fifths else {}


def _with_offset(element: str, offset: int) -> str:
    """A <harmony> or <direction> sounding ``offset`` divisions after the current position (MusicXML
    puts <offset> after a harmony's chord and before a direction's <sound>)."""
    tag = f"<offset>{offset}</offset>"
    if element.startswith("<harmony>"):
        return element.removesuffix("</harmony>") + tag + "</harmony>"
    at = element.find("<sound ")
    if at < 0:
        return element.removesuffix("</direction>") + tag + "</direction>"
    return element[:at] + tag + element[at:]


def _harmony(figure: str) -> str:
    if figure == "N.C.":
        return '<harmony><root><root-step>C</root-step></root><kind text="N.C.">none</kind></harmony>'
    match = _FIGURE.match(figure.strip().removeprefix("(").removesuffix(")"))
    if match is None:
        return f"<direction><direction-type><words>{_text(figure)}</words></direction-type></direction>"
    letter, acc, text, bass_letter, bass_acc = match.groups()
    if bass_letter and bass_letter.islower():  # Nottingham's lower-case bass stays in the kind text
        text, bass_letter = f"{text}/{bass_letter}{bass_acc or ''}", None
    alter = {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(acc or "", 0)
    root = f"<root-step>{letter.upper()}</root-step>" + (f"<root-alter>{alter}</root-alter>" if alter else "")
    out = f"<harmony><root>{root}</root><kind text={_attr(text)}>{_kind_for_text(text)}</kind>"
    if bass_letter:
        b_alter = {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(bass_acc or "", 0)
        out += f"<bass><bass-step>{bass_letter.upper()}</bass-step>"
        out += (f"<bass-alter>{b_alter}</bass-alter>" if b_alter else "") + "</bass>"
    return out + "</harmony>"


_LETTERS = "CDEFGAB"


def _fifths_shift(diatonic: int, chromatic: int) -> int:
    """Fifths added to a key signature by transposing ``diatonic`` steps, ``chromatic`` semitones."""
    return next(
        (f for f in range(-6, 7) if (7 * f - chromatic) % 12 == 0 and (4 * f - diatonic) % 7 == 0), 0
    )


def _written_key(key: KeySignature, diatonic: int, chromatic: int) -> KeySignature:
    fifths = key.fifths + _fifths_shift(diatonic, chromatic)
    fifths = fifths - 12 if fifths > 7 else fifths + 12 if fifths < -7 else fifths
    return KeySignature(key.tick, fifths, key.mode)


def _transpose_name(letter: str, acc: str, diatonic: int, chromatic: int) -> str:
    alter = {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(acc, 0)
    pc = (LETTER_PC[letter.upper()] + alter + chromatic) % 12
    new = _LETTERS[(_LETTERS.index(letter.upper()) + diatonic) % 7]
    shift = (pc - LETTER_PC[new] + 6) % 12 - 6
    return new + ("#" * shift if shift > 0 else "b" * -shift)


def _transpose_figure(figure: str, diatonic: int, chromatic: int) -> str:
    """A chord symbol moved by an interval (a transposing part shows its written chords)."""
    match = _FIGURE.match(figure.strip())
    if match is None or figure == "N.C.":
        return figure
    letter, acc, text, bass_letter, bass_acc = match.groups()
    out = _transpose_name(letter, acc or "", diatonic, chromatic) + text
    if bass_letter:
        bass = _transpose_name(bass_letter, bass_acc or "", diatonic, chromatic)
        out += "/" + (bass.lower() if bass_letter.islower() else bass)
    return out


HAND_SPAN = 14
"""Semitones a bar's notes may span and still be written on one staff (a broken chord stays whole)."""


def _off_staff(pitches: list[int], low: int, high: int) -> int:
    """Semitones the pitches lie outside a staff's lines, summed (a rough count of ledger lines)."""
    return sum(max(0, low - p) + max(0, p - high) for p in pitches)


def grand_staff_split(track: Track, bar_starts: list[int] | None = None) -> tuple[Track, Track] | None:
    """(treble, bass) halves of a keyboard or harp part, or None when it keeps one staff (another
    instrument, or nearly every note on one side of middle C). A bar whose notes lie within
    HAND_SPAN goes whole to the staff where it needs the fewest ledger lines (an arpeggio is not
    cut between staves); a wider bar is split at middle C."""
    if track.is_drum or track.program not in GRAND_STAFF or not track.notes:
        return None
    starts = bar_starts or [0]
    by_bar: dict[int, list[Note]] = {}
    for n in track.notes:
        by_bar.setdefault(bisect.bisect_right(starts, n.start), []).append(n)
    upper: list[Note] = []
    lower: list[Note] = []
    for notes in by_bar.values():
        pitches = sorted(n.pitch for n in notes)
        if pitches[-1] - pitches[0] <= HAND_SPAN:
            # the staff on which the bar needs the fewest ledger lines (treble E4-F5, bass G2-A3)
            treble, bass = _off_staff(pitches, 64, 77), _off_staff(pitches, 43, 57)
            on_top = treble < bass if treble != bass else statistics.median_low(pitches) >= 60
            (upper if on_top else lower).extend(notes)
        else:
            upper += [n for n in notes if n.pitch >= 60]
            lower += [n for n in notes if n.pitch < 60]
    if min(len(upper), len(lower)) < max(1, len(track.notes) // 20):
        return None
    return (Track(track.name, track.program, False, upper), Track(track.name, track.program, False, lower))


def _number(value: float, places: int) -> str:
    return f"{round(value, places):.{places}f}".rstrip("0").rstrip(".")


class _PartWriter:
    def __init__(
        self, score: Score, track: Track, index: int, lay: Layout, *, number: int = 0, staves: int = 1,
        chords: bool | None = None,
    ) -> None:
        """``index``: the part's first staff among the layout's parts; ``staves`` 1 or 2 (a grand
        staff's treble and bass come in turn); ``number``: the part's place in the score;
        ``chords``: whether the chord symbols are written above this part (default: the top part)."""
        self.score, self.track, self.index, self.lay = score, track, index, lay
        self.shows_chords = index == 0 if chords is None else chords
        self.staves = staves
        self.pid = f"P{number + 1}"
        self.shift = (0, 0) if track.is_drum else TRANSPOSING.get(track.program, (0, 0))
        name = track.name.lower()
        self.slurs = index == 0 or name.startswith(_MELODIC_ROLES)  # phrasing marks on the lines only
        self.played = _played(track.notes)
        self.bends = sorted(track.bends, key=lambda b: b.tick)
        self.bend_ticks = [b.tick for b in self.bends]
        ending = any(sec.label == "ending" for sec in score.sections)
        self.last_items = _last_sounding(lay, index, staves) if ending else set()
        self.keys = sorted(score.key_signatures, key=lambda k: k.tick)
        self.chords = sorted(score.chords, key=lambda c: c.tick)
        self.chord_ticks = [lay.marks.get(c.tick, c.tick) for c in self.chords]
        self.drum_keys = sorted({n.pitch for n in track.notes}) if track.is_drum else []
        self.events: dict[int, list[str]] = {}  # written tick -> directions and harmony there
        self.key_events: dict[int, KeySignature] = {}

    def part_list_entry(self, channel: int) -> str:
        t = self.track
        name = t.name or ("Drums" if t.is_drum else notation_name(t.program))
        out = f'<score-part id="{self.pid}"><part-name>{_text(name)}</part-name>'
        if t.is_drum:
            for k in self.drum_keys:
                out += f'<score-instrument id="{self.pid}-I{k}"><instrument-name>{_text(drum(k).name)}'
                out += "</instrument-name></score-instrument>"
            for k in self.drum_keys:
                out += f'<midi-instrument id="{self.pid}-I{k}"><midi-channel>10</midi-channel>'
                out += f"<midi-program>{t.program + 1}</midi-program><midi-unpitched>{k + 1}</midi-unpitched>"
                out += "</midi-instrument>"
            if not self.drum_keys:
                out += f'<score-instrument id="{self.pid}-I1"><instrument-name>Drum Set</instrument-name>'
                out += (
                    f'</score-instrument><midi-instrument id="{self.pid}-I1"><midi-channel>10</midi-channel>'
                )
                out += "<midi-unpitched>39</midi-unpitched></midi-instrument>"
        else:
            out += f'<score-instrument id="{self.pid}-I1"><instrument-name>{_text(notation_name(t.program))}'
            out += f'</instrument-name></score-instrument><midi-instrument id="{self.pid}-I1">'
            out += f"<midi-channel>{channel + 1}</midi-channel><midi-program>{t.program + 1}</midi-program>"
            out += "</midi-instrument>"
        return out + "</score-part>"

    def key_at(self, tick: int) -> KeySignature | None:
        current = self.keys[0] if self.keys else None
        for k in self.keys:
            if self.lay.marks.get(k.tick, k.tick) <= tick:
                current = k
        return self._written(current)

    def _written(self, key: KeySignature | None) -> KeySignature | None:
        """The key as this part reads it (a transposing instrument's own key)."""
        if key is None or self.shift == (0, 0):
            return key
        return _written_key(key, -self.shift[0], -self.shift[1])

    def chord_at(self, tick: int) -> str | None:
        i = bisect.bisect_right(self.chord_ticks, tick) - 1
        return self.chords[i].figure if i >= 0 else None

    def write(self) -> str:
        lay, track = self.lay, self.track
        top = self.index == 0
        events: dict[int, list[str]] = {}  # written tick -> directions/harmony before the item there
        key_events: dict[int, KeySignature] = {}
        for k in self.keys:
            key_events[lay.marks.get(k.tick, k.tick)] = k
        if top:
            for tc in self.score.tempos:
                meter = Meter.of(self.score.time_signature_at(tc.tick))
                # A compound meter felt in dotted quarters (6/8, 9/8, 12/8) is marked in them: 6/8 at
                # 115 quarters is dotted-quarter 77. Others (3/8, 6/4, 12/16) keep the quarter mark.
                compound = meter.compound and meter.beat_ticks == TICKS_PER_QUARTER * 3 // 2
                unit = (
                    "<beat-unit>quarter</beat-unit><beat-unit-dot/>"
                    if compound
                    else "<beat-unit>quarter</beat-unit>"
                )
                shown = tc.bpm / 1.5 if compound else tc.bpm
                text = (
                    f'<direction placement="above"><direction-type><metronome>{unit}'
                    f"<per-minute>{_number(shown, 2)}</per-minute></metronome></direction-type>"
                    f'<sound tempo="{_number(tc.bpm, 3)}"/></direction>'
                )
                events.setdefault(lay.marks.get(tc.tick, tc.tick), []).append(text)
            for s in self.score.sections:
                text = (
                    '<direction placement="above"><direction-type>'
                    f"<rehearsal>{_text(s.label)}</rehearsal></direction-type></direction>"
                )
                events.setdefault(lay.marks.get(s.start, s.start), []).append(text)
        if self.shows_chords:
            for c in self.chords:
                figure = c.figure
                if self.shift[1]:
                    figure = _transpose_figure(figure, -self.shift[0], -self.shift[1])
                events.setdefault(lay.marks.get(c.tick, c.tick), []).append(_harmony(figure))
        if not track.is_drum:
            self._dynamics(events)
        self.events, self.key_events = events, key_events
        parts = [f'<part id="{self.pid}">']
        if self.staves == 2:
            clefs = [("G", 2, 0), ("F", 4, 0)]
        else:
            written = track
            if self.shift[1]:  # the clef of the written notes
                written = Track(track.name, track.program, False,
                                [Note(n.pitch - self.shift[1], n.start, n.duration) for n in track.notes])
            clefs = [clef_for(written, top)]
        staff_items = lay.parts[self.index : self.index + self.staves]
        self._slurring = [False] * self.staves
        for number, bar in enumerate(lay.bars):
            parts.append(self._measure(number, bar, [items[number] for items in staff_items], clefs))
        parts.append("</part>")
        return "".join(parts)

    def _dynamics(self, events: dict[int, list[str]]) -> None:
        """A dynamic mark where the part starts and where a section changes its level: the mean
        velocity of its notes there (display only: the notes keep their own velocities)."""
        lay, notes = self.lay, self.track.notes
        spans = [(s.start, s.end) for s in sorted(self.score.sections, key=lambda s: s.start)]
        spans = spans or [(0, max((n.end for n in notes), default=0))]
        last = ""
        for start, end in spans:
            inside = [n.velocity for n in notes if start <= n.start < end]
            if not inside:
                continue
            mark = _dynamic_mark(sum(inside) / len(inside))
            if mark != last:
                at = lay.marks.get(start, start)  # a bar start: every part has an item there
                events.setdefault(at, []).append(
                    f'<direction placement="below"><direction-type><dynamics><{mark}/></dynamics>'
                    "</direction-type></direction>"
                )
                last = mark

    def _attributes(
        self, number: int, bar: Bar, clefs: list[tuple[str, int, int]], key: KeySignature | None,
        key_changed: bool,
    ) -> str:
        out = ""
        if number == 0:
            out += f"<divisions>{DIVISIONS}</divisions>"
        if not self.track.is_drum and key is not None and (number == 0 or key_changed):
            out += f"<key><fifths>{key.fifths}</fifths><mode>{key.mode}</mode></key>"
        if bar.show_meter:
            meter = bar.meter
            out += f"<time><beats>{meter.numerator}</beats><beat-type>{meter.denominator}</beat-type></time>"
        if number == 0:
            if len(clefs) > 1:
                out += f"<staves>{len(clefs)}</staves>"
            for staff, (sign, line, octave) in enumerate(clefs, 1):
                numbered = f' number="{staff}"' if len(clefs) > 1 else ""
                out += f"<clef{numbered}><sign>{sign}</sign><line>{line}</line>"
                out += (f"<clef-octave-change>{octave}</clef-octave-change>" if octave else "") + "</clef>"
            if self.shift != (0, 0):
                out += f"<transpose><diatonic>{self.shift[0]}</diatonic><chromatic>{self.shift[1]}"
                out += "</chromatic></transpose>"
        return f"<attributes>{out}</attributes>" if out else ""

    def _measure(
        self, number: int, bar: Bar, staff_items: list[list[Item]], clefs: list[tuple[str, int, int]]
    ) -> str:
        events, key_events = self.events, self.key_events
        label = "0" if bar.pickup else str(number if self.lay.bars[0].pickup else number + 1)
        implicit = ' implicit="yes"' if bar.pickup else ""
        out = [f'<measure number="{label}"{implicit}>']
        key = self.key_at(bar.start)
        first_key = key_events.get(bar.start)
        out.append(self._attributes(number, bar, clefs, key, first_key is not None and number > 0))
        for staff, items in enumerate(staff_items):
            if staff:
                out.append(f"<backup><duration>{sum(i.duration for i in staff_items[0])}</duration></backup>")
            key = self.key_at(bar.start)
            alters = _key_alters(key.fifths if key is not None else 0)
            state: dict[tuple[str, int], int] = {}
            for item in items:
                if item.start != bar.start and item.start in key_events and not self.track.is_drum:
                    k = self._written(key_events[item.start])
                    assert k is not None
                    if not staff:
                        out.append(
                            f"<attributes><key><fifths>{k.fifths}</fifths><mode>{k.mode}</mode></key></attributes>"
                        )
                    key, alters, state = k, _key_alters(k.fifths), {}
                if not staff:
                    out += events.pop(item.start, [])
                    # A chord change (or tempo) under a held note or a rest is placed by its offset
                    # from the item's start (a whole-bar rest under a V-I bar kept only the V).
                    for tick in sorted(t for t in events if item.start < t < item.start + item.duration):
                        out += [_with_offset(e, tick - item.start) for e in events.pop(tick)]
                out.append(self._item(item, key, alters, state, staff))
        return "".join(out) + "</measure>"

    def _item(
        self,
        item: Item,
        key: KeySignature | None,
        alters: dict[str, int],
        state: dict[tuple[str, int], int],
        staff: int = 0,
    ) -> str:
        common_tail = self._tail(item)
        on_staff = f"<staff>{staff + 1}</staff>" if self.staves > 1 else ""
        voice = f"<voice>{4 * staff + 1}</voice>"
        if not item.pitches:
            if item.whole_bar:
                return (
                    f'<note><rest measure="yes"/><duration>{item.duration}</duration>{voice}{on_staff}</note>'
                )
            tuplet = f"<notations>{common_tail[1]}</notations>" if common_tail[1] else ""
            return (
                f"<note><rest/><duration>{item.duration}</duration>{voice}{common_tail[0]}"
                f"{self._time_mod(item)}{on_staff}{tuplet}</note>"
            )
        figure = None if self.shift[1] else self.chord_at(item.start)
        marks = self._articulation(item, staff)
        notes = []
        for i, (pitch, tied_from, tied_on, velocity) in enumerate(item.pitches):
            head = "<chord/>" if i else ""
            ties = ('<tie type="stop"/>' if tied_from else "") + ('<tie type="start"/>' if tied_on else "")
            tied = ('<tied type="stop"/>' if tied_from else "") + ('<tied type="start"/>' if tied_on else "")
            accidental = notehead = instrument = ""
            if self.track.is_drum:
                d = drum(pitch)
                body = f"<unpitched><display-step>{d.step}</display-step><display-octave>{d.octave}"
                body += "</display-octave></unpitched>"
                instrument = f'<instrument id="{self.pid}-I{pitch}"/>'
                if d.notehead != "normal":
                    notehead = f"<notehead>{d.notehead}</notehead>"
            else:
                step, alter, octave = spell_pitch(pitch - self.shift[1], key, figure)
                body = f"<pitch><step>{step}</step>" + (f"<alter>{alter}</alter>" if alter else "")
                body += f"<octave>{octave}</octave></pitch>"
                shown = state.get((step, octave), alters.get(step, 0))
                if not tied_from and shown != alter:
                    accidental = f"<accidental>{_ACCIDENTAL[alter]}</accidental>"
                if not tied_from:
                    state[(step, octave)] = alter
            type_part, tail = common_tail
            notations = tied + (tail + marks if i == 0 else "")
            notes.append(
                f'<note dynamics="{_number(velocity * 100 / 90, 2)}">{head}{body}<duration>{item.duration}'
                f"</duration>{ties}{instrument}{voice}{type_part}{accidental}"
                f"{self._time_mod(item)}{notehead}{on_staff}{''.join(self._beams(item) if i == 0 else [])}"
                + (f"<notations>{notations}</notations>" if notations else "")
                + "</note>"
            )
        return "".join(notes)

    def _articulation(self, item: Item, staff: int) -> str:
        """Slur, staccato and fermata notations of a sounding item, from how its notes were played."""
        if self.track.is_drum:
            return ""
        pitch, tied_from, tied_on, _ = item.pitches[0]
        out = ""
        if not tied_from:
            played = _nearest(self.played, pitch, item.start)
            if played is not None:
                held, legato, onset, end = played
                slurring = self._slurring[staff]
                bar = next((k for k, b in enumerate(self.lay.bars) if b.start <= item.start < b.end), 0)
                breath = legato and (bar % 2 == 1 and _ends_bar(self.lay, bar, item))
                if slurring and (not legato or breath):
                    out += '<slur type="stop"/>'
                    self._slurring[staff] = False
                elif not slurring and legato and not breath and len(item.pitches) == 1 and self.slurs:
                    out += '<slur type="start"/>'
                    self._slurring[staff] = True
                marks = self._slides(onset, end)
                if not tied_on and item.duration <= 480 and held <= 0.6:
                    marks = "<staccato/>" + marks
                if marks:
                    out += f"<articulations>{marks}</articulations>"
        if (staff, item.start) in self.last_items:
            if self._slurring[staff]:
                out += '<slur type="stop"/>'
                self._slurring[staff] = False
            out += '<fermata type="upright"/>'
        return out

    def _slides(self, onset: int, end: int) -> str:
        """Scoop or plop (a pitch-wheel slide into the note) and falloff (a fall at its end)."""
        if not self.bends:
            return ""
        i = bisect.bisect_left(self.bend_ticks, onset - 10)
        out = ""
        if i < len(self.bends) and self.bends[i].tick <= onset + 10 and self.bends[i].value:
            out += "<scoop/>" if self.bends[i].value < 0 else "<plop/>"
        previous = self.bends[i - 1].value if i else 0
        for b in self.bends[i:]:
            if b.tick >= end - 10:  # a bend at the next onset belongs to the next note
                break
            if b.tick > onset + 10 and previous == 0 and b.value < 0:
                out += "<falloff/>"
                break
            previous = b.value
        return out

    @staticmethod
    def _time_mod(item: Item) -> str:
        if not item.triplet:
            return ""
        return _TRIPLET

    @staticmethod
    def _beams(item: Item) -> list[str]:
        return [f'<beam number="{k}">{state}</beam>' for k, state in enumerate(item.beams, 1)]

    @staticmethod
    def _tail(item: Item) -> tuple[str, str]:
        """(type and dots, tuplet notation) of an item."""
        type_part = f"<type>{item.value}</type>" + "<dot/>" * item.dots
        tuplet = f'<tuplet type="{item.tuplet}" bracket="yes"/>' if item.tuplet else ""
        return type_part, tuplet


def score_to_musicxml(score: Score, time_limit_s: float = 60.0) -> tuple[bytes, int, int]:
    """(MusicXML document, notes written, notes merged into another) for ``score``."""
    tracks = score.tracks or [Track("Empty")]
    staves: list[Track] = []
    firsts: list[tuple[int, int]] = []  # per part: (its first staff, staff count)
    bars = score.bar_starts(max((n.end for t in tracks for n in t.notes), default=1))
    for t in tracks:
        split = grand_staff_split(t, bars)
        firsts.append((len(staves), 2 if split else 1))
        staves += list(split) if split else [t]
    work = Score(
        staves,
        score.tempos,
        score.time_signatures,
        score.key_signatures,
        score.chords,
        score.sections,
        score.metadata,
    )
    lay = layout(work, time_limit_s)
    # Chord symbols once, over the top part at concert pitch; when the top part is a transposing
    # instrument (an alto sax head), over the first part that reads concert pitch (the rhythm section).
    concert = [i for i, t in enumerate(tracks) if not t.is_drum and t.program not in TRANSPOSING]
    chord_part = 0 if not concert or tracks[0].program not in TRANSPOSING or tracks[0].is_drum else concert[0]
    writers = [
        _PartWriter(work, t, first, lay, number=number, staves=count, chords=number == chord_part)
        for number, (t, (first, count)) in enumerate(zip(tracks, firsts, strict=True))
    ]
    channels = track_channels(tracks)
    md = score.metadata
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE score-partwise PUBLIC '
        '"-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">\n'
        '<score-partwise version="4.0">'
    ]
    if md.title:
        head.append(f"<work><work-title>{_text(md.title)}</work-title></work>")
        head.append(f"<movement-title>{_text(md.title)}</movement-title>")
    head.append("<identification>")
    if md.composer:
        head.append(f'<creator type="composer">{_text(md.composer)}</creator>')
    head.append("<encoding><software>tunesmith</software></encoding></identification>")
    head.append("<part-list>" + "".join(w.part_list_entry(c) for w, c in zip(writers, channels, strict=True)))
    head.append("</part-list>")
    body = [w.write() for w in writers]
    document = "".join(head) + "".join(body) + "</score-partwise>\n"
    return document.encode("utf-8"), lay.notes_written, lay.notes_merged


def _dynamic_mark(velocity: float) -> str:
    """pp ... ff for a mean MIDI velocity (the usual bands of notation programs)."""
    for mark, below in (("pp", 40), ("p", 55), ("mp", 70), ("mf", 85), ("f", 100)):
        if velocity < below:
            return mark
    return "ff"


def _played(notes: list[Note]) -> dict[int, list[tuple[int, float, bool, int]]]:
    """pitch -> (onset, share of the time to the next onset it is held, slurred to the next?) of a
    part's notes, by onset (the time counted at most a quarter). Slurred: held clearly into the
    next onset, in a run of at least three notes so held (two touching notes are no phrase)."""
    ordered = sorted(notes, key=lambda n: n.start)
    onsets = sorted({n.start for n in notes})
    held: list[bool] = []
    spaces: list[int] = []
    for n in ordered:
        i = bisect.bisect_right(onsets, n.start)
        nxt = onsets[i] if i < len(onsets) else None
        held.append(nxt is not None and n.end > nxt + 12)
        spaces.append(min(480, (nxt if nxt is not None else n.end) - n.start))
    run = [0] * len(ordered)  # legato notes from here on
    for k in range(len(ordered) - 1, -1, -1):
        run[k] = (run[k + 1] + 1 if k + 1 < len(ordered) else 1) if held[k] else 0
    out: dict[int, list[tuple[int, float, bool, int]]] = {}
    for k, n in enumerate(ordered):
        chained = held[k] and (run[k] >= 2 or (k > 0 and held[k - 1]))
        out.setdefault(n.pitch, []).append((n.start, n.duration / max(1, spaces[k]), chained, n.end))
    return out


def _nearest(
    played: dict[int, list[tuple[int, float, bool, int]]], pitch: int, written: int
) -> tuple[float, bool, int, int] | None:
    """(held share, legato?, onset, end) of the played note of ``pitch`` nearest the written onset."""
    row = played.get(pitch)
    if not row:
        return None
    i = bisect.bisect_left(row, (written, -1.0, False, 0))
    best = min(row[max(0, i - 1) : i + 1], key=lambda r: abs(r[0] - written))
    return (best[1], best[2], best[0], best[3]) if abs(best[0] - written) <= 120 else None


def _ends_bar(lay: Layout, bar: int, item: Item) -> bool:
    """Whether ``item`` is the last one sounding in its bar (where a two-bar slur breathes)."""
    b = lay.bars[bar]
    return item.start + item.duration >= b.end


def _last_sounding(lay: Layout, first: int, staves: int) -> set[tuple[int, int]]:
    """(staff, written onset) of each staff's last sounding item where it stands in the last two
    bars (the held final chord that takes the fermata)."""
    out: set[tuple[int, int]] = set()
    for staff in range(staves):
        for items in reversed(lay.parts[first + staff][-2:]):
            sounding = [i for i in items if i.pitches]
            if sounding:
                out.add((staff, sounding[-1].start))
                break
    return out
