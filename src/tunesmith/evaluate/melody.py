"""Which notes of a Score count as its melody, and the bar/beat grid the metrics measure on.

The melody is one track reduced to a single line (the "skyline": the highest note of each onset),
so chorales (soprano on top), lead sheets and composed arrangements are all measured alike.
Times are ticks at ``TICKS_PER_QUARTER``; the metric grid is the sixteenth note (``STEP`` ticks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tunesmith.errors import ControlError
from tunesmith.score import TICKS_PER_QUARTER, Note, Score, TimeSignature, Track

STEP = TICKS_PER_QUARTER // 4
"""Ticks per sixteenth note: the grid of the rhythm and repetition metrics."""

_MELODY_NAMES = ("melody", "lead", "soprano", "tune")
"""Track names that mark the melody of a composed or imported piece, checked before pitch height."""


def choose_melody(
    names: Sequence[str], drums: Sequence[bool], mean_pitches: Sequence[float | None]
) -> int | None:
    """Index of the melody among tracks described by name, drum flag and mean pitch (None: no notes):
    a non-drum track whose name says melody/lead/soprano/tune, else the non-drum track with the
    highest mean pitch (the first of equals); None when no pitched track has notes."""
    pitched = [i for i in range(len(names)) if not drums[i] and mean_pitches[i] is not None]
    if not pitched:
        return None
    for i in pitched:
        if any(word in names[i].lower() for word in _MELODY_NAMES):
            return i
    return max(pitched, key=lambda i: (mean_pitches[i], -i))


def melody_track(score: Score, name: str | None = None) -> Track | None:
    """The melody track: the one called ``name`` (case-insensitive), else as :func:`choose_melody`
    says. None when the piece has no pitched notes.

    Raises ControlError when ``name`` is given and no track has it.
    """
    if name is not None:
        for track in score.tracks:
            if track.name.lower() == name.lower():
                return track
        known = ", ".join(repr(t.name) for t in score.tracks) or "none"
        raise ControlError("track", f"no track named {name!r} (tracks: {known})")
    chosen = choose_melody(
        [t.name for t in score.tracks],
        [t.is_drum for t in score.tracks],
        [sum(n.pitch for n in t.notes) / len(t.notes) if t.notes else None for t in score.tracks],
    )
    return None if chosen is None else score.tracks[chosen]


def skyline(notes: Iterable[Note]) -> list[Note]:
    """One note per onset, the highest, sorted by onset: a polyphonic track read as a single line."""
    best: dict[int, Note] = {}
    for note in notes:
        kept = best.get(note.start)
        if kept is None or note.pitch > kept.pitch:
            best[note.start] = note
    return [best[t] for t in sorted(best)]


def melody_notes(score: Score, track: str | None = None) -> list[Note]:
    """The melody line of ``score`` (see :func:`melody_track`) as a skyline, sorted by onset."""
    chosen = melody_track(score, track)
    return skyline(chosen.notes) if chosen is not None else []


def pickup_ticks(score: Score) -> int:
    """Length in ticks of an unmarked pickup (anacrusis) before the first full bar; 0 when none.

    A Score has no anacrusis field, and the readers start a pickup's notes at tick 0 under the full
    meter, which would put every "strong beat" in the wrong place. Two clues reveal the true
    barlines: a later meter change (it sits on a barline: the ABC sources mark short bars with one),
    else the first chord symbol when it comes within the first bar (chords change on downbeats).
    """
    sigs = sorted(score.time_signatures, key=lambda t: t.tick)
    first = sigs[0] if sigs and sigs[0].tick == 0 else TimeSignature(0, 4, 4)
    bar = max(1, first.bar_ticks)
    later = [t.tick for t in sigs if t.tick > 0]
    if later:
        return later[0] % bar
    if score.chords:
        tick = min(c.tick for c in score.chords)
        return tick if 0 < tick < bar else 0
    return 0


def bars(score: Score, until: int) -> list[tuple[int, int, TimeSignature]]:
    """(start tick, length in ticks, time signature) of every full bar that begins before ``until``,
    from the end of the pickup (see :func:`pickup_ticks`; the pickup itself is not a bar here).
    Each meter change starts a new bar; a bar cut short by one is as long as it lasts."""
    sigs = sorted(score.time_signatures, key=lambda t: t.tick)
    if not sigs or sigs[0].tick > 0:
        sigs.insert(0, TimeSignature(0, 4, 4))
    pickup = pickup_ticks(score)
    if pickup >= until:
        pickup = 0  # nothing after the supposed pickup: measure from the start
    out: list[tuple[int, int, TimeSignature]] = []
    for i, sig in enumerate(sigs):
        step = max(1, sig.bar_ticks)
        tick = pickup if i == 0 else sig.tick
        stop = sigs[i + 1].tick if i + 1 < len(sigs) else None
        while tick < until and (stop is None or tick < stop):
            out.append((tick, step if stop is None else min(step, stop - tick), sig))
            tick += step
    return out or [(0, max(1, sigs[0].bar_ticks), sigs[0])]


def is_compound(sig: TimeSignature) -> bool:
    """6/8, 9/8, 12/8 (and 6/4 …): beats are dotted, three units each."""
    return sig.numerator % 3 == 0 and sig.numerator > 3


def beat_ticks(sig: TimeSignature) -> int:
    """Length of one felt beat: the dotted unit in compound meters, else the denominator's unit."""
    unit = TICKS_PER_QUARTER * 4 // sig.denominator
    return unit * 3 if is_compound(sig) else unit


def strong_beat_offsets(sig: TimeSignature) -> list[int]:
    """Ticks after the barline of the strong beats: beat 1, plus the middle beat when the bar has an
    even number of beats of at least 4 simple or 2 compound (1 and 3 of 4/4, 1 of 3/4 and 2/4,
    1 and 4 of 6/8, 1 and 7 of 12/8)."""
    beat = beat_ticks(sig)
    beats = sig.numerator // 3 if is_compound(sig) else sig.numerator
    offsets = [0]
    if beats % 2 == 0 and (beats >= 4 or (is_compound(sig) and beats >= 2)):
        offsets.append(beats // 2 * beat)
    return offsets
