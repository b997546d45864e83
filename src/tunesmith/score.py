"""The canonical Score type every layer reads and writes.

Units: time is in integer ticks at ``TICKS_PER_QUARTER`` ticks per quarter note (PPQ);
pitches are MIDI note numbers (60 = middle C); velocities are MIDI velocities 1-127;
tempo is in quarter-note beats per minute. Score is a plain data type: reading, writing
and rendering live in the layers above (io/, render/), never here.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

TICKS_PER_QUARTER = 480
"""Fixed resolution of every Score (ticks per quarter note)."""

DEFAULT_BPM = 120.0


@dataclass(slots=True)
class Note:
    """One note: MIDI pitch, onset and duration in ticks, MIDI velocity."""

    pitch: int
    start: int
    duration: int
    velocity: int = 80

    @property
    def end(self) -> int:
        return self.start + self.duration


BEND_RANGE_SEMITONES = 2
"""Pitch-bend sensitivity every player assumes (the General MIDI default): the wheel spans +-2 semitones."""
BEND_MIN, BEND_MAX = -8192, 8191
BEND_PER_SEMITONE = 4096


@dataclass(frozen=True, slots=True)
class PitchBend:
    """From ``tick`` on, the track's pitch is bent by ``value`` (-8192..8191, 0 = none;
    4096 per semitone at the General MIDI range of +-2 semitones)."""

    tick: int
    value: int

    @property
    def semitones(self) -> float:
        return self.value / BEND_PER_SEMITONE


@dataclass(slots=True)
class Track:
    """An instrument part: General MIDI program 0-127; drum tracks play on channel 10. ``bends``
    (pitch-wheel events, in time order) bend every note of the part sounding at the time."""

    name: str = ""
    program: int = 0
    is_drum: bool = False
    notes: list[Note] = field(default_factory=list)
    bends: list[PitchBend] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TempoChange:
    """From ``tick`` on, the tempo is ``bpm`` quarter notes per minute."""

    tick: int
    bpm: float


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """From ``tick`` on, bars hold ``numerator`` notes of value 1/``denominator``."""

    tick: int
    numerator: int
    denominator: int

    @property
    def bar_ticks(self) -> int:
        return self.numerator * TICKS_PER_QUARTER * 4 // self.denominator

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True, slots=True)
class KeySignature:
    """From ``tick`` on: ``fifths`` sharps (>0) or flats (<0), and ``mode`` 'major' or 'minor'."""

    tick: int
    fifths: int
    mode: str = "major"

    @property
    def tonic_pc(self) -> int:
        """Pitch class 0-11 of the tonic (C=0)."""
        major_pc = (self.fifths * 7) % 12
        return major_pc if self.mode == "major" else (major_pc + 9) % 12


@dataclass(frozen=True, slots=True)
class ChordSymbol:
    """A chord symbol such as 'Am7' or 'Bb/D' sounding from ``tick`` until the next one."""

    tick: int
    figure: str


@dataclass(frozen=True, slots=True)
class Section:
    """A labelled span of the form (e.g. 'A', 'chorus', 'intro'), ``start`` to ``end`` ticks."""

    start: int
    end: int
    label: str


@dataclass(slots=True)
class Metadata:
    """Descriptive fields; ``source`` says where the piece came from (file, corpus, generator)."""

    title: str = ""
    composer: str = ""
    source: str = ""
    licence: str = ""
    style_tags: list[str] = field(default_factory=list)
    mood: str = ""


@dataclass(slots=True)
class Score:
    """A piece of music: tracks of notes plus the tempo, meter, key, chord and form maps."""

    tracks: list[Track] = field(default_factory=list)
    tempos: list[TempoChange] = field(default_factory=list)
    time_signatures: list[TimeSignature] = field(default_factory=list)
    key_signatures: list[KeySignature] = field(default_factory=list)
    chords: list[ChordSymbol] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    metadata: Metadata = field(default_factory=Metadata)

    @property
    def ticks_per_quarter(self) -> int:
        return TICKS_PER_QUARTER

    def notes(self) -> list[Note]:
        """All notes of all non-drum tracks, sorted by onset then pitch."""
        out = [n for t in self.tracks if not t.is_drum for n in t.notes]
        out.sort(key=lambda n: (n.start, n.pitch))
        return out

    def end_tick(self) -> int:
        """Tick where the last note (or the last chord/section marker) ends."""
        ends = [n.end for t in self.tracks for n in t.notes]
        ends += [c.tick for c in self.chords] + [s.end for s in self.sections]
        return max(ends, default=0)

    def time_signature_at(self, tick: int) -> TimeSignature:
        current = TimeSignature(0, 4, 4)
        for ts in self.time_signatures:
            if ts.tick <= tick:
                current = ts
        return current

    def key_at(self, tick: int) -> KeySignature | None:
        current = None
        for ks in self.key_signatures:
            if ks.tick <= tick:
                current = ks
        return current if current is not None else (self.key_signatures[0] if self.key_signatures else None)

    def tempo_at(self, tick: int) -> float:
        current = self.tempos[0].bpm if self.tempos else DEFAULT_BPM
        for t in self.tempos:
            if t.tick <= tick:
                current = t.bpm
        return current

    def bar_starts(self, until: int | None = None) -> list[int]:
        """Ticks where each bar begins, following time-signature changes, up to ``until``."""
        end = self.end_tick() if until is None else until
        sigs = sorted(self.time_signatures, key=lambda s: s.tick) or [TimeSignature(0, 4, 4)]
        if sigs[0].tick > 0:
            sigs.insert(0, TimeSignature(0, 4, 4))
        starts: list[int] = []
        tick = 0
        i = 0
        while tick < end or not starts:
            while i + 1 < len(sigs) and sigs[i + 1].tick <= tick:
                i += 1
            starts.append(tick)
            tick += max(1, sigs[i].bar_ticks)
        return starts

    def bar_count(self) -> int:
        return len(self.bar_starts()) if self.end_tick() > 0 else 0

    def seconds_at(self, tick: int) -> float:
        """Wall-clock time in seconds of ``tick``, following tempo changes."""
        tempos = sorted(self.tempos, key=lambda t: t.tick) or [TempoChange(0, DEFAULT_BPM)]
        if tempos[0].tick > 0:
            tempos.insert(0, TempoChange(0, tempos[0].bpm))
        ticks = [t.tick for t in tempos]
        seconds = 0.0
        idx = bisect.bisect_right(ticks, tick) - 1
        for j in range(idx):
            seconds += (tempos[j + 1].tick - tempos[j].tick) / TICKS_PER_QUARTER * 60.0 / tempos[j].bpm
        seconds += (tick - tempos[idx].tick) / TICKS_PER_QUARTER * 60.0 / tempos[idx].bpm
        return seconds

    def duration_seconds(self) -> float:
        return self.seconds_at(self.end_tick())

    def sort(self) -> Score:
        """Sort every list in time order, in place; returns self for chaining."""
        for t in self.tracks:
            t.notes.sort(key=lambda n: (n.start, n.pitch, n.duration))
            t.bends.sort(key=lambda b: b.tick)
        self.tempos.sort(key=lambda t: t.tick)
        self.time_signatures.sort(key=lambda t: t.tick)
        self.key_signatures.sort(key=lambda k: k.tick)
        self.chords.sort(key=lambda c: c.tick)
        self.sections.sort(key=lambda s: s.start)
        return self


def validate(score: Score) -> list[str]:
    """Problems that would make the score unwritable or unplayable; empty when it is sound."""
    problems: list[str] = []
    for ti, track in enumerate(score.tracks):
        if not 0 <= track.program <= 127:
            problems.append(f"track {ti} program {track.program} outside 0-127")
        for note in track.notes:
            if not 0 <= note.pitch <= 127:
                problems.append(f"track {ti} note pitch {note.pitch} outside 0-127")
            if note.start < 0 or note.duration <= 0:
                problems.append(f"track {ti} note at {note.start} has duration {note.duration}")
            if not 1 <= note.velocity <= 127:
                problems.append(f"track {ti} note velocity {note.velocity} outside 1-127")
        for bend in track.bends:
            if bend.tick < 0 or not BEND_MIN <= bend.value <= BEND_MAX:
                problems.append(
                    f"track {ti} pitch bend {bend.value} at {bend.tick} outside {BEND_MIN}-{BEND_MAX}"
                )
    for tempo in score.tempos:
        if not 1.0 <= tempo.bpm <= 1000.0:
            problems.append(f"tempo {tempo.bpm} bpm outside 1-1000")
    for ts in score.time_signatures:
        if ts.numerator <= 0 or ts.denominator not in (1, 2, 4, 8, 16, 32):
            problems.append(f"time signature {ts} is invalid")
    for ks in score.key_signatures:
        if not -7 <= ks.fifths <= 7 or ks.mode not in ("major", "minor"):
            problems.append(f"key signature {ks.fifths} {ks.mode} is invalid")
    return problems
