"""Voice leading for the arranger: voice a chord close to the previous voicing, and place a bass.

``voice_chord`` searches the voicings whose voices each stay within a fifth of where they were,
and keeps the cheapest by a cost that encodes the textbook rules: move little (common tones cost
nothing to hold), sound the root, third and seventh, do not double the seventh or (much) the third,
no parallel fifths or octaves (heavily between the outer voices), no crossed voices, no gaps wider
than an octave between upper voices, and stay inside ``low``..``high``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from tunesmith.errors import ControlError
from tunesmith.theory.chord import Chord

MAX_VOICES = 6
_SEARCH_RADIUS = 7  # semitones a voice may move in one step
# Nearest chord tones tried per voice; fewer for many voices to bound the search (5**4, 4**5, 3**6).
_CANDIDATES_PER_VOICE = {1: 5, 2: 5, 3: 5, 4: 5, 5: 4}

_MISSING_ESSENTIAL = 12.0
_MISSING_FIFTH = 1.5
_MISSING_OTHER = 2.0
_DOUBLED_SEVENTH = 6.0
_DOUBLED_THIRD = 1.0
_OUTER_PARALLEL = 12.0
_INNER_PARALLEL = 4.0
_CROSSING = 20.0
_UNISON = 4.0
_WIDE_GAP = 3.0
_LEAP = 0.5  # extra cost per semitone beyond a third


def _tone_roles(chord: Chord) -> dict[int, str]:
    """Role of each chord pitch class: 'root', 'third', 'fifth', 'seventh' or 'other'."""
    roles: dict[int, str] = {}
    for interval, pc in zip(chord.intervals, chord.pitch_classes(), strict=False):
        if interval == 0:
            role = "root"
        elif interval in (3, 4) or (interval in (2, 5) and chord.quality.startswith(("sus", "7sus"))):
            role = "third"  # a suspension stands in for the third
        elif interval in (6, 7, 8):
            role = "fifth"
        elif interval in (9, 10, 11) and chord.quality not in ("6", "min6", "6/9"):
            role = "seventh"
        else:
            role = "other"
        roles.setdefault(pc, role)
    return roles


def _check(low: int, high: int, n_voices: int) -> None:
    if not 1 <= n_voices <= MAX_VOICES:
        raise ControlError("voices", f"n_voices must be 1-{MAX_VOICES}, got {n_voices}")
    if not 0 <= low < high <= 127 or high - low < 12:
        raise ControlError("register", f"low {low} and high {high} must be MIDI pitches >= an octave apart")


def bass_note(chord: Chord, low: int = 28, high: int = 48, previous: int | None = None) -> int:
    """The chord's bass (slash bass, else root) inside ``low``..``high``: the octave nearest
    ``previous`` when given (smooth bass lines), else the lowest that fits."""
    if high - low < 11:
        raise ControlError("register", f"bass range {low}-{high} is narrower than an octave")
    pc = chord.bass_pc
    options = [p for p in range(low, high + 1) if p % 12 == pc]
    if previous is not None:
        return min(options, key=lambda p: (abs(p - previous), p))
    return options[0]


def _priority_tones(chord: Chord, n_voices: int) -> list[int]:
    """Pitch classes for a fresh voicing: root, third, seventh, fifth, others; doubled root/fifth."""
    roles = _tone_roles(chord)
    order = {"root": 0, "third": 1, "seventh": 2, "fifth": 3, "other": 4}
    pcs = sorted(roles, key=lambda pc: (order[roles[pc]], pc))
    if n_voices < len(pcs):
        return pcs[:n_voices]
    doubles = [pc for pc in pcs if roles[pc] in ("root", "fifth")] or pcs
    out = list(pcs)
    for i in range(n_voices - len(pcs)):
        out.append(doubles[i % len(doubles)])
    return out


def _fresh_voicing(chord: Chord, low: int, high: int, n_voices: int) -> list[int]:
    """Close position centred in the register, the root lowest when it fits (else an inversion)."""
    tones = _priority_tones(chord, n_voices)
    centre = (low + high) / 2
    best: tuple[tuple[bool, float], list[int]] | None = None
    for start in range(low, high + 1):
        if start % 12 not in tones:
            continue
        voicing = [start]
        remaining = list(tones)
        remaining.remove(start % 12)
        while remaining:  # stack upward, each time the nearest tone still to place
            pc = min(remaining, key=lambda q: (q - voicing[-1] - 1) % 12)
            remaining.remove(pc)
            voicing.append(voicing[-1] + 1 + (pc - voicing[-1] - 1) % 12)
        if voicing[-1] > high:
            continue
        rank = (start % 12 != chord.root, abs(sum(voicing) / len(voicing) - centre))
        if best is None or rank < best[0]:
            best = (rank, voicing)
    if best is None:  # too many voices for the register: fold them into it
        return sorted(low + (pc - low) % 12 for pc in tones)
    return best[1]


def _parallel(a0: int, a1: int, b0: int, b1: int) -> bool:
    """Voices a and b move in parallel perfect fifths or octaves/unisons from (a0, b0) to (a1, b1)."""
    if a0 == a1 or b0 == b1:
        return False
    before = abs(a0 - b0) % 12
    after = abs(a1 - b1) % 12
    same_direction = (a1 - a0) * (b1 - b0) > 0
    return same_direction and before == after and before in (0, 7)


def _cost(roles: dict[int, str], previous: Sequence[int], voicing: Sequence[int]) -> float:
    cost = 0.0
    for p0, p1 in zip(previous, voicing, strict=True):
        step = abs(p1 - p0)
        cost += step + _LEAP * max(0, step - 4)
    present = [p % 12 for p in voicing]
    for pc, role in roles.items():
        count = present.count(pc)
        if count == 0:
            cost += {"root": _MISSING_ESSENTIAL, "third": _MISSING_ESSENTIAL, "seventh": _MISSING_ESSENTIAL,
                     "fifth": _MISSING_FIFTH}.get(role, _MISSING_OTHER)  # fmt: skip
        elif count > 1 and role == "seventh":
            cost += _DOUBLED_SEVENTH * (count - 1)
        elif count > 1 and role == "third":
            cost += _DOUBLED_THIRD * (count - 1)
    n = len(voicing)
    for i in range(n - 1):
        if voicing[i + 1] < voicing[i]:
            cost += _CROSSING
        elif voicing[i + 1] == voicing[i]:
            cost += _UNISON
        if i >= 1 and voicing[i + 1] - voicing[i] > 12:
            cost += _WIDE_GAP
    for i, j in itertools.combinations(range(n), 2):
        if _parallel(previous[i], voicing[i], previous[j], voicing[j]):
            cost += _OUTER_PARALLEL if (i == 0 and j == n - 1) else _INNER_PARALLEL
    return cost


def voice_chord(
    chord: Chord,
    previous_voicing: Sequence[int] | None = None,
    low: int = 48,
    high: int = 76,
    n_voices: int = 4,
) -> list[int]:
    """MIDI pitches (ascending) voicing ``chord`` with ``n_voices`` voices inside ``low``..``high``.

    Without ``previous_voicing`` (or with one of another size) the chord is set in close position,
    root lowest, in the middle of the register. Otherwise each voice moves to a nearby chord tone:
    common tones are held, parallel fifths and octaves are avoided where the chord allows, and
    root, third and seventh sound whenever there are voices enough."""
    _check(low, high, n_voices)
    if previous_voicing is None or len(previous_voicing) != n_voices:
        return _fresh_voicing(chord, low, high, n_voices)
    previous = sorted(previous_voicing)
    roles = _tone_roles(chord)
    chord_pcs = set(roles)
    options: list[list[int]] = []
    for p0 in previous:
        near = [p for p in range(max(low, p0 - _SEARCH_RADIUS), min(high, p0 + _SEARCH_RADIUS) + 1)
                if p % 12 in chord_pcs]  # fmt: skip
        if not near:  # the previous note lies far outside the register: any chord tone inside it
            near = [p for p in range(low, high + 1) if p % 12 in chord_pcs]
        near.sort(key=lambda p: (abs(p - p0), p))
        options.append(near[: _CANDIDATES_PER_VOICE.get(n_voices, 3)])
    best: tuple[float, list[int]] | None = None
    for combo in itertools.product(*options):
        cost = _cost(roles, previous, combo)
        if best is None or cost < best[0]:
            best = (cost, list(combo))
    assert best is not None
    return sorted(best[1])


def voice_progression(
    chords: Sequence[Chord], low: int = 48, high: int = 76, n_voices: int = 4
) -> list[list[int]]:
    """Voicings for a whole progression, each led smoothly from the one before."""
    out: list[list[int]] = []
    previous: list[int] | None = None
    for chord in chords:
        previous = voice_chord(chord, previous, low, high, n_voices)
        out.append(previous)
    return out
