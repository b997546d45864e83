"""Chord recognition: which chord symbol best explains the notes of a window.

Template matching in the manner of Pardo & Birmingham: every (root, quality) template scores the
weight of the notes it explains minus the weight it leaves unexplained, minus a cost per template
tone that is absent; the bass note, the root's own weight and (when a key is given) belonging to
the key break the near-ties between templates that share notes (Am7 vs C6, C vs Am over a
bare C-E). Windows are scored together as one matrix product, so labelling a corpus bar by bar
stays fast.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tunesmith.errors import ControlError
from tunesmith.score import ChordSymbol, Note, Score
from tunesmith.theory.chord import QUALITIES, Chord
from tunesmith.theory.key import Key, key_from_signature
from tunesmith.theory.keydetect import detect_key

if TYPE_CHECKING:
    from numpy.typing import NDArray

DEFAULT_QUALITIES: tuple[str, ...] = (
    "maj", "min", "dim", "aug", "dom7", "maj7", "min7", "dim7", "hdim7", "sus4", "sus2", "6", "min6",
)  # fmt: skip
MELODY_QUALITIES: tuple[str, ...] = ("maj", "min", "dim", "aug")
"""A melody seldom shows more than a triad; richer templates only add wrong answers there."""

# Score weights (weights of notes sum to 1 per window). Set from the unit-test voicings and the
# Nottingham melody-vs-chord-symbol benchmark (benchmarks/bench_chordrec.py).
MISSING_TONE_COST = 0.12
EXTRA_TONE_COST = 0.04
ROOT_WEIGHT_BONUS = 0.2
BASS_IS_ROOT_BONUS = 0.15
BASS_IN_CHORD_BONUS = 0.05
IN_KEY_BONUS = 0.06
PRIMARY_BONUS = 0.05
"""Extra for the key's primary chords I, IV and V(7): the commonest chords in tonal music."""
MELODY_IN_KEY_BONUS = 0.15
MELODY_PRIMARY_BONUS = 0.2
"""With a bare melody the notes say little, so the key's habits weigh more."""
# Prior preference among qualities: plain triads are the most common labels.
QUALITY_PRIOR: dict[str, float] = {"maj": 0.04, "min": 0.03, "dom7": 0.01}
PRESENT = 0.03
"""A pitch class with less than this share of the window's weight counts as absent."""

WeightedPitches = Sequence[tuple[int, float]]


class _Templates:
    """All (root, quality) templates as matrices: tones, roots, and their costs."""

    def __init__(self, qualities: Sequence[str]) -> None:
        for q in qualities:
            if q not in QUALITIES:
                allowed = ", ".join(QUALITIES)
                raise ControlError("qualities", f"unknown chord quality {q!r}; choose from {allowed}")
        self.chords: list[Chord] = []
        tones, roots, sizes, prior = [], [], [], []
        for quality in qualities:
            for root in range(12):
                chord = Chord(root, quality)
                self.chords.append(chord)
                row = np.zeros(12)
                row[list(chord.pitch_classes())] = 1.0
                tones.append(row)
                root_row = np.zeros(12)
                root_row[root] = 1.0
                roots.append(root_row)
                sizes.append(row.sum())
                prior.append(QUALITY_PRIOR.get(quality, 0.0))
        self.tones: NDArray[np.float64] = np.array(tones)
        self.roots: NDArray[np.float64] = np.array(roots)
        self.sizes: NDArray[np.float64] = np.array(sizes)
        self.base: NDArray[np.float64] = np.array(prior) - EXTRA_TONE_COST * np.maximum(self.sizes - 3, 0)
        self._key_bonus: dict[tuple[int, str, bool], NDArray[np.float64]] = {}

    def key_bonus(self, key: Key | None, melody: bool) -> NDArray[np.float64]:
        """Bonus for templates inside the key, more for its primary chords I, IV, V, V7."""
        if key is None:
            return np.zeros(len(self.chords))
        cache_key = (key.tonic, key.mode, melody)
        if cache_key not in self._key_bonus:
            self._key_bonus[cache_key] = self._compute_key_bonus(key, melody)
        return self._key_bonus[cache_key]

    def _compute_key_bonus(self, key: Key, melody: bool) -> NDArray[np.float64]:
        scale = np.zeros(12)
        scale[list(key.scale_pcs())] = 1.0
        if key.is_minor:  # V and vii° of a minor key use the raised seventh
            scale[(key.tonic + 11) % 12] = 1.0
        outside = self.tones @ (1.0 - scale)
        bonus = np.where(outside == 0, MELODY_IN_KEY_BONUS if melody else IN_KEY_BONUS, 0.0)
        primary = set(primary_chords(key))
        extra = MELODY_PRIMARY_BONUS if melody else PRIMARY_BONUS
        for i, chord in enumerate(self.chords):
            if chord in primary:
                bonus[i] += extra
        return bonus


def primary_chords(key: Key) -> list[Chord]:
    """I, V, IV and V7 of ``key`` (minor keys: i, V, iv, V7 with the raised leading tone)."""
    seven = Key(key.tonic, key.parent_mode, key.tonic_name)
    out = []
    for degree in (1, 5, 4):
        root = seven.degree_pc(degree)
        minor_third = (seven.degree_pc(degree + 2) - root) % 12 == 3
        quality = "min" if minor_third and degree != 5 else "maj"
        out.append(Chord(root, quality))
    out.append(Chord(seven.degree_pc(5), "dom7"))
    return out


def diatonic_triads(key: Key) -> list[Chord]:
    """Triads on the degrees in order of how often they occur: I, V, IV, vi, ii, iii, vii°."""
    seven = Key(key.tonic, key.parent_mode, key.tonic_name)
    out = primary_chords(key)[:3]
    for degree in (6, 2, 3, 7):
        root = seven.degree_pc(degree)
        third = (seven.degree_pc(degree + 2) - root) % 12
        fifth = (seven.degree_pc(degree + 4) - root) % 12
        quality = {(4, 7): "maj", (3, 7): "min", (3, 6): "dim", (4, 8): "aug"}.get((third, fifth), "maj")
        out.append(Chord(root, quality))
    return out


_CACHE: dict[tuple[str, ...], _Templates] = {}


def _templates(qualities: Sequence[str]) -> _Templates:
    key = tuple(qualities)
    if key not in _CACHE:
        _CACHE[key] = _Templates(key)
    return _CACHE[key]


def score_windows(
    weights: NDArray[np.float64],
    bass: Sequence[int | None],
    key: Key | None = None,
    qualities: Sequence[str] = DEFAULT_QUALITIES,
    melody: bool = False,
) -> tuple[list[Chord], NDArray[np.float64]]:
    """Scores of every template for each window: ``weights`` is (windows, 12) pitch-class weight,
    ``bass`` the lowest pitch class per window (None when unknown or, for a melody, meaningless).
    Returns the templates' chords and a (windows, templates) score matrix."""
    t = _templates(qualities)
    totals = weights.sum(axis=1, keepdims=True)
    w = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    present = (w >= PRESENT).astype(float)
    bass_hot = np.zeros_like(w)
    for i, b in enumerate(bass):
        if b is not None:
            bass_hot[i, b % 12] = 1.0
    explained = w @ t.tones.T
    missing = t.sizes[None, :] - present @ t.tones.T
    scores = (
        2.0 * explained
        - 1.0
        - MISSING_TONE_COST * missing
        + ROOT_WEIGHT_BONUS * (w @ t.roots.T)
        + BASS_IS_ROOT_BONUS * (bass_hot @ t.roots.T)
        + BASS_IN_CHORD_BONUS * (bass_hot @ (t.tones - t.roots).T)
        + t.base[None, :]
        + t.key_bonus(key, melody)[None, :]
    )
    return t.chords, scores


def _as_pairs(notes: Sequence[Note] | WeightedPitches) -> list[tuple[int, float]]:
    pairs: list[tuple[int, float]] = []
    for item in notes:
        if isinstance(item, Note):
            pairs.append((item.pitch, float(item.duration)))
        else:
            pitch, weight = item
            pairs.append((int(pitch), float(weight)))
    return pairs


def is_monophonic(notes: Sequence[Note]) -> bool:
    """True when no two notes sound at once (a bare melody)."""
    ordered = sorted(notes, key=lambda n: (n.start, n.end))
    return all(b.start >= a.end for a, b in itertools.pairwise(ordered))


def _pick(chord: Chord, bass: int | None, with_bass: bool, key: Key | None) -> Chord:
    slash = bass if with_bass and bass is not None and bass % 12 != chord.root else None
    out = Chord(chord.root, chord.quality, slash)
    return out.respelled(key) if key is not None else out


def _lone_note_chord(pc: int, key: Key | None) -> Chord | None:
    """A melody window with one pitch class: the commonest diatonic triad holding it."""
    if key is None:
        return None
    for chord in diatonic_triads(key):
        if pc in chord.pitch_classes():
            return chord.respelled(key)
    return None


def recognize_chord(
    notes: Sequence[Note] | WeightedPitches,
    key: Key | None = None,
    with_bass: bool = False,
    qualities: Sequence[str] | None = None,
    melody: bool | None = None,
) -> Chord | None:
    """The chord that best explains ``notes`` (Note objects weighted by duration, or (pitch, weight)
    pairs).

    For chords (``melody`` False; the default for pairs and for notes that overlap) the lowest
    pitch is the bass and ``with_bass`` returns inversions as slash chords (C/E); fewer than two
    pitch classes give None. For a bare melody (``melody`` True; the default for Note objects that
    never overlap) the lowest note is not a bass, only triads are tried, the key's primary chords
    are favoured, and with a key a lone pitch class gets the commonest diatonic triad holding it.
    """
    pairs = [(p, w) for p, w in _as_pairs(notes) if w > 0]
    if melody is None:
        note_objs = [n for n in notes if isinstance(n, Note)]
        melody = bool(note_objs) and len(note_objs) == len(notes) and is_monophonic(note_objs)
    if qualities is None:
        qualities = MELODY_QUALITIES if melody else DEFAULT_QUALITIES
    pcs = {p % 12 for p, _ in pairs}
    if len(pcs) < 2:
        return _lone_note_chord(next(iter(pcs)), key) if melody and pcs else None
    weights = np.zeros((1, 12))
    for pitch, weight in pairs:
        weights[0, pitch % 12] += weight
    bass = None if melody else min(p for p, _ in pairs) % 12
    chords, scores = score_windows(weights, [bass], key, qualities, melody)
    return _pick(chords[int(np.argmax(scores[0]))], bass, with_bass, key)


def _window_weights(notes: Sequence[Note], bounds: Sequence[tuple[int, int]]) -> tuple[
    NDArray[np.float64], list[int | None]
]:
    """Per window: pitch-class weight (sounding ticks, notes struck in the window counting 1.5x)
    and the lowest sounding pitch class."""
    weights = np.zeros((len(bounds), 12))
    lowest: list[int | None] = [None] * len(bounds)
    starts = [a for a, _ in bounds]

    for note in notes:
        first = max(0, bisect.bisect_right(starts, note.start) - 1)
        for i in range(first, len(bounds)):
            a, b = bounds[i]
            if a >= note.end:
                break
            overlap = min(note.end, b) - max(note.start, a)
            if overlap <= 0:
                continue
            weights[i, note.pitch % 12] += overlap * (1.5 if a <= note.start < b else 1.0)
            current = lowest[i]
            if current is None or note.pitch < current:
                lowest[i] = note.pitch
    return weights, [None if p is None else p % 12 for p in lowest]


def score_key(score: Score) -> Key:
    """The score's first key signature as a Key, or the detected key when it has none."""
    if score.key_signatures:
        return key_from_signature(sorted(score.key_signatures, key=lambda k: k.tick)[0])

    return detect_key(score)


def chords_per_bar(
    score: Score,
    divisions: int = 1,
    *,
    key: Key | None = None,
    with_bass: bool = False,
    qualities: Sequence[str] | None = None,
    melody: bool | None = None,
    pickup: int = 0,
) -> list[ChordSymbol]:
    """Label ``score`` with one chord per bar (``divisions=2``: per half bar, and so on), for corpora
    without chord symbols. A window whose notes name no chord keeps the chord before it; a chord
    equal to the previous one is not repeated. Figures are spelled for the key (the first key
    signature, or the detected key). A score whose notes never overlap is treated as a bare melody
    (see :func:`recognize_chord`) unless ``melody`` says otherwise. ``pickup`` is the length in
    ticks of an anacrusis: the first full bar starts there and the pickup is one window of its own."""
    if divisions < 1:
        raise ControlError("divisions", f"must be 1 or more, got {divisions}")
    notes = score.notes()
    if not notes:
        return []
    if key is None:
        key = score_key(score)
    if pickup < 0:
        raise ControlError("pickup", f"must be 0 or more ticks, got {pickup}")
    end = score.end_tick()
    # bars: the pickup (if any) alone, then whole bars from the first downbeat
    starts = [0] if pickup > 0 else []
    tick = pickup
    while tick < end:
        starts.append(tick)
        tick += max(1, score.time_signature_at(tick).bar_ticks)
    bounds: list[tuple[int, int]] = []
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else max(end, start + 1)
        length = stop - start
        parts = 1 if pickup > 0 and i == 0 else divisions
        for d in range(parts):
            a = start + length * d // parts
            b = start + length * (d + 1) // parts
            if b > a:
                bounds.append((a, b))
    if melody is None:
        melody = is_monophonic(notes)
    if qualities is None:
        qualities = MELODY_QUALITIES if melody else DEFAULT_QUALITIES
    weights, bass = _window_weights(notes, bounds)
    if melody:
        bass = [None] * len(bounds)
    chords, scores = score_windows(weights, bass, key, qualities, melody)
    best = np.argmax(scores, axis=1)
    out: list[ChordSymbol] = []
    previous = ""
    for i, (a, _) in enumerate(bounds):
        sounding = np.flatnonzero(weights[i])
        if len(sounding) >= 2:
            chord: Chord | None = _pick(chords[int(best[i])], bass[i], with_bass, key)
        elif len(sounding) == 1 and melody:
            chord = _lone_note_chord(int(sounding[0]), key)
        else:
            chord = None
        if chord is None:
            continue
        figure = chord.figure
        if figure != previous:
            out.append(ChordSymbol(a, figure))
            previous = figure
    return out
