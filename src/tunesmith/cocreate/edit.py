"""Hand edits of one track: add, move, delete and lengthen notes, checked and applied as one step.

A note to change is named by its pitch and onset tick in the version being edited (what the page's
piano roll shows), not by a list index, so an edit means the same note however a track is sorted.
An edit is a revision step like any other (tunesmith.cocreate.revise): it is stored in the piece's
JSON and replayed note for note, so a hand-edited version regenerates exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tunesmith.errors import ControlError
from tunesmith.score import Note, Track

OPS = ("add", "delete", "move", "resize")
MAX_EDITS = 200
"""Operations in one step: a page sends what one person changed before saving."""
MAX_BARS_LONG = 8
"""A note lasts at most this many bars (a drone over a whole piece is not a hand edit)."""


@dataclass(frozen=True)
class Edit:
    """``add`` a note (pitch, start, duration, velocity); ``delete``, ``move`` (to_pitch, to_start)
    or ``resize`` (duration) the note at (pitch, start)."""

    op: str
    pitch: int
    start: int
    duration: int | None = None
    velocity: int | None = None
    to_pitch: int | None = None
    to_start: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: Any) -> Edit:
        if not isinstance(data, dict):
            raise ControlError("edits", "each edit must be an object like {op, pitch, start, ...}")
        unknown = set(data) - {"op", "pitch", "start", "duration", "velocity", "to_pitch", "to_start"}
        if unknown:
            raise ControlError(
                "edits", f"unknown edit field(s): {', '.join(sorted(map(str, unknown)))[:200]}"
            )
        op = data.get("op")
        if op not in OPS:
            raise ControlError("edits", f"op {str(op)[:40]!r} is not one of {', '.join(OPS)}")
        values: dict[str, int | None] = {}
        for name in ("pitch", "start", "duration", "velocity", "to_pitch", "to_start"):
            raw = data.get(name)
            if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int)):
                raise ControlError("edits", f"{op}: {name} must be a whole number, not {str(raw)[:40]!r}")
            values[name] = raw
        if values["pitch"] is None or values["start"] is None:
            raise ControlError("edits", f"{op}: pitch and start are required")
        need = {"add": ("duration",), "move": ("to_pitch", "to_start"), "resize": ("duration",)}.get(op, ())
        missing = [n for n in need if values[n] is None]
        if missing:
            raise ControlError("edits", f"{op}: {', '.join(missing)} required")
        return cls(op, values["pitch"], values["start"], values["duration"], values["velocity"],
                   values["to_pitch"], values["to_start"])  # fmt: skip


def parse_edits(raw: Any) -> tuple[Edit, ...]:
    """A list of edit objects as Edits; ControlError for anything else or too many."""
    if not isinstance(raw, list | tuple) or not raw:
        raise ControlError("edits", "give a non-empty list of edits")
    if len(raw) > MAX_EDITS:
        raise ControlError("edits", f"{len(raw)} edits in one step; allowed: at most {MAX_EDITS}")
    return tuple(e if isinstance(e, Edit) else Edit.from_dict(e) for e in raw)


def _check_note(i: int, pitch: int, start: int, duration: int, velocity: int, end: int, bar: int) -> None:  # noqa: PLR0917 (one note's fields)
    where = f"edit {i + 1}"
    if not 0 <= pitch <= 127:
        raise ControlError("edits", f"{where}: pitch {pitch} is outside 0-127")
    if not 0 <= start < end:
        raise ControlError("edits", f"{where}: start {start} is outside the piece (ticks 0-{end - 1})")
    if not 1 <= duration <= MAX_BARS_LONG * bar:
        raise ControlError("edits", f"{where}: duration {duration} ticks; allowed: 1-{MAX_BARS_LONG * bar}")
    if start + duration > end + bar:
        raise ControlError("edits", f"{where}: the note would ring on past the end of the piece")
    if not 1 <= velocity <= 127:
        raise ControlError("edits", f"{where}: velocity {velocity} is outside 1-127")


def apply_edits(track: Track, edits: tuple[Edit, ...], end: int, bar: int, velocity: int) -> Track:
    """A copy of ``track`` with ``edits`` applied in order; ``end`` is the piece's last tick, new
    notes without a velocity get ``velocity``. ControlError names the first edit that cannot apply."""
    notes = [Note(n.pitch, n.start, n.duration, n.velocity) for n in track.notes]
    for i, e in enumerate(edits):
        if e.op == "add":
            vel = velocity if e.velocity is None else e.velocity
            assert e.duration is not None
            _check_note(i, e.pitch, e.start, e.duration, vel, end, bar)
            notes.append(Note(e.pitch, e.start, e.duration, vel))
            continue
        found = next((n for n in notes if n.pitch == e.pitch and n.start == e.start), None)
        if found is None:
            raise ControlError(
                "edits",
                f"edit {i + 1} ({e.op}): the {track.name} track has no note of pitch {e.pitch} "
                f"starting at tick {e.start} in this version",
            )
        if e.op == "delete":
            notes.remove(found)
            continue
        pitch = e.to_pitch if e.op == "move" and e.to_pitch is not None else found.pitch
        start = e.to_start if e.op == "move" and e.to_start is not None else found.start
        duration = e.duration if e.op == "resize" and e.duration is not None else found.duration
        vel = e.velocity if e.velocity is not None else found.velocity
        _check_note(i, pitch, start, duration, vel, end, bar)
        found.pitch, found.start, found.duration, found.velocity = pitch, start, duration, vel
    notes.sort(key=lambda n: (n.start, n.pitch))
    return Track(track.name, track.program, track.is_drum, notes, list(track.bends))


def role(track: Track) -> str:
    """A track's role: its name before the instrument ("melody (Violin)" -> "melody"), or drums."""
    return "drums" if track.is_drum else track.name.split(" (")[0]


def find_track(tracks: list[Track], name: str) -> int:
    """Index of the track called ``name`` (its full name, or its role when only one track has it)."""
    exact = [i for i, t in enumerate(tracks) if t.name == name]
    by_role = [i for i, t in enumerate(tracks) if role(t) == name]
    found = exact or by_role
    if len(found) != 1:
        names = ", ".join(t.name for t in tracks)
        why = "has no track" if not found else "has several tracks called"
        raise ControlError("track", f"the piece {why} {name[:60]!r} (its tracks: {names})")
    return found[0]
