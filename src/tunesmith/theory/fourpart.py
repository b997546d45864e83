"""Four-part (SATB) harmonisation of a soprano line by dynamic programming over voicings per beat.

Rules, not learning, keep the part-writing correct; a chord-transition prior (learned from Bach's
chorales, see tunesmith.models.chord_prior) says which progressions are idiomatic. Per beat the
soprano's note on the beat must be a chord tone; other soprano notes in the beat are passing or
neighbour notes when they move by step (non-chord tones), chord tones otherwise. Every candidate is a
(chord, alto, tenor, bass) voicing inside the SATB ranges with the textbook spacing (at most an octave
between neighbouring upper voices), complete (root and third, and the seventh of a seventh chord), no
doubled leading tone or seventh. Transitions cost voice motion, and forbid parallel or consecutive
fifths and octaves between any two voices; the leading tone rises to the tonic and a seventh falls by
step; cadences land on V–I at phrase ends. The cheapest path through all beats wins (Viterbi).

Chord labels are relative to the key: 'I', 'V7', 'ii', 'V/V' ... with their pitch classes above the
tonic. ``label_chords`` names the chord sounding in each beat of a four-part texture (for measuring
Bach and ourselves the same way); ``parallels`` counts consecutive fifths and octaves.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tunesmith.theory.chord import Chord
from tunesmith.theory.key import Key

# Ranges (MIDI, inclusive): the usual SATB compass.
SOPRANO = (60, 81)
ALTO = (55, 74)
TENOR = (48, 69)
BASS = (40, 62)
RANGES = {"soprano": SOPRANO, "alto": ALTO, "tenor": TENOR, "bass": BASS}

FORBIDDEN = 1000.0
VOICINGS_PER_CHORD = 12
"""The cheapest voicings of each chord kept per beat (by spacing, doubling and register): bounds the
search to about 5 ms a beat."""
FINAL_INVERSION_COST = 6.0
"""Added to an inverted chord on the last two chords of the piece (the final V-I)."""

# Chord vocabularies: label -> (root above the tonic, pitch classes above the tonic).
MAJOR_CHORDS: dict[str, tuple[int, tuple[int, ...]]] = {
    "I": (0, (0, 4, 7)), "ii": (2, (2, 5, 9)), "iii": (4, (4, 7, 11)), "IV": (5, (5, 9, 0)),
    "V": (7, (7, 11, 2)), "vi": (9, (9, 0, 4)), "viio": (11, (11, 2, 5)), "V7": (7, (7, 11, 2, 5)),
    "ii7": (2, (2, 5, 9, 0)), "IV7": (5, (5, 9, 0, 4)), "V/V": (2, (2, 6, 9)), "V7/V": (2, (2, 6, 9, 0)),
    "V/vi": (4, (4, 8, 11)), "V/IV": (0, (0, 4, 7, 10)), "viio/V": (6, (6, 9, 0)),
    # Bach's next chords by frequency (training chorales, 1-2% of beats each): the dominants of vi
    # and ii, vi's leading-tone chord, and the subdominant key's IV and ii.
    "V7/vi": (4, (4, 8, 11, 2)), "V/ii": (9, (9, 1, 4)), "V7/ii": (9, (9, 1, 4, 7)),
    "viio/vi": (8, (8, 11, 2)), "bVII": (10, (10, 2, 5)), "v": (7, (7, 10, 2)),
}  # fmt: skip
MINOR_CHORDS: dict[str, tuple[int, tuple[int, ...]]] = {
    "i": (0, (0, 3, 7)), "iio": (2, (2, 5, 8)), "III": (3, (3, 7, 10)), "iv": (5, (5, 8, 0)),
    "V": (7, (7, 11, 2)), "VI": (8, (8, 0, 3)), "VII": (10, (10, 2, 5)), "viio": (11, (11, 2, 5)),
    "V7": (7, (7, 11, 2, 5)), "iio7": (2, (2, 5, 8, 0)), "v": (7, (7, 10, 2)), "IV": (5, (5, 9, 0)),
    "V/V": (2, (2, 6, 9)), "I": (0, (0, 4, 7)), "V/III": (10, (10, 2, 5, 8)), "iv7": (5, (5, 8, 0, 3)),
    # Bach's next chords in minor (1-3% of beats each): the dominant of iv, the Neapolitan, IV7,
    # the dominant sevenths of VI and V, and the minor chord on VII.
    "V7/iv": (0, (0, 4, 7, 10)), "N": (1, (1, 5, 8)), "IV7": (5, (5, 9, 0, 3)),
    "V7/VI": (3, (3, 7, 10, 1)), "V7/V": (2, (2, 6, 9, 0)), "vii": (10, (10, 1, 5)),
}  # fmt: skip

SOPRANO_RESOLUTION_COST = 4.0
"""A seventh chord under the soprano's seventh, or a secondary dominant under its leading tone, where
the tune then leaves that note otherwise than a seventh falls (by step) or a leading tone rises (a
semitone): the soprano is given, so the chord is the one to change."""
TARGET_COST = 4.0
"""A secondary dominant followed by a chord on another root than the one it is the dominant of (D7
to Em in C: V7/V is for G; a chain V/ii -> V/V -> V goes on by fifths and is fine)."""
FINAL_CADENCE_COST = 8.0
"""The piece's final tonic reached from anything but a dominant (the close must cadence)."""

DOMINANTS = {"V", "V7", "viio"}
TONICS = {"I", "i"}
CADENCE_CHORDS = {"I", "i", "V", "vi", "III"}
"""Chords a phrase may close on: the tonic, the dominant, the relative (Bach's inner cadences)."""


def vocabulary(minor: bool) -> dict[str, tuple[int, tuple[int, ...]]]:
    return MINOR_CHORDS if minor else MAJOR_CHORDS


@dataclass(frozen=True, slots=True)
class Beat:
    """One beat of the soprano: its note on the beat (MIDI, -1 for a rest), the other soprano notes
    that start inside the beat, whether they move by step (non-chord tones), and whether a phrase
    ends here (cadence)."""

    start: int
    duration: int
    soprano: int
    others: tuple[int, ...] = ()
    passing: tuple[bool, ...] = ()
    cadence: bool = False
    struck: bool = True
    """Whether the soprano's note on the beat starts there (False: held over from before)."""


@dataclass
class Setting:
    """The result: chord label and (soprano, alto, tenor, bass) per beat (-1 where the soprano rests)."""

    beats: list[Beat]
    labels: list[str]
    voices: list[tuple[int, int, int, int]]
    cost: float


# ----- candidates ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _voicings(
    soprano: int, tonic: int, label: str, pcs_rel: tuple[int, ...], root_rel: int
) -> list[tuple[int, int, int, float]]:
    """(alto, tenor, bass, static cost) voicings of one chord under ``soprano``."""
    pcs = {(tonic + r) % 12 for r in pcs_rel}
    if soprano % 12 not in pcs:
        return []
    root = (tonic + root_rel) % 12
    third = (tonic + pcs_rel[1]) % 12
    fifth = (tonic + pcs_rel[2]) % 12
    seventh = (tonic + pcs_rel[3]) % 12 if len(pcs_rel) > 3 else None
    # a dominant's leading tone is never doubled: the key's, or a secondary dominant's own (the third
    # of V/x, the root of viio/x: F# in D7 = V7/V in C)
    leading = (tonic + (secondary_leading_tone(label, root_rel) if "/" in label else 11)) % 12
    dominant_family = label.startswith(("V", "viio"))
    out = []
    altos = [p for p in range(ALTO[0], min(ALTO[1], soprano - 1) + 1) if p % 12 in pcs and soprano - p <= 12]
    for a in altos:
        for t in range(max(TENOR[0], a - 12), min(TENOR[1], a - 1) + 1):
            if t % 12 not in pcs:
                continue
            for b in range(BASS[0], min(BASS[1], t - 1) + 1):
                if b % 12 not in pcs:
                    continue
                sounding = [soprano % 12, a % 12, t % 12, b % 12]
                if root not in sounding or third not in sounding:
                    continue
                if seventh is not None and seventh not in sounding:
                    continue
                cost = 0.0
                if seventh is not None and sounding.count(seventh) > 1:
                    continue
                if dominant_family and sounding.count(leading) > 1:
                    continue
                if fifth not in sounding:
                    cost += 1.0 if seventh is None else 0.2
                if b % 12 == root:
                    pass
                elif b % 12 == third:
                    cost += 1.5 if not label.startswith("viio") else 0.0
                else:
                    cost += 6.0  # 6/4 and third inversions: rare in chorales
                if label.startswith(("viio", "iio")) and label != "iio7" and b % 12 == root:
                    cost += 4.0  # diminished triads stand in first inversion (the bass's tritone)
                if sounding.count(third) > 1 and label in ("I", "IV", "V", "V/V", "III", "VI", "VII"):
                    cost += 1.0
                if t - b > 19:
                    cost += 3.0
                cost += 0.04 * abs(a - 66) + 0.04 * abs(t - 58) + 0.03 * abs(b - 50)  # central registers
                out.append((a, t, b, cost))
    return out


def _nct_cost(beat: Beat, pcs: set[int]) -> float:
    """Soprano notes inside the beat that leap must belong to the chord; stepwise ones may not."""
    cost = 0.0
    for pitch, step in zip(beat.others, beat.passing, strict=True):
        if pitch % 12 not in pcs and not step:
            cost += 3.0
    return cost


# ----- transitions ----------------------------------------------------------------------------------------

_PAIRS = list(itertools.combinations(range(4), 2))


def _transition(prev: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """(k, m) cost of moving from each previous voicing (k, 4) to each current one (m, 4)."""
    p = prev[:, None, :]
    c = cur[None, :, :]
    motion = c - p
    move = np.abs(motion)
    cost = np.zeros((prev.shape[0], cur.shape[0]))
    # Parallel or consecutive fifths/octaves between any two voices (both voices move).
    for i, j in _PAIRS:
        before = (p[..., i] - p[..., j]) % 12
        after = (c[..., i] - c[..., j]) % 12
        both_move = (motion[..., i] != 0) & (motion[..., j] != 0)
        perfect = (before == after) & ((after == 0) | (after == 7))
        cost += FORBIDDEN * (perfect & both_move)
    # Hidden fifths/octaves in the outer voices: similar motion into a perfect interval, soprano leaps.
    outer_after = (c[..., 0] - c[..., 3]) % 12
    similar = np.sign(motion[..., 0]) == np.sign(motion[..., 3])
    hidden = similar & (motion[..., 0] != 0) & ((outer_after == 0) | (outer_after == 7)) & (move[..., 0] > 2)
    cost += 4.0 * hidden
    # Motion: inner voices move little, the bass may leap (within an octave).
    inner = move[..., 1:3]
    cost += (0.35 * np.maximum(inner - 2, 0)).sum(-1) + 4.0 * (inner > 7).sum(-1)
    cost += 0.12 * move[..., 3] + 2.0 * (move[..., 3] > 7)
    cost += FORBIDDEN * (move[..., 1:] > 12).any(-1)
    # Overlap: a voice moving past where its neighbour was.
    for upper, lower in ((0, 1), (1, 2), (2, 3)):
        cost += 3.0 * ((c[..., lower] > p[..., upper]) | (c[..., upper] < p[..., lower]))
    # All four voices leaping in the same direction sounds like a block shift.
    same_dir = (np.sign(motion) == np.sign(motion[..., :1])).all(-1) & (motion[..., 0] != 0)
    cost += 2.0 * same_dir
    return cost


def resolving(label: str, minor: bool) -> bool:
    """Whether a chord has tones that must resolve: a dominant, a secondary dominant or a seventh."""
    return label in DOMINANTS or "/" in label or len(vocabulary(minor)[label][1]) == 4


def secondary_leading_tone(label: str, root_rel: int) -> int:
    """A secondary dominant's leading tone above the key's tonic (``root_rel``: its root there): the
    third of V/x and V7/x, the root of viio/x (F# for V7/V and viio/V in C)."""
    return (root_rel if label.startswith("vii") else root_rel + 4) % 12


def _resolution_cost(
    prev_label: str, cur_label: str, prev: np.ndarray, cur: np.ndarray, tonic: int, *, minor: bool
) -> np.ndarray:
    """A leading tone rises to the chord it leads to and a seventh falls by step, where a dominant
    (of the key or of another degree) or a seventh chord moves on."""
    cost = np.zeros((prev.shape[0], cur.shape[0]))
    if prev_label == cur_label or not resolving(prev_label, minor):
        return cost
    vocab = vocabulary(minor)
    root_rel, pcs_rel = vocab[prev_label]
    cur_pcs = {(tonic + r) % 12 for r in vocab[cur_label][1]}
    p = prev[:, None, :]
    c = cur[None, :, :]
    weight = np.array([0.0, 3.0, 3.0, 8.0])  # soprano is given; bass leading tone must rise too
    if prev_label in DOMINANTS and cur_label in TONICS | {"vi", "VI"}:
        leading = (p % 12) == (tonic + 11) % 12
        cost += ((leading & ~((c - p) == 1)) * weight).sum(-1)
    elif "/" in prev_label:
        # a secondary dominant's leading tone (the third of V/x, the root of viio/x) rises a
        # semitone when the next chord holds that note
        lead = (tonic + secondary_leading_tone(prev_label, root_rel)) % 12
        if (lead + 1) % 12 in cur_pcs:
            cost += ((((p % 12) == lead) & ~((c - p) == 1)) * weight).sum(-1)
    if len(pcs_rel) == 4:
        has7 = (p % 12) == (tonic + pcs_rel[3]) % 12
        down = ((p - c) >= 1) & ((p - c) <= 2)
        cost += ((has7 & ~down) * np.array([0.0, 4.0, 4.0, 4.0])).sum(-1)
    return cost


# ----- the search ---------------------------------------------------------------------------------------

Prior = Callable[[str | None, str], float]
"""prior(previous label or None, label) -> cost (a negative log-probability)."""


def _soprano_next(beats: Sequence[Beat], index: int) -> int | None:
    """The soprano's next pitch after the note on beat ``index`` (inside the beat or on a later
    beat), or None where it rests or ends."""
    beat = beats[index]
    if beat.others:
        return beat.others[0]
    for later in beats[index + 1 :]:
        if later.soprano < 0:
            return None
        if later.soprano != beat.soprano:
            return later.soprano
    return None


def _soprano_resolution_cost(label: str, soprano: int, following: int | None, tonic: int, minor: bool
                             ) -> float:  # fmt: skip
    """SOPRANO_RESOLUTION_COST where the soprano holds the chord's seventh or diminished fifth and
    does not then fall by step, or a secondary dominant's leading tone and does not rise a semitone;
    half of it where the key's leading tone over its dominant does not rise."""
    if following is None or soprano < 0:
        return 0.0
    root_rel, pcs_rel = vocabulary(minor)[label]
    pc = (soprano - tonic) % 12
    # a seventh falls by step, and so does a diminished fifth above the root (F over B in vii°6 of
    # C: the same dominant, the same tendency)
    falling = {pcs_rel[3] % 12} if len(pcs_rel) == 4 else set()
    if (pcs_rel[2] - pcs_rel[0]) % 12 == 6:
        falling.add(pcs_rel[2] % 12)
    if pc in falling and not 1 <= soprano - following <= 2:
        return SOPRANO_RESOLUTION_COST
    if "/" in label and pc == secondary_leading_tone(label, root_rel) and following - soprano != 1:
        return SOPRANO_RESOLUTION_COST
    if label in DOMINANTS and pc == 11 and following - soprano != 1:
        # the key's leading tone over its dominant: a descending line may pass through it (7-6-5),
        # so half the cost; the chord is better another (iii, V6/4...) there
        return SOPRANO_RESOLUTION_COST / 2
    return 0.0


def _target_cost(prev: str, label: str, minor: bool) -> float:
    """TARGET_COST where secondary dominant ``prev`` moves to a chord not on its target's root."""
    if "/" not in prev or prev == label:
        return 0.0
    vocab = vocabulary(minor)
    target = prev.split("/", 1)[1]
    goal = vocab[target][0] if target in vocab else None
    return 0.0 if goal is None or vocab[label][0] == goal else TARGET_COST


def uniform_prior(_prev: str | None, _label: str) -> float:
    return 0.0


def harmonize_beats(
    beats: Sequence[Beat],
    tonic: int,
    minor: bool,
    *,
    prior: Prior = uniform_prior,
    planned: Sequence[str | None] | None = None,
    planned_weight: float = 2.0,
    hold_cost: float = 1.0,
) -> Setting:
    """The cheapest four-part setting of ``beats`` (see the module docstring). ``planned`` (a chord
    label per beat, or None) adds ``planned_weight`` to every other chord on that beat; ``hold_cost``
    is added where a chord is kept while the soprano moves (chorales change chord with the tune)."""
    vocab = vocabulary(minor)
    layers: list[tuple[list[str], np.ndarray, np.ndarray]] = []  # labels, voicings (m,4), static cost
    # The beat where the piece's last melody note starts (the final chord is held from there).
    final_onset = len(beats) - 1
    while final_onset > 0 and beats[final_onset - 1].soprano == beats[final_onset].soprano:
        final_onset -= 1
    for index, beat in enumerate(beats):
        if beat.soprano < 0:
            layers.append(([], np.zeros((0, 4), dtype=np.int64), np.zeros(0)))
            continue
        cand_labels: list[str] = []
        cand_rows: list[tuple[int, int, int, int]] = []
        costs: list[float] = []
        final = index == len(beats) - 1 or (
            index + 1 < len(beats) and beats[index + 1].soprano < 0 and beat.cadence
        )
        leaves = _soprano_next(beats, index)
        for label, (root_rel, pcs_rel) in vocab.items():
            pcs = {(tonic + r) % 12 for r in pcs_rel}
            extra = _nct_cost(beat, pcs) + _soprano_resolution_cost(label, beat.soprano, leaves, tonic, minor)
            if planned is not None and planned[index] is not None and planned[index] != label:
                extra += planned_weight
            if beat.cadence:
                extra += 0.0 if label in CADENCE_CHORDS else 4.0
            if index >= final_onset and label not in TONICS:  # the final chord, held with the last note
                extra += 12.0
            if final and label.startswith("I") and minor:
                extra += 0.5  # a Picardy third is fine at the very end, not elsewhere
            elif label == "I" and minor:
                extra += 6.0
            options = sorted(_voicings(beat.soprano, tonic, label, pcs_rel, root_rel), key=lambda v: v[3])
            # The last two chords of the piece stand in root position (the final V-I: a leading
            # tone in the bass there leaves the end unclosed).
            closing = index >= final_onset - 1
            for a, t, b, cost in options[:VOICINGS_PER_CHORD]:
                cand_labels.append(label)
                cand_rows.append((beat.soprano, a, t, b))
                inverted = closing and b % 12 != (tonic + root_rel) % 12
                costs.append(cost + extra + (FINAL_INVERSION_COST if inverted else 0.0))
        if not cand_rows:  # a note no chord holds (chromatic): nothing but the soprano sounds there
            layers.append(([], np.zeros((0, 4), dtype=np.int64), np.zeros(0)))
            continue
        layers.append((cand_labels, np.array(cand_rows, dtype=np.int64), np.array(costs)))

    names = list(vocab)
    label_index = {lab: i for i, lab in enumerate(names)}
    prior_table = np.array([[prior(a, b) for b in names] for a in names])
    target_table = np.array([[_target_cost(a, b, minor) for b in names] for a in names])
    tonic_ids = [label_index[lab] for lab in names if lab in TONICS]
    dominant_ids = [label_index[lab] for lab in names if lab in DOMINANTS]

    # Viterbi over the layers; a rest (empty layer) restarts the chain.
    totals: list[np.ndarray | None] = []
    back: list[np.ndarray | None] = []
    for index, (labels, rows, static) in enumerate(layers):
        prev_total = totals[-1] if totals else None
        if not labels:
            totals.append(None)
            back.append(None)
            continue
        if prev_total is None:
            totals.append(static + np.array([prior(None, lab) for lab in labels]))
            back.append(None)
            continue
        prev_labels, prev_rows, _ = layers[index - 1]
        last = beats[index - 1].others
        if last:  # the soprano's last note in the previous beat is what moves to this beat
            prev_rows = prev_rows.copy()
            prev_rows[:, 0] = last[-1]
        step = _transition(prev_rows, rows)
        moved = beats[index].soprano != (last[-1] if last else beats[index - 1].soprano)
        # Chord-to-chord terms depend only on the two labels: one table lookup for all pairs.
        pi = np.array([label_index[lab] for lab in prev_labels])
        ci = np.array([label_index[lab] for lab in labels])
        same = pi[:, None] == ci[None, :]
        step += prior_table[pi[:, None], ci[None, :]] + target_table[pi[:, None], ci[None, :]]
        if moved:
            step += hold_cost * same
        elif beats[index].struck:
            # a note sung again: Bach often changes the chord under it too (a quarter of the cost:
            # his 60 training chorales change 0.81 a beat, the search 0.78 without it, 0.81 with)
            step += 0.25 * hold_cost * same
        if beats[index].cadence or index == final_onset:
            # (the final onset counts whether or not the tune marks it: "F-E | F" ends on a tonic
            # struck on the beat before the last note)
            tonic_now = np.isin(ci, tonic_ids)[None, :]
            not_dominant = ~np.isin(pi, dominant_ids)[:, None]
            step += (FINAL_CADENCE_COST if index == final_onset else 2.5) * (tonic_now & not_dominant)
        for pl, rows_of in _groups(prev_labels).items():
            if resolving(pl, minor):
                for cl, cols in _groups(labels).items():
                    if cl != pl:
                        step[np.ix_(rows_of, cols)] += _resolution_cost(
                            pl, cl, prev_rows[rows_of], rows[cols], tonic, minor=minor
                        )
        candidates = prev_total[:, None] + step
        arg = np.argmin(candidates, axis=0)
        totals.append(candidates[arg, np.arange(len(labels))] + static)
        back.append(arg)

    # Trace back each chain from its end.
    chosen: list[int] = [-1] * len(layers)
    total_cost = 0.0
    index = len(layers) - 1
    while index >= 0:
        final_total = totals[index]
        if final_total is None:
            index -= 1
            continue
        best = int(np.argmin(final_total))
        total_cost += float(final_total[best])
        while True:
            chosen[index] = best
            arg = back[index]
            index -= 1
            if arg is None:
                break
            best = int(arg[best])

    out_labels: list[str] = []
    out_voices: list[tuple[int, int, int, int]] = []
    for (labels, rows, _), pick in zip(layers, chosen, strict=True):
        if pick < 0:
            out_labels.append("")
            out_voices.append((-1, -1, -1, -1))
        else:
            out_labels.append(labels[pick])
            s, a, t, b = (int(x) for x in rows[pick])
            out_voices.append((s, a, t, b))
    return Setting(list(beats), out_labels, out_voices, total_cost)


def _groups(labels: list[str]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    return {lab: np.array(ix) for lab, ix in groups.items()}


# ----- beats from a melody --------------------------------------------------------------------------------


def soprano_beats(
    notes: Sequence[tuple[int, int, int]], beat_ticks: int, cadence_ticks: Sequence[int] = ()
) -> list[Beat]:
    """Beats of a monophonic line given as (pitch, start, duration) ticks. A note held past two beats,
    one followed by a rest, the last note, and any beat containing a tick of ``cadence_ticks`` mark a
    phrase end."""
    notes = sorted(notes, key=lambda n: n[1])
    if not notes:
        return []
    end = max(s + d for _, s, d in notes)
    n_beats = -(-end // beat_ticks)
    beats: list[Beat] = []
    cadences = set(cadence_ticks)
    for k in range(n_beats):
        t0, t1 = k * beat_ticks, (k + 1) * beat_ticks
        sounding = [n for n in notes if n[1] <= t0 < n[1] + n[2]]
        inside = [n for n in notes if t0 < n[1] < t1]
        if not sounding and inside:
            sounding, inside = [inside[0]], inside[1:]
        if not sounding:
            beats.append(Beat(t0, beat_ticks, -1))
            continue
        head = sounding[-1]
        others, passing = [], []
        seq = [head, *inside]
        for i, n in enumerate(inside, start=1):
            before = seq[i - 1][0]
            after_note = next((m for m in notes if m[1] >= n[1] + n[2]), None)
            after = after_note[0] if after_note is not None else before
            others.append(n[0])
            passing.append(0 < abs(n[0] - before) <= 2 and 0 < abs(after - n[0]) <= 2)
        note_end = head[1] + head[2]
        nxt = next((m for m in notes if m[1] >= note_end), None)
        cadence = (
            any(t0 <= c < t1 for c in cadences)
            or (head[1] == t0 and head[2] >= 2 * beat_ticks)
            or (nxt is None and head[1] <= t0)
            or (nxt is not None and nxt[1] > note_end and note_end <= t1 + beat_ticks and head[1] == t0)
        )
        beats.append(Beat(t0, beat_ticks, head[0], tuple(others), tuple(passing), cadence, head[1] == t0))
    # Only the beat where a cadence note starts counts (not each beat it is held over).
    for k in range(1, len(beats)):
        if beats[k].cadence and beats[k - 1].cadence and beats[k].soprano == beats[k - 1].soprano:
            b = beats[k]
            beats[k] = Beat(b.start, b.duration, b.soprano, b.others, b.passing, False, b.struck)
    return beats


# ----- measuring ---------------------------------------------------------------------------------------


def label_chord(pcs_weights: dict[int, float], bass_pc: int | None, tonic: int, minor: bool) -> str:
    """The vocabulary chord that best explains the weighted pitch classes sounding (bass counts double)."""
    best, best_score = "", -math.inf
    for label, (root_rel, pcs_rel) in vocabulary(minor).items():
        pcs = {(tonic + r) % 12 for r in pcs_rel}
        score = sum(w if pc in pcs else -w for pc, w in pcs_weights.items())
        if bass_pc is not None and bass_pc == (tonic + root_rel) % 12:
            score += 0.5
        score -= 0.15 * (len(pcs_rel) - 3)  # the plainer chord when a seventh adds nothing
        if score > best_score:
            best, best_score = label, score
    return best


def parts_at(parts: Sequence[Sequence[tuple[int, int, int]]], tick: int) -> list[int]:
    """The pitch each part sounds at ``tick`` (-1 when silent)."""
    out = []
    for part in parts:
        pitch = -1
        for p, s, d in part:
            if s <= tick < s + d:
                pitch = p
                break
        out.append(pitch)
    return out


def parallels(parts: Sequence[Sequence[tuple[int, int, int]]]) -> int:
    """Consecutive fifths and octaves (parallel or contrary, unisons included) between any two parts,
    counted between successive onsets of the texture where both parts move."""
    onsets = sorted({s for part in parts for _, s, _ in part})
    count = 0
    prev: list[int] | None = None
    for tick in onsets:
        now = parts_at(parts, tick)
        if prev is not None:
            for i, j in itertools.combinations(range(len(parts)), 2):
                if min(prev[i], prev[j], now[i], now[j]) < 0:
                    continue
                if prev[i] == now[i] or prev[j] == now[j]:
                    continue
                before = (prev[i] - prev[j]) % 12
                after = (now[i] - now[j]) % 12
                if before == after and after in (0, 7):
                    count += 1
        prev = now
    return count


def beat_labels(
    parts: Sequence[Sequence[tuple[int, int, int]]], beat_ticks: int, tonic: int, minor: bool
) -> list[str]:
    """The chord of each beat of a texture, weighting pitch classes by how long they sound in it."""
    end = max((s + d for part in parts for _, s, d in part), default=0)
    labels = []
    for k in range(-(-end // beat_ticks)):
        t0, t1 = k * beat_ticks, (k + 1) * beat_ticks
        weights: dict[int, float] = {}
        for part in parts:
            for p, s, d in part:
                overlap = min(t1, s + d) - max(t0, s)
                if overlap > 0:
                    weights[p % 12] = weights.get(p % 12, 0.0) + overlap / beat_ticks
        if not weights:
            labels.append("")
            continue
        low = parts_at([parts[-1]], t0)[0]
        labels.append(label_chord(weights, low % 12 if low >= 0 else None, tonic, minor))
    return labels


def chord_changes(labels: Sequence[str]) -> int:
    return sum(1 for a, b in itertools.pairwise(labels) if a and b and a != b)


_QUALITY_BY_INTERVALS = {
    (4, 7): "maj", (3, 7): "min", (3, 6): "dim", (4, 8): "aug",
    (4, 7, 10): "dom7", (3, 7, 10): "min7", (3, 6, 10): "hdim7", (4, 7, 11): "maj7", (3, 6, 9): "dim7",
}  # fmt: skip


def label_chord_symbol(label: str, tonic: int, minor: bool, bass_pc: int | None = None) -> Chord:
    """The Chord a vocabulary label stands for in the key (a slash bass when it is not the root)."""
    root_rel, pcs_rel = vocabulary(minor)[label]
    intervals = tuple((r - root_rel) % 12 for r in pcs_rel[1:])
    root = (tonic + root_rel) % 12
    bass = bass_pc if bass_pc is not None and bass_pc != root else None
    key = Key(tonic, "minor" if minor else "major")
    # the bass is a chord tone: the chord spells it from its root (B7/D#, not B7/Eb, in A minor)
    return Chord(root, _QUALITY_BY_INTERVALS[intervals], bass, key.spell(root))
