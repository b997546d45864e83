"""The melody of a Score: which track holds it, and its top line (one note at a time).

One definition for the whole project (composing, tokenising, evaluating, harmonising):

- the melody track is a non-drum track with notes whose name says melody, lead, soprano or tune
  (or canto, cantus, superius: the top voice of Renaissance and medieval part-books); else the
  one with the highest mean pitch (a tune sits above its accompaniment; the first of equals), so a
  bass or pad listed first is never taken for the tune, nor a horn doubling a chorale's soprano;
- the top line keeps, at each onset, the highest sounding note (a silent, zero-length note is no
  onset); ``cut=True`` also ends each note where the next onset begins, so the line never overlaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tunesmith.errors import ControlError
from tunesmith.score import Note, Score, Track

MELODY_NAMES = ("melody", "lead", "soprano", "tune", "canto", "cantus", "superius")
"""Words in a track name that mark the melody, checked before pitch height."""


def choose_melody(
    names: Sequence[str], drums: Sequence[bool], mean_pitches: Sequence[float | None]
) -> int | None:
    """Index of the melody among tracks described by name, drum flag and mean pitch (None: no
    notes), by the rule in the module docstring; None when no pitched track has notes."""
    pitched = [i for i in range(len(names)) if not drums[i] and mean_pitches[i] is not None]
    if not pitched:
        return None
    for i in pitched:
        if any(word in names[i].lower() for word in MELODY_NAMES):
            return i
    return max(pitched, key=lambda i: (mean_pitches[i], -i))


def find_melody_track(score: Score, name: str | None = None) -> Track | None:
    """The track called ``name`` (case-insensitive), else the melody track as :func:`choose_melody`
    says; None when the piece has no pitched notes. ControlError when ``name`` names no track."""
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


def melody_track(score: Score, name: str | None = None) -> Track:
    """:func:`find_melody_track`, or ControlError when the score has no pitched notes."""
    track = find_melody_track(score, name)
    if track is None:
        raise ControlError("melody", "the score has no pitched notes to take a melody from")
    return track


def top_line(notes: Iterable[Note], *, cut: bool = False) -> list[Note]:
    """The highest note at each onset, sorted by onset (the notes themselves, or with ``cut`` new
    notes that end at the next onset)."""
    best: dict[int, Note] = {}
    for note in notes:
        if note.duration <= 0:
            continue
        kept = best.get(note.start)
        if kept is None or note.pitch > kept.pitch:
            best[note.start] = note
    line = [best[t] for t in sorted(best)]
    if not cut:
        return line
    out: list[Note] = []
    for i, n in enumerate(line):
        end = n.end if i + 1 == len(line) else min(n.end, line[i + 1].start)
        out.append(Note(n.pitch, n.start, end - n.start, n.velocity))
    return out


def melody_notes(score: Score, track: str | None = None) -> list[Note]:
    """The melody of ``score`` (``track``, else :func:`find_melody_track`) as a top line."""
    chosen = find_melody_track(score, track)
    return top_line(chosen.notes) if chosen is not None else []
