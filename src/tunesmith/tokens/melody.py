"""Key-normalised melody events on a sixteenth-note grid, with per-step conditions.

A melody (one monophonic line) becomes one *event* per sixteenth-note step (``STEP_TICKS`` = 120
ticks at 480 PPQ). Pitches are key-normalised: the whole melody is transposed by ``shift``
semitones (-6..+5, the smallest move) so that the key's tonic becomes C, in major and minor alike;
decoding transposes back. One frame for melody and chords: chord roots are also relative to the
tonic (:mod:`tunesmith.tokens.chords`).

Event vocabulary (:data:`N_EVENTS` = 65):

====================  =========================================================================
id                    meaning
====================  =========================================================================
0 ``PAD``             padding after the end of a sequence (never predicted; loss ignores it)
1 ``BOS``             start of sequence: the input before step 0 (never predicted)
2 ``HOLD``            the note sounding at the previous step continues
3 ``REST``            silence (a rest, or the end of the previous note)
4 .. 64 ``NOTE(p)``   a note starts: normalised MIDI pitch ``p = id - 4 + PITCH_LO`` (36..96)
====================  =========================================================================

A note of n steps is ``NOTE(p)`` followed by n-1 ``HOLD``; repeated notes are two ``NOTE``
events. ``HOLD`` after ``REST`` or ``BOS`` is invalid (generation masks it; decoding reads it as a
rest). Normalised pitches outside 36..96 are folded by octaves into the range.

Per-step conditions, each an int64 array as long as the events, or one value per sequence:

- ``chords[t]``: chord-class id sounding at step t (0 = none, 1 + root * 6 + quality; see
  :mod:`tunesmith.tokens.chords`), root relative to the tonic.
- ``positions[t]``: step within the bar, 0..steps_per_bar-1 (16 in 4/4, 12 in 3/4 and 6/8, 8 in 2/4).
- ``meter``: index into :data:`METERS` ('4/4', '3/4', '6/8', '2/4').
- ``mode``: 0 major, 1 minor (:data:`MODES`; minor-ish modes such as dorian count as minor).
- ``style``: index into :data:`STYLES`.
- form (:func:`form_conditions`): ``phrase[t]``, the bar within an 8-bar strain, and ``backK[t]``,
  the event K = 1, 2, 4, 8 bars before step t (PAD before the start): what was played a bar, a
  phrase and a strain ago, so repetition and answers can be learned.

Notes are quantised to the grid on encoding (onsets and ends rounded to the nearest step, at
least one step long); melodies already on the grid round-trip exactly (pitch, onset, duration).
Polyphonic input is reduced to its top line (at each onset the highest note; a note is cut where
the next one starts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tunesmith.errors import ControlError
from tunesmith.score import (
    ChordSymbol,
    Metadata,
    Note,
    Score,
    TempoChange,
    TimeSignature,
    Track,
)
from tunesmith.theory.key import Key, key_from_signature
from tunesmith.theory.melodyline import melody_track, top_line
from tunesmith.tokens.chords import (
    METERS,
    STEP_TICKS,
    STEPS_PER_BAR,
    check_meter,
    class_figure,
    classes_per_step,
)

PAD, BOS, HOLD, REST = 0, 1, 2, 3
NOTE_BASE = 4
PITCH_LO, PITCH_HI = 36, 96
N_EVENTS = NOTE_BASE + PITCH_HI - PITCH_LO + 1
MAX_STEPS_PER_BAR = max(STEPS_PER_BAR.values())

MODES = ("major", "minor")
STYLES = ("folk", "celtic", "waltz", "march", "chorale", "chinese", "pop", "lullaby", "ambient", "song")
"""Style tags the melody and chord models are conditioned on (index = style id). A trained
checkpoint records which of them it has seen; see tunesmith.models.rnn.api for the fallbacks.
'song' is the Essen collection's European (mostly German) folk songs."""

PHRASE_BARS = 8
"""Form condition: each step's bar within an 8-bar strain (a pickup counts as the strain's last bar)."""
LOOKBACK_BARS = (1, 2, 4, 8)
"""Form conditions: the event 1, 2, 4 and 8 bars earlier (PAD before the start). A model that sees
what was played a bar, a phrase and a strain ago learns to repeat and answer it (Magenta's lookback
RNN; folk-rnn learns the same from bar lines and repeat signs)."""
METER_ALIASES = {"2/2": "4/4"}
"""Meters read from scores as a known one with the same sixteenth grid (cut-time reels as 4/4)."""

DEFAULT_VELOCITY = 80


def note_event(pitch: int) -> int:
    """Event id of a note-on with normalised MIDI pitch ``pitch`` (folded into 36..96)."""
    while pitch < PITCH_LO:
        pitch += 12
    while pitch > PITCH_HI:
        pitch -= 12
    return NOTE_BASE + pitch - PITCH_LO


def event_pitch(event: int) -> int | None:
    """Normalised MIDI pitch of a note-on event; None for PAD/BOS/HOLD/REST."""
    return event - NOTE_BASE + PITCH_LO if event >= NOTE_BASE else None


def key_shift(tonic: int) -> int:
    """Semitones (-6..+5) that move a key with tonic pitch class ``tonic`` onto C."""
    return (-tonic + 6) % 12 - 6


def mode_index(key: Key) -> int:
    return 1 if key.is_minor else 0


CHINESE_MODES = frozenset({"gong", "shang", "jue", "zhi", "yu"})
SIGNATURE_MODES = frozenset({"dorian", "mixolydian"})
"""Church modes the folk collections write under their signature's major key."""


def model_key(key: Key) -> Key:
    """The key the melody models read ``key`` in: the key its tunes are written in. The Chinese
    collection's songs carry only a key signature, read as its major key, so they were learned
    relative to their gong (do), their final being the mode's (sol in zhi, re in shang). The folk
    collections write their dorian and mixolydian tunes the same way (Nottingham: all 23 dorian and
    65 of 67 mixolydian training tunes under the major key of their signature; O'Neill's and Ryan's
    79 of 89 and 81 of 95). A mode of either kind is therefore asked for in its signature's major
    key (same pitch set, tonic on do); major and minor keys are their own."""
    if key.mode in CHINESE_MODES:
        return key if key.mode == "gong" else type(key).from_fifths(key.fifths, "gong")
    if key.mode in SIGNATURE_MODES:
        return type(key).from_fifths(key.fifths, "major")
    return key


def check_style(style: str) -> str:
    if style not in STYLES:
        raise ControlError("style", f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    return style


def style_of(metadata: Metadata) -> str:
    """The melody style a corpus piece is trained as, from its style tags and source file name."""
    words = {t.lower() for t in metadata.style_tags} | {metadata.source.lower()}
    text = " ".join(sorted(words))
    for needle, style in (
        ("waltz", "waltz"),
        ("chinese", "chinese"),
        ("german", "song"),
        ("chorale", "chorale"),
        ("march", "march"),
        ("irish", "celtic"),
        ("celtic", "celtic"),
        ("scottish", "celtic"),
    ):
        if needle in text:
            return style
    return "folk"


@dataclass
class MelodyEncoding:
    """A melody as events plus its conditions (see the module docstring for every field's ids)."""

    events: npt.NDArray[np.int64]
    chords: npt.NDArray[np.int64]
    positions: npt.NDArray[np.int64]
    meter: str
    mode: str
    style: str
    tonic: int
    """Pitch class of the original key's tonic."""
    start: int = 0
    """Tick of step 0."""
    chord_symbols: list[ChordSymbol] = field(default_factory=list)
    """The original chord symbols (kept so decoding can restore their exact spelling)."""

    @property
    def shift(self) -> int:
        return key_shift(self.tonic)

    @property
    def meter_id(self) -> int:
        return METERS.index(self.meter)

    @property
    def mode_id(self) -> int:
        return MODES.index(self.mode)

    @property
    def style_id(self) -> int:
        return STYLES.index(self.style)

    def __len__(self) -> int:
        return len(self.events)


def _grid(tick: int, start: int) -> int:
    return round((tick - start) / STEP_TICKS)


def positions_for(meter: str, n_steps: int, first_position: int = 0) -> npt.NDArray[np.int64]:
    """Step-in-bar of each step when step 0 falls on ``first_position`` of its bar."""
    per_bar = STEPS_PER_BAR[check_meter(meter)]
    return (np.arange(n_steps, dtype=np.int64) + first_position) % per_bar


def encode_melody(
    notes: list[Note],
    chords: list[ChordSymbol],
    key: Key,
    meter: str,
    style: str = "folk",
    *,
    start: int = 0,
    end: int | None = None,
    bar_origin: int = 0,
) -> MelodyEncoding:
    """Encode a melody from ``start`` to ``end`` ticks (default: its last note's end).

    ``bar_origin`` is a tick where a bar begins (positions are counted from it); ``chords`` are the
    chord symbols over the melody; ``key`` gives the normalisation and the mode condition.
    """
    meter = check_meter(meter)
    check_style(style)
    key = model_key(key)
    line = top_line([n for n in notes if n.end > start and (end is None or n.start < end)], cut=True)
    last = max((n.end for n in line), default=start) if end is None else end
    n_steps = max(0, _grid(last, start))
    events = np.full(n_steps, REST, dtype=np.int64)
    shift = key_shift(key.tonic)
    for n in line:
        a = max(0, _grid(n.start, start))
        b = min(n_steps, max(a + 1, _grid(n.end, start)))
        if a >= n_steps:
            continue
        events[a] = note_event(n.pitch + shift)
        events[a + 1 : b] = HOLD
    first_position = ((start - bar_origin) // STEP_TICKS) % STEPS_PER_BAR[meter]
    return MelodyEncoding(
        events=events,
        chords=classes_per_step(chords, key.tonic, start, n_steps),
        positions=positions_for(meter, n_steps, first_position),
        meter=meter,
        mode=MODES[mode_index(key)],
        style=style,
        tonic=key.tonic,
        start=start,
        chord_symbols=sorted(chords, key=lambda c: c.tick),
    )


def score_key(score: Score) -> Key:
    """The score's first key signature as a Key (C major when it has none)."""
    signature = score.key_at(0)
    return key_from_signature(signature) if signature is not None else Key(0, "major")


def bar_origin(score: Score) -> int:
    """A tick where a bar begins. Scores read from ABC or MusicXML start with the pickup (anacrusis)
    at tick 0, so the bar lines sit at pickup + k * bar: when the score has chord symbols, the
    phase most of them fall on (chords change on downbeats far more than elsewhere) marks the bar
    line; otherwise the first time signature's tick."""
    signature = score.time_signature_at(0)
    bar = signature.bar_ticks
    phases = [c.tick % bar for c in score.chords if c.tick % STEP_TICKS == 0]
    if not phases or bar <= 0:
        return signature.tick
    values, counts = np.unique(np.array(phases), return_counts=True)
    return int(values[int(np.argmax(counts))])


def score_meter(score: Score) -> str:
    """The score's first meter, if the models know it (directly or by :data:`METER_ALIASES`;
    ControlError otherwise)."""
    signature = score.time_signature_at(0)
    text = f"{signature.numerator}/{signature.denominator}"
    return check_meter(METER_ALIASES.get(text, text))


def phrase_positions(meter: str, n_steps: int, first_position: int = 0) -> npt.NDArray[np.int64]:
    """Each step's bar within its 8-bar strain (:data:`PHRASE_BARS`), counted from the first full
    bar; the steps of a pickup (``first_position`` > 0) belong to bar -1, the strain's last."""
    per_bar = STEPS_PER_BAR[check_meter(meter)]
    bar = (np.arange(n_steps, dtype=np.int64) + first_position) // per_bar - (1 if first_position else 0)
    return bar % PHRASE_BARS


def lookback_name(bars: int) -> str:
    return f"back{bars}"


def lookback(events: npt.NDArray[np.int64] | list[int], meter: str, bars: int) -> npt.NDArray[np.int64]:
    """The event ``bars`` bars before each step (PAD where that is before step 0)."""
    distance = bars * STEPS_PER_BAR[check_meter(meter)]
    values = np.asarray(events, dtype=np.int64)
    out = np.full(len(values), PAD, dtype=np.int64)
    if distance < len(values):
        out[distance:] = values[: len(values) - distance]
    return out


def form_conditions(enc: MelodyEncoding) -> dict[str, npt.NDArray[np.int64]]:
    """The form-carrying step conditions of an encoding: ``phrase`` and ``back1`` .. ``back8``."""
    per_bar = STEPS_PER_BAR[enc.meter]
    first = int(enc.positions[0]) if len(enc.positions) else 0
    out = {"phrase": phrase_positions(enc.meter, len(enc.events), first % per_bar)}
    for bars in LOOKBACK_BARS:
        out[lookback_name(bars)] = lookback(enc.events, enc.meter, bars)
    return out


def meter_span_end(score: Score) -> int | None:
    """Tick of the first change to a different meter (None when the meter never changes)."""
    first = score.time_signature_at(0)
    for ts in sorted(score.time_signatures, key=lambda t: t.tick):
        if ts.tick > first.tick and (ts.numerator, ts.denominator) != (first.numerator, first.denominator):
            return ts.tick
    return None


def encode_score(
    score: Score, style: str | None = None, track: Track | None = None, end: int | None = None
) -> MelodyEncoding:
    """Encode a Score's melody (``track`` or theory.melodyline's :func:`melody_track`) with its
    chords, first key and first meter, up to ``end`` ticks (default: the last note); ``style`` defaults to
    :func:`style_of` its metadata; bar positions follow :func:`bar_origin`."""
    source = track if track is not None else melody_track(score)
    return encode_melody(
        source.notes,
        score.chords,
        score_key(score),
        score_meter(score),
        style or style_of(score.metadata),
        start=0,
        end=end,
        bar_origin=bar_origin(score),
    )


def decode_events(events: list[int] | npt.NDArray[np.int64], shift: int, start: int = 0,
                  velocity: int = DEFAULT_VELOCITY) -> list[Note]:
    """Notes (absolute MIDI pitch, ticks from ``start``) of an event sequence normalised by ``shift``."""
    notes: list[Note] = []
    current: Note | None = None
    for i, ev in enumerate(int(e) for e in events):
        if ev == HOLD and current is not None:
            current.duration += STEP_TICKS
            continue
        current = None
        if ev >= NOTE_BASE:
            current = Note(ev - NOTE_BASE + PITCH_LO - shift, start + i * STEP_TICKS, STEP_TICKS, velocity)
            notes.append(current)
    return notes


def decode(enc: MelodyEncoding) -> list[Note]:
    """The melody's notes in the original key."""
    return decode_events(enc.events, enc.shift, enc.start)


def decode_score(enc: MelodyEncoding, bpm: float = 120.0, program: int = 0) -> Score:
    """A Score with the melody track, its meter, key, tempo and chord symbols (the original
    symbols when the encoding kept them, else symbols spelled from the chord-class conditions)."""
    key = Key(enc.tonic, enc.mode)
    numerator, denominator = (int(x) for x in enc.meter.split("/"))
    chords = list(enc.chord_symbols)
    if not chords:
        previous = -1
        for i, cid in enumerate(int(c) for c in enc.chords):
            if cid != previous:
                chords.append(ChordSymbol(enc.start + i * STEP_TICKS, class_figure(cid, key)))
                previous = cid
    return Score(
        tracks=[Track("melody", program, False, decode(enc))],
        tempos=[TempoChange(0, bpm)],
        time_signatures=[TimeSignature(0, numerator, denominator)],
        key_signatures=[key.to_signature(0)],
        chords=chords,
        metadata=Metadata(style_tags=[enc.style], source="tunesmith melody tokens"),
    )


def vocabulary() -> dict[str, object]:
    """The token and condition vocabularies, stored in checkpoints so a model's inputs are known."""
    return {
        "events": {"PAD": PAD, "BOS": BOS, "HOLD": HOLD, "REST": REST, "NOTE_BASE": NOTE_BASE,
                   "PITCH_LO": PITCH_LO, "PITCH_HI": PITCH_HI, "n_events": N_EVENTS},
        "step_ticks": STEP_TICKS,
        "meters": list(METERS),
        "modes": list(MODES),
        "styles": list(STYLES),
        "phrase_bars": PHRASE_BARS,
        "lookback_bars": list(LOOKBACK_BARS),
    }
