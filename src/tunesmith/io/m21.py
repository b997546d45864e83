"""Conversion between music21 streams and Score.

Reading (``score_from_m21``): repeats are expanded where music21 can, tied notes are merged
into one Note, chord notes become separate Notes, grace notes are dropped (they take no time),
modal keys (dorian, mixolydian, ...) become the major or minor key on the same tonic, and a piece
without a tempo mark gets 120 bpm. Writing (``score_to_m21``) splits overlapping notes of a
track into tied chord segments so any polyphony fits one notation voice; reading ties merges
them back, so read -> write -> read keeps every note.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction
from typing import Any

from tunesmith.io.m21_repeats import has_repeats, measure_play_order, played_elements
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

_MINOR_MODES = {"minor", "aeolian", "dorian", "phrygian", "locrian"}
_DEFAULT_VELOCITY = 80


def _tick(quarters: Any) -> int:
    return round(float(quarters) * TICKS_PER_QUARTER)


def key_from_tonic(tonic_pc: int, mode: str, near_fifths: int = 0) -> tuple[int, str]:
    """(fifths, 'major'|'minor') of the key on ``tonic_pc``; modal keys map to major or minor
    on the same tonic. Of two enharmonic spellings, take the one nearest ``near_fifths``."""
    minor = mode.lower() in _MINOR_MODES
    major_pc = (tonic_pc + 3) % 12 if minor else tonic_pc % 12
    candidates = [f for f in range(-7, 8) if (f * 7) % 12 == major_pc]
    fifths = min(candidates, key=lambda f: (abs(f - near_fifths), abs(f)))
    return fifths, "minor" if minor else "major"


def _key_signature(el: Any, tick: int) -> KeySignature:
    from music21 import key

    sharps = int(el.sharps or 0)
    if isinstance(el, key.Key):
        fifths, mode = key_from_tonic(el.tonic.pitchClass, el.mode or "major", sharps)
        return KeySignature(tick, fifths, mode)
    mode = getattr(el, "mode", None) or "major"
    if mode not in ("major", "minor"):
        tonic = el.asKey(mode).tonic.pitchClass
        fifths, mode = key_from_tonic(tonic, mode, sharps)
        return KeySignature(tick, fifths, mode)
    return KeySignature(tick, max(-7, min(7, sharps)), mode)


def figure_from_m21(cs: Any) -> str:
    """The chord figure as written: root + the kind text the source gave + slash bass (unless
    the kind text holds the slash already, as tunesmith writes Nottingham's "C/e").
    music21 writes flats as '-' (B-m7); tunesmith figures use 'b' (Bbm7)."""
    from music21 import harmony

    if isinstance(cs, harmony.NoChord):
        return "N.C."
    kind_text = cs.chordKindStr or ""
    root = cs.root()
    if kind_text and root is not None:
        figure = root.name.replace("-", "b") + kind_text
        bass = cs.bass()
        if bass is not None and bass.name != root.name and "/" not in kind_text:
            figure += "/" + bass.name.replace("-", "b")
        return figure
    figure = str(cs.figure or "")
    figure = re.sub(r"^([A-Ga-g])-", r"\1b", figure)
    return re.sub(r"/([A-Ga-g])-", r"/\1b", figure)


def _program_and_drum(part: Any) -> tuple[str, int, bool]:
    from music21 import instrument

    inst = part.getInstrument(returnDefault=False)
    name = str(part.partName or "")
    if inst is None:
        return name, 0, False
    name = name or str(inst.partName or inst.instrumentName or "")
    is_drum = isinstance(inst, instrument.UnpitchedPercussion) or inst.midiChannel == 9
    program = inst.midiProgram if inst.midiProgram is not None else 0
    return name, max(0, min(127, int(program))), is_drum


def _velocity(el: Any) -> int:
    vol = getattr(el, "_volume", None)  # reading .volume would create a Volume on every note
    if vol is not None and vol.velocity is not None:
        return max(1, min(127, int(vol.velocity)))
    return _DEFAULT_VELOCITY


def _part_notes(events: list[tuple[Fraction, Any]], is_drum: bool) -> list[Note]:
    """Notes of one part from (offset, element) pairs, tied segments merged (per pitch)."""
    from music21 import chord, harmony, note

    notes: list[Note] = []
    open_ties: dict[int, Note] = {}

    def add(pitch: int, start: int, end: int, tie: Any, velocity: int) -> None:
        tie_type = tie.type if tie is not None else None
        held = open_ties.get(pitch)
        if held is not None and tie_type in ("stop", "continue") and abs(held.end - start) <= 1:
            held.duration = max(1, end - held.start)
            if tie_type == "stop":
                del open_ties[pitch]
            return
        if held is not None:
            del open_ties[pitch]
        if not 0 <= pitch <= 127 or end <= start:
            return
        new = Note(pitch, start, end - start, velocity)
        notes.append(new)
        if tie_type in ("start", "continue"):
            open_ties[pitch] = new

    for offset, el in events:
        playable = isinstance(el, (note.Note, chord.Chord, note.Unpitched))
        if not playable or isinstance(el, harmony.ChordSymbol) or el.duration.isGrace:
            continue
        start = _tick(offset)
        end = _tick(offset + Fraction(el.quarterLength))
        if isinstance(el, note.Note):
            add(el.pitch.midi, start, end, el.tie, _velocity(el))
        elif isinstance(el, chord.Chord):
            vel = _velocity(el)
            for sub in el.notes:
                add(sub.pitch.midi, start, end, sub.tie or el.tie, vel)
        elif is_drum:
            add(el.displayPitch().midi, start, end, el.tie, _velocity(el))
    return notes


def _part_events(stream: Any) -> tuple[list[Any], list[list[tuple[Fraction, Any]]]]:
    """The parts of ``stream`` and, per part, its elements at their played offsets."""
    from music21 import stream as m21stream

    def parts_of(s: Any) -> list[Any]:
        parts = list(s.parts) if isinstance(s, m21stream.Score) else [s]
        return parts or [s]

    def flat_events(part: Any) -> list[tuple[Fraction, Any]]:
        return [(Fraction(el.offset), el) for el in part.flatten()]

    parts = parts_of(stream)
    if not has_repeats(stream):
        return parts, [flat_events(p) for p in parts]
    order = measure_play_order(stream, parts)
    if order is not None:
        return parts, [played_elements(p, order) for p in parts]
    try:  # parts whose measures do not line up: let music21 try
        expanded = stream.expandRepeats()
    except Exception:  # music21 raises many types on odd repeat structures; keep it unexpanded
        expanded = stream
    parts = parts_of(expanded)
    return parts, [flat_events(p) for p in parts]


def score_from_m21(stream: Any, source: str = "") -> Score:
    """Convert a music21 Score, Part, Opus (first score) or other stream into a Score."""
    from music21 import harmony, key, meter, tempo
    from music21 import stream as m21stream

    if isinstance(stream, m21stream.Opus):
        scores = list(stream.scores)
        if not scores:
            return Score(metadata=Metadata(source=source), tempos=[TempoChange(0, DEFAULT_BPM)])
        stream = scores[0]
    for part in getattr(stream, "parts", []):
        if part.atSoundingPitch is False:  # a transposing part (<transpose>): read at concert pitch
            part.toSoundingPitch(inPlace=True)
    parts, events_per_part = _part_events(stream)

    score = Score(metadata=_metadata(stream, source))
    tempos: dict[int, float] = {}
    times: dict[int, TimeSignature] = {}
    keys: dict[int, KeySignature] = {}
    chords: dict[tuple[int, str], ChordSymbol] = {}
    marks: dict[int, str] = {}
    staves: dict[str, Track] = {}  # the staves of one part (a piano's grand staff) are one track
    for i, (part, events) in enumerate(zip(parts, events_per_part, strict=True)):
        name, program, is_drum = _program_and_drum(part)
        notes = _part_notes(events, is_drum)
        group = str(part.id).rsplit("-Staff", 1)[0] if type(part).__name__ == "PartStaff" else None
        if group is not None and group in staves:
            staves[group].notes += notes
            staves[group].notes.sort(key=lambda n: (n.start, n.pitch, n.duration))
        else:
            track = Track(name or f"Part {i + 1}", program, is_drum, notes)
            track.notes.sort(key=lambda n: (n.start, n.pitch, n.duration))
            score.tracks.append(track)
            if group is not None:
                staves[group] = track
        for offset, el in events:
            tick = _tick(offset)
            if isinstance(el, harmony.ChordSymbol):
                figure = figure_from_m21(el)
                if figure:
                    chords.setdefault((tick, figure), ChordSymbol(tick, figure))
            elif isinstance(el, tempo.MetronomeMark):
                bpm = el.getQuarterBPM()
                if bpm and 1.0 <= bpm <= 1000.0:
                    tempos.setdefault(tick, float(bpm))
            elif isinstance(el, meter.TimeSignature):
                if el.numerator and el.denominator in (1, 2, 4, 8, 16, 32):
                    times.setdefault(tick, TimeSignature(tick, int(el.numerator), int(el.denominator)))
            elif isinstance(el, key.KeySignature):
                keys.setdefault(tick, _key_signature(el, tick))
            elif type(el).__name__ == "RehearsalMark":
                marks.setdefault(tick, str(el.content))
    score.tempos = _without_repeats([TempoChange(t, b) for t, b in sorted(tempos.items())], "bpm")
    score.tempos = score.tempos or [TempoChange(0, DEFAULT_BPM)]
    score.time_signatures = _without_repeats([times[t] for t in sorted(times)], "numerator", "denominator")
    score.key_signatures = _without_repeats([keys[t] for t in sorted(keys)], "fifths", "mode")
    score.chords = sorted(chords.values(), key=lambda c: c.tick)
    score.sections = _sections(marks, score.end_tick())
    return score


def _without_repeats(items: list[Any], *fields: str) -> list[Any]:
    """Drop entries that restate the one before (a replayed bar repeats its meter and key)."""
    out: list[Any] = []
    for item in items:
        if not out or any(getattr(item, f) != getattr(out[-1], f) for f in fields):
            out.append(item)
    return out


def _sections(marks: dict[int, str], end: int) -> list[Section]:
    starts = sorted(marks)
    ends: list[int | None] = [*starts[1:], None] if starts else []
    pairs = zip(starts, ends, strict=True)
    return [Section(s, e if e is not None else max(end, s), marks[s]) for s, e in pairs]


def _metadata(stream: Any, source: str) -> Metadata:
    md = stream.metadata
    if md is None:
        return Metadata(source=source)
    title = md.title or md.movementName or ""
    return Metadata(title=str(title), composer=str(md.composer or ""), source=source)


# --- writing -------------------------------------------------------------------------------

_KIND_BY_TEXT = {
    "": "major", "maj": "major", "M": "major",
    "m": "minor", "min": "minor", "-": "minor",
    "7": "dominant", "dom7": "dominant",
    "d": "diminished", "dim": "diminished", "o": "diminished", "°": "diminished",
    "a": "augmented", "aug": "augmented", "+": "augmented",
    "maj7": "major-seventh", "M7": "major-seventh", "Δ": "major-seventh", "^7": "major-seventh",
    "m7": "minor-seventh", "min7": "minor-seventh", "-7": "minor-seventh",
    "dim7": "diminished-seventh", "o7": "diminished-seventh", "d7": "diminished-seventh",
    "m7b5": "half-diminished", "ø": "half-diminished", "ø7": "half-diminished",
    "6": "major-sixth", "m6": "minor-sixth",
    "9": "dominant-ninth", "maj9": "major-ninth", "m9": "minor-ninth",
    "11": "dominant-11th", "13": "dominant-13th",
    "sus": "suspended-fourth", "sus4": "suspended-fourth", "7sus4": "suspended-fourth",
    "sus2": "suspended-second", "mmaj7": "major-minor", "m(maj7)": "major-minor",
    # no dominant seventh in these: a reader that trusts the kind must not add one
    "5": "power", "69": "major-sixth", "6/9": "major-sixth", "add9": "major", "madd9": "minor",
    "m69": "minor-sixth", "aug7": "augmented-seventh", "+7": "augmented-seventh",
    "m11": "minor-11th", "maj13": "major-13th", "m13": "minor-13th",
}
_FIGURE = re.compile(r"^([A-Ga-g])([#b♯♭]?)(.*?)(?:/([A-Ga-g])([#b♯♭]?))?$")


def _kind_for_text(text: str) -> str:
    if text in _KIND_BY_TEXT:
        return _KIND_BY_TEXT[text]
    if text.startswith(("maj", "M")):
        return "major-seventh"
    if text.startswith(("m", "min", "-")):
        return "minor"
    if text[:1].isdigit():
        return "dominant"
    return "major"


def _m21_pitch_name(letter: str, accidental: str) -> str:
    return letter.upper() + {"#": "#", "♯": "#", "b": "-", "♭": "-"}.get(accidental, "")


def chord_symbol_to_m21(figure: str) -> Any | None:
    """A music21 ChordSymbol showing ``figure`` (its kind text kept as written), or None."""
    from music21 import harmony

    if figure == "N.C.":
        return harmony.NoChord()
    match = _FIGURE.match(figure.strip().removeprefix("(").removesuffix(")"))  # "(E7)": optional E7
    if match is None:
        return None
    letter, acc, text, bass_letter, bass_acc = match.groups()
    if bass_letter and bass_letter.islower():
        # Nottingham's lower-case bass ("C/e"): shown and read back as written, not as <bass>
        text, bass_letter = f"{text}/{bass_letter}{bass_acc or ''}", None
    root = _m21_pitch_name(letter, acc)
    try:
        cs = harmony.ChordSymbol(root=root, kind=_kind_for_text(text))
        if bass_letter:
            cs.bass(_m21_pitch_name(bass_letter, bass_acc or ""))
    except Exception:  # music21 rejects a few kind/bass combinations; write no symbol then
        return None
    cs.chordKindStr = text
    cs.writeAsChord = False
    return cs


def _segments(
    notes: list[Note], cuts: frozenset[int] = frozenset()
) -> list[tuple[int, int, list[tuple[Note, bool, bool]]]]:
    """Cut the notes at every onset and end (and at ``cuts``); each segment lists
    (note, starts_here, ends_here)."""
    end = max((n.end for n in notes), default=0)
    bounds = sorted({n.start for n in notes} | {n.end for n in notes} | {c for c in cuts if c < end})
    order = sorted(notes, key=lambda n: (n.start, n.pitch))
    segments = []
    active: list[Note] = []
    j = 0
    for a, b in itertools.pairwise(bounds):
        active = [n for n in active if n.end > a]
        while j < len(order) and order[j].start == a:
            active.append(order[j])
            j += 1
        if active:
            segments.append((a, b, [(n, n.start == a, n.end == b) for n in active]))
    return segments


def _single_sounding(notes: list[Note], grid: int) -> list[Note]:
    """Notes snapped to ``grid`` ticks, a note cut where the same pitch starts again: notation
    cannot show one pitch sounding twice at once in a part (ties would become ambiguous)."""
    step = max(1, grid)
    snapped = sorted(
        (round(n.start / step) * step, n.pitch, round(n.end / step) * step, n.velocity) for n in notes
    )
    out: list[Note] = []
    last: dict[int, Note] = {}
    for start, pitch, end, velocity in snapped:
        note = Note(pitch, start, max(step, end - start), velocity)
        held = last.get(pitch)
        if held is not None and held.end > start:
            if held.start == start:
                continue  # a doubled note: keep one
            held.duration = start - held.start
        out.append(note)
        last[pitch] = note
    return out


_SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLAT_NAMES = ("C", "D-", "D", "E-", "E", "F", "G-", "G", "A-", "A", "B-", "B")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_SHARP_ORDER = "FCGDAEB"
_MAJOR_TONICS = "CGDAEBFCGDAEBFC"  # letters of the major tonics from 7 flats to 7 sharps


def _spelled(midi: int, flats: bool) -> str:
    """Name for music21 without a key: black keys as flats or sharps."""
    return (_FLAT_NAMES if flats else _SHARP_NAMES)[midi % 12] + str(midi // 12 - 1)


def spell_in_key(midi: int, fifths: int, mode: str = "major") -> str:
    """music21 name of ``midi`` spelled by the key signature: the signature's own notes by their
    letters; a chromatic note as the raised degree below it (F# in F major, not Gb; C# not Db) except
    the lowered third and seventh of a major key (Ab, Bb in C) and the lowered second of a minor key."""
    alter = dict.fromkeys(_LETTER_PC, 0)
    for letter in _SHARP_ORDER[: max(0, fifths)]:
        alter[letter] = 1
    for letter in _SHARP_ORDER[::-1][: max(0, -fifths)]:
        alter[letter] = -1
    pc = midi % 12
    tonic_letter = _MAJOR_TONICS[fifths + 7] if mode != "minor" else _MAJOR_TONICS[(fifths + 3 + 7) % 15]
    tonic = (_LETTER_PC[tonic_letter] + alter[tonic_letter]) % 12
    scale = {(_LETTER_PC[x] + alter[x]) % 12: x for x in _LETTER_PC}
    if pc in scale:
        letter, shift = scale[pc], alter[scale[pc]]
    else:
        rel = (pc - tonic) % 12
        lowered = rel in ((1,) if mode == "minor" else (3, 10))
        options = [((pc + 1) % 12, -1), ((pc - 1) % 12, 1)]
        if not lowered:
            options.reverse()
        letter, shift = "", 0
        for neighbour, step in options:
            if neighbour in scale:
                letter, shift = scale[neighbour], alter[scale[neighbour]] + step
                break
        if not letter or abs(shift) > 2:
            return _spelled(midi, fifths < 0)
    octave = (midi - shift - _LETTER_PC[letter]) // 12 - 1
    return letter + ("#" * shift if shift > 0 else "-" * -shift) + str(octave)


def _clef_for(track: Track) -> Any:
    """Treble, treble-8vb for a tenor voice, bass for a low part (by its median pitch)."""
    from music21 import clef

    if track.name.lower().startswith("tenor"):
        return clef.Treble8vbClef()
    pitches = sorted(n.pitch for n in track.notes)
    if pitches and pitches[len(pitches) // 2] < 55:
        return clef.BassClef()
    return clef.TrebleClef()


def _track_to_part(
    track: Track, index: int, grid: int = 1, score: Score | None = None, cuts: frozenset[int] = frozenset()
) -> Any:
    from music21 import chord, clef, instrument, note, stream, tie

    part = stream.Part(id=f"P{index + 1}")
    part.partName = track.name or f"Track {index + 1}"
    if track.is_drum:
        inst: Any = instrument.Percussion()
        inst.midiChannel = 9  # MusicXML <midi-channel>10</midi-channel>: read back as a drum track
        inst.midiProgram = track.program
        part.insert(0, clef.PercussionClef())
    else:
        try:
            inst = instrument.instrumentFromMidiProgram(track.program)
        except Exception:  # programs music21 has no class for
            inst = instrument.Instrument()
        inst.midiProgram = track.program
        part.insert(0, _clef_for(track))
    inst.partName = part.partName
    part.insert(0, inst)
    for start, end, members in _segments(_single_sounding(track.notes, grid), cuts):
        ql = Fraction(end - start, TICKS_PER_QUARTER)
        pieces = []
        for n, begins, ends in members:
            key_sig = score.key_at(start) if score is not None else None
            name = (spell_in_key(n.pitch, key_sig.fifths, key_sig.mode) if key_sig is not None
                    else _spelled(n.pitch, False))
            piece = note.Note(name, quarterLength=ql)
            piece.volume.velocity = n.velocity
            if not (begins and ends):
                piece.tie = tie.Tie("start" if begins else "stop" if ends else "continue")
            pieces.append(piece)
        el: Any = pieces[0] if len(pieces) == 1 else chord.Chord(pieces, quarterLength=ql)
        part.insert(Fraction(start, TICKS_PER_QUARTER), el)
    return part


def score_to_m21(score: Score, grid: int = 1) -> Any:
    """A music21 Score holding every track, tempo, meter, key, chord symbol and section.
    ``grid`` > 1 snaps notes to multiples of that many ticks (for notation export of
    performance timing that notation cannot express)."""
    from music21 import expressions, key, metadata, meter, stream, tempo

    out = stream.Score()
    out.metadata = metadata.Metadata()
    out.metadata.title = score.metadata.title
    out.metadata.composer = score.metadata.composer
    tracks = score.tracks or [Track("Empty")]
    # A chord symbol, tempo or rehearsal mark inside a held note of the top part makes music21
    # split the part into two voices; tie the note across that point instead.
    marks = frozenset(
        [c.tick for c in score.chords] + [t.tick for t in score.tempos] + [x.start for x in score.sections]
    )
    parts = [
        _track_to_part(t, i, grid, score, marks if i == 0 else frozenset()) for i, t in enumerate(tracks)
    ]
    for part_no, part in enumerate(parts):
        for ts in score.time_signatures:
            part.insert(Fraction(ts.tick, TICKS_PER_QUARTER), meter.TimeSignature(str(ts)))
        for ks in score.key_signatures if not tracks[part_no].is_drum else []:
            k = key.KeySignature(ks.fifths).asKey(ks.mode)
            part.insert(Fraction(ks.tick, TICKS_PER_QUARTER), k)
        if part_no == 0:  # tempo, chords and sections once, on the top part (as notation shows them)
            for tc in score.tempos:
                mark = tempo.MetronomeMark(number=round(tc.bpm, 3))
                part.insert(Fraction(tc.tick, TICKS_PER_QUARTER), mark)
            for c in score.chords:
                cs = chord_symbol_to_m21(c.figure)
                if cs is not None:
                    part.insert(Fraction(c.tick, TICKS_PER_QUARTER), cs)
            for s in score.sections:
                part.insert(Fraction(s.start, TICKS_PER_QUARTER), expressions.RehearsalMark(s.label))
        out.insert(0, part)
    return out
