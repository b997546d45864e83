"""Four-part (SATB) writing rules: find the faults a harmony teacher marks.

A setting is sliced at every onset of any voice; each slice holds the pitch each voice sounds
(None while it rests). Rules compare a slice with the next one (parallels, resolutions) or look
at one slice (ranges, spacing, crossing, doubling, chord tones); the cadence rule looks at the
last two. Every fault names its kind, the bar (1-based) and beat, the voices, and a sentence a
student understands. Pitches are MIDI numbers, times ticks at the Score's PPQ.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from tunesmith.errors import InputFileError
from tunesmith.score import TICKS_PER_QUARTER, Note, Score
from tunesmith.theory.key import Key
from tunesmith.theory.meter import Meter
from tunesmith.theory.pitch import pitch_name

VOICES = ("soprano", "alto", "tenor", "bass")
RANGES = {"soprano": (60, 81), "alto": (55, 74), "tenor": (48, 69), "bass": (40, 62)}
"""Comfortable ranges (MIDI): soprano C4–A5, alto G3–D5, tenor C3–A4, bass E2–D4."""
MAX_SPACING = {("soprano", "alto"): 12, ("alto", "tenor"): 12, ("tenor", "bass"): 19}
"""Widest gap between neighbouring voices: an octave in the upper voices, a twelfth to the bass."""

FAULT_KINDS = (
    "parallel fifths",
    "parallel octaves",
    "range",
    "spacing",
    "crossing",
    "chord tones",
    "doubled leading tone",
    "leading tone",
    "seventh",
    "cadence",
)

_COMMON = ((0, 4, 7), (0, 3, 7), (0, 4, 7, 10))
Add = Callable[[str, int, tuple[str, ...], str], None]
Name = Callable[[int], str]

_TRIADS = ((0, 4, 7), (0, 3, 7), (0, 3, 6), (0, 4, 8))
_SEVENTHS = ((0, 4, 7, 10), (0, 3, 7, 10), (0, 3, 6, 10), (0, 3, 6, 9), (0, 4, 7, 11))


@dataclass(frozen=True, slots=True)
class Slice:
    """What the four voices sound from ``tick`` until the next slice (None: the voice rests)."""

    tick: int
    pitches: tuple[int | None, int | None, int | None, int | None]
    attacked: tuple[bool, bool, bool, bool]


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    bar: int
    beat: float
    tick: int
    voices: tuple[str, ...]
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "bar": self.bar,
            "beat": self.beat,
            "voices": list(self.voices),
            "message": self.message,
        }


def four_voices(score: Score) -> list[list[Note]]:
    """Soprano, alto, tenor and bass notes of ``score``: four parts ordered by mean pitch, or one
    or two parts of chords split by pitch at each onset (four notes per chord)."""
    parts = [sorted(t.notes, key=lambda n: n.start) for t in score.tracks if not t.is_drum and t.notes]
    if len(parts) > 4:  # e.g. a doubling instrument: keep the four parts that look like SATB
        parts = sorted(parts, key=len, reverse=True)[:4]
    if len(parts) == 4:
        return sorted(parts, key=lambda ns: -sum(n.pitch for n in ns) / len(ns))
    if not parts:
        raise InputFileError("answer", "has no notes: write the four voices (soprano, alto, tenor, bass)")
    by_onset: dict[int, list[Note]] = {}
    for note in (n for p in parts for n in p):
        by_onset.setdefault(note.start, []).append(note)
    voices: list[list[Note]] = [[], [], [], []]
    for tick in sorted(by_onset):
        chord = sorted(by_onset[tick], key=lambda n: -n.pitch)
        if len(chord) != 4:
            bar = tick // (4 * TICKS_PER_QUARTER) + 1
            raise InputFileError(
                "answer",
                f"near bar {bar} {len(chord)} notes start together: write four voices (one part each, "
                "or four-note chords)",
            )
        for v, note in enumerate(chord):
            voices[v].append(note)
    return voices


def slices(voices: list[list[Note]]) -> list[Slice]:
    onsets = sorted({n.start for v in voices for n in v})
    out = []
    cursors = [0, 0, 0, 0]
    for tick in onsets:
        pitches: list[int | None] = []
        attacked: list[bool] = []
        for v, notes in enumerate(voices):
            i = cursors[v]
            while i + 1 < len(notes) and notes[i + 1].start <= tick:
                i += 1
            cursors[v] = i
            note = notes[i] if notes and notes[i].start <= tick < notes[i].end else None
            pitches.append(note.pitch if note else None)
            attacked.append(bool(note and note.start == tick))
        out.append(
            Slice(
                tick,
                (pitches[0], pitches[1], pitches[2], pitches[3]),
                (attacked[0], attacked[1], attacked[2], attacked[3]),
            )
        )
    return out


class _Where:
    """Bar and beat of a tick under the score's meters."""

    def __init__(self, score: Score) -> None:
        self.score = score
        self.bars = score.bar_starts(score.end_tick() + 1)

    def __call__(self, tick: int) -> tuple[int, float]:
        i = max(0, bisect.bisect_right(self.bars, tick) - 1)
        ts = self.score.time_signature_at(tick)
        beat_ticks = TICKS_PER_QUARTER * 4 // ts.denominator
        return i + 1, round(1 + (tick - self.bars[i]) / beat_ticks, 2)

    def on_beat(self, tick: int) -> bool:
        """True on a beat: every quarter in 4/4, every dotted quarter in 6/8."""
        ts = self.score.time_signature_at(tick)
        beat = Meter.of(ts).beat_ticks
        bar_start = self.bars[max(0, bisect.bisect_right(self.bars, tick) - 1)]
        return (tick - bar_start) % beat == 0


Chord = tuple[int, tuple[int, ...]]
"""(root pitch class, intervals above it) of a triad or seventh chord."""


def _best_chord(pitches: tuple[int | None, ...], scale: frozenset[int] = frozenset()) -> Chord | None:
    """The triad or seventh chord that explains the most voices of a slice: ties go to the chord
    holding the bass, then to major, minor and dominant-seventh chords over rarer ones, then to
    chords inside ``scale`` (the key's notes), then to the root in the bass, then to the triad.
    None when no chord explains all but one voice (or fewer than two pitch classes sound)."""
    sounding = [p for p in pitches if p is not None]
    pcs = {p % 12 for p in sounding}
    if len(pcs) < 2:
        return None
    bass = (pitches[-1] if pitches[-1] is not None else min(sounding)) % 12
    best: Chord | None = None
    best_rank: tuple[int, ...] = ()
    for shapes, triad in ((_TRIADS, 1), (_SEVENTHS, 0)):
        for root in range(12):
            for shape in shapes:
                tones = {(root + i) % 12 for i in shape}
                covered = sum(p % 12 in tones for p in sounding)
                if covered < len(sounding) - 1 or len(pcs & tones) < 2:
                    continue
                common = int(shape in _COMMON)
                diatonic = int(tones <= scale)
                rank = (covered, int(bass in tones), common, diatonic, int(root == bass), triad)
                if rank > best_rank:
                    best, best_rank = (root, shape), rank
    return best


def _is_dominant_seventh(pcs: set[int]) -> int | None:
    """Root of the dominant-seventh chord these pitch classes spell (root, third and seventh at least)."""
    for root in range(12):
        tones = {root, (root + 4) % 12, (root + 7) % 12, (root + 10) % 12}
        if pcs <= tones and {root, (root + 4) % 12, (root + 10) % 12} <= pcs:
            return root
    return None


def check_four_part(score: Score, key: Key | None = None) -> list[Fault]:
    """Every fault of the four-part setting in ``score`` (key: the score's signature if not given)."""
    voices = four_voices(score)
    if key is None:
        sig = score.key_signatures[0] if score.key_signatures else None
        key = Key.from_fifths(sig.fifths, sig.mode) if sig else Key(0)
    where = _Where(score)
    sl = slices(voices)
    faults: list[Fault] = []

    def add(kind: str, tick: int, names: tuple[str, ...], message: str) -> None:
        bar, beat = where(tick)
        faults.append(Fault(kind, bar, beat, tick, names, message))

    def name(p: int) -> str:
        return pitch_name(p, key)

    for s in sl:
        _single_slice_rules(s, add, name)
    for a, b in itertools.pairwise(sl):
        _parallels(a, b, add, name)
        _resolutions(a, b, key, add, name)
    _chord_tones(sl, where, key, add, name)
    _cadence(sl, key, add)
    faults.sort(key=lambda f: (f.tick, FAULT_KINDS.index(f.kind)))
    return faults


def _single_slice_rules(s: Slice, add: Add, name: Name) -> None:
    p = s.pitches
    if not any(s.attacked):
        return
    for v, voice in enumerate(VOICES):
        lo, hi = RANGES[voice]
        pitch = p[v]
        if pitch is not None and s.attacked[v] and not lo <= pitch <= hi:
            where = "high" if pitch > hi else "low"
            add(
                "range",
                s.tick,
                (voice,),
                f"the {voice}'s {name(pitch)} is too {where}: keep it between {name(lo)} and {name(hi)}",
            )
    for (upper, lower), widest in MAX_SPACING.items():
        u, lw = p[VOICES.index(upper)], p[VOICES.index(lower)]
        if u is None or lw is None:
            continue
        if u < lw:
            add(
                "crossing",
                s.tick,
                (upper, lower),
                f"the {upper} ({name(u)}) is below the {lower} ({name(lw)}): voices must not cross",
            )
        elif u - lw > widest:
            gap = "an octave" if widest == 12 else "a twelfth"
            add(
                "spacing",
                s.tick,
                (upper, lower),
                f"{upper} and {lower} are {u - lw} semitones apart: keep them within {gap}",
            )


def _parallels(a: Slice, b: Slice, add: Add, name: Name) -> None:
    for i in range(4):
        for j in range(i + 1, 4):
            pa, qa, pb, qb = a.pitches[i], a.pitches[j], b.pitches[i], b.pitches[j]
            if None in (pa, qa, pb, qb):
                continue
            assert pa is not None and qa is not None and pb is not None and qb is not None
            moved_i, moved_j = pb - pa, qb - qa
            if moved_i == 0 or moved_j == 0 or (moved_i > 0) != (moved_j > 0):
                continue  # oblique or contrary motion
            ia, ib = (pa - qa) % 12, (pb - qb) % 12
            if ia == ib == 7:
                kind = "parallel fifths"
            elif ia == ib == 0:
                kind = "parallel octaves"
            else:
                continue
            add(
                kind,
                b.tick,
                (VOICES[i], VOICES[j]),
                f"{kind} between {VOICES[i]} and {VOICES[j]} ({name(pa)}–{name(qa)} to "
                f"{name(pb)}–{name(qb)}): move one voice the other way",
            )


def _resolutions(a: Slice, b: Slice, key: Key, add: Add, name: Name) -> None:
    leading = (key.tonic + 11) % 12
    pcs_a = {p % 12 for p in a.pitches if p is not None}
    pcs_b = {p % 12 for p in b.pitches if p is not None}
    dominant = (key.tonic + 7) % 12
    # V, V7 or vii°, holding the leading tone, going to a tonic chord
    scale = key_scale(key)
    chord_a, chord_b = _best_chord(a.pitches, scale), _best_chord(b.pitches, scale)
    a_is_dominant = (
        leading in pcs_a
        and chord_a is not None
        and (
            (chord_a[0] == dominant and chord_a[1] in ((0, 4, 7), (0, 4, 7, 10)))
            or (chord_a[0] == leading and chord_a[1] in ((0, 3, 6), (0, 3, 6, 9), (0, 3, 6, 10)))
        )
    )
    b_is_tonic = chord_b is not None and chord_b[0] == key.tonic and key.tonic in pcs_b
    lt_voices = [v for v, p in enumerate(a.pitches) if p is not None and p % 12 == leading]
    if a_is_dominant and len(lt_voices) > 1 and any(a.attacked[v] for v in lt_voices):
        add(
            "doubled leading tone",
            a.tick,
            tuple(VOICES[v] for v in lt_voices),
            f"the leading tone {name(leading_pitch(a, lt_voices))} is doubled in the "
            f"{' and '.join(VOICES[v] for v in lt_voices)}: never double the leading tone",
        )
    if a_is_dominant and b_is_tonic and 0 in lt_voices:
        p, q = a.pitches[0], b.pitches[0]
        if p is not None and q is not None and q - p != 1:
            add(
                "leading tone",
                b.tick,
                ("soprano",),
                f"the soprano's leading tone {name(p)} should rise to the tonic, not go to {name(q)}",
            )
    root = _is_dominant_seventh(pcs_a)
    if root is not None and pcs_b != pcs_a:
        seventh = (root + 10) % 12
        for v in range(4):
            p, q = a.pitches[v], b.pitches[v]
            if p is None or q is None or p % 12 != seventh or q == p:
                continue
            if not 1 <= p - q <= 2:
                add(
                    "seventh",
                    b.tick,
                    (VOICES[v],),
                    f"the {VOICES[v]}'s {name(p)} is the chord's seventh: it should fall by step, "
                    f"not go to {name(q)}",
                )


def leading_pitch(s: Slice, voices: list[int]) -> int:
    pitch = s.pitches[voices[0]]
    assert pitch is not None
    return pitch


def key_scale(key: Key) -> frozenset[int]:
    """The key's pitch classes; minor keys with their raised sixth and seventh too."""
    pcs = set(key.scale_pcs())
    if key.is_minor:
        pcs |= {(key.tonic + 9) % 12, (key.tonic + 11) % 12}
    return frozenset(pcs)


def _chord_tones(sl: list[Slice], where: _Where, key: Key, add: Add, name: Name) -> None:
    """On each beat, a note outside the chord must be a suspension or be left by step."""
    scale = key_scale(key)
    for k, s in enumerate(sl):
        if not where.on_beat(s.tick):
            continue
        fit = _best_chord(s.pitches, scale)
        if fit is None and len({p % 12 for p in s.pitches if p is not None}) >= 3:
            add(
                "chord tones",
                s.tick,
                VOICES,
                "these four notes do not make a chord: use a triad or a seventh chord on the beat",
            )
            continue
        if fit is None:
            continue
        root, shape = fit
        tones = {(root + i) % 12 for i in shape}
        for v in range(4):
            p = s.pitches[v]
            if p is None or p % 12 in tones or not s.attacked[v]:
                continue
            nxt = next((t.pitches[v] for t in sl[k + 1 :] if t.pitches[v] != p), None)
            if nxt is not None and 1 <= abs(nxt - p) <= 2:
                continue  # an accented passing or neighbour tone, or an appoggiatura
            add(
                "chord tones",
                s.tick,
                (VOICES[v],),
                f"the {VOICES[v]}'s {name(p)} is not in the chord and does not move on by step",
            )


def _cadence(sl: list[Slice], key: Key, add: Add) -> None:
    sounding = [s for s in sl if all(p is not None for p in s.pitches)]
    if len(sounding) < 2:
        return
    last = sounding[-1]
    pcs = {p % 12 for p in last.pitches if p is not None}
    third = {(key.tonic + 3) % 12, (key.tonic + 4) % 12}
    bass = last.pitches[3]
    tonic_triad = {key.tonic, (key.tonic + 7) % 12} | third
    tonic_ok = bass is not None and bass % 12 == key.tonic and pcs <= tonic_triad
    if not tonic_ok:
        add(
            "cadence",
            last.tick,
            ("bass",),
            f"end on the tonic chord of {key.name} with the tonic in the bass",
        )
        return
    before = next(
        (s for s in reversed(sounding[:-1]) if {p % 12 for p in s.pitches if p is not None} != pcs), None
    )
    if before is None:
        return
    b = before.pitches[3]
    if b is not None and (b - key.tonic) % 12 not in (7, 5):
        add(
            "cadence",
            before.tick,
            ("bass",),
            "approach the final tonic from the dominant (V–I) or the subdominant (IV–I)",
        )
