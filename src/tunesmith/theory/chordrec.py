"""Chord recognition: which chord symbol best explains the notes of a window.

Template matching in the manner of Pardo & Birmingham: every (root, quality) template scores the
weight of the notes it explains minus the weight it leaves unexplained, minus a cost per template
tone that is absent; the bass note, the root's own weight and (when a key is given) belonging to
the key break the near-ties between templates that share notes (Am7 vs C6, C vs Am over a
bare C-E). Windows are scored together as one matrix product, so labelling a corpus bar by bar
stays fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tunesmith.errors import ControlError
from tunesmith.score import ChordSymbol, Note, Score
from tunesmith.theory.chord import QUALITIES, Chord
from tunesmith.theory.key import Key, key_from_signature

if TYPE_CHECKING:
    from numpy.typing import NDArray

DEFAULT_QUALITIES: tuple[str, ...] = (
    "maj", "min", "dim", "aug", "dom7", "maj7", "min7", "dim7", "hdim7", "sus4", "sus2", "6", "min6",
)  # fmt: skip
TRIAD_QUALITIES: tuple[str, ...] = ("maj", "min", "dim", "aug")

# Score weights (weights of notes sum to 1 per window). Tuned on the unit-test voicings and the
# Nottingham melody-vs-chord-symbol benchmark (benchmarks/bench_chordrec.py).
MISSING_TONE_COST = 0.12
EXTRA_TONE_COST = 0.04
ROOT_WEIGHT_BONUS = 0.2
BASS_IS_ROOT_BONUS = 0.15
BASS_IN_CHORD_BONUS = 0.05
IN_KEY_BONUS = 0.06
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

    def key_bonus(self, key: Key | None) -> NDArray[np.float64]:
        if key is None:
            return np.zeros(len(self.chords))
        scale = np.zeros(12)
        scale[list(key.scale_pcs())] = 1.0
        if key.is_minor:  # V and vii° of a minor key use the raised seventh
            scale[(key.tonic + 11) % 12] = 1.0
        outside = self.tones @ (1.0 - scale)
        return np.where(outside == 0, IN_KEY_BONUS, 0.0)


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
) -> tuple[list[Chord], NDArray[np.float64]]:
    """Scores of every template for each window: ``weights`` is (windows, 12) pitch-class weight,
    ``bass`` the lowest pitch class per window (None when unknown). Returns the templates' chords
    and a (windows, templates) score matrix."""
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
        + t.key_bonus(key)[None, :]
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


def _pick(chord: Chord, bass: int | None, with_bass: bool, key: Key | None) -> Chord:
    slash = bass if with_bass and bass is not None and bass % 12 != chord.root else None
    out = Chord(chord.root, chord.quality, slash)
    return out.respelled(key) if key is not None else out


def recognize_chord(
    notes: Sequence[Note] | WeightedPitches,
    key: Key | None = None,
    with_bass: bool = False,
    qualities: Sequence[str] = DEFAULT_QUALITIES,
) -> Chord | None:
    """The chord that best explains ``notes`` (Note objects weighted by duration, or (pitch, weight)
    pairs). The lowest pitch is the bass; ``with_bass`` returns inversions as slash chords
    (C/E). None when fewer than two distinct pitch classes sound (a lone note is no chord)."""
    pairs = [(p, w) for p, w in _as_pairs(notes) if w > 0]
    if len({p % 12 for p, _ in pairs}) < 2:
        return None
    weights = np.zeros((1, 12))
    for pitch, weight in pairs:
        weights[0, pitch % 12] += weight
    bass = min(p for p, _ in pairs) % 12
    chords, scores = score_windows(weights, [bass], key, qualities)
    return _pick(chords[int(np.argmax(scores[0]))], bass, with_bass, key)


def _window_weights(notes: Sequence[Note], bounds: Sequence[tuple[int, int]]) -> tuple[
    NDArray[np.float64], list[int | None]
]:
    """Per window: pitch-class weight (sounding ticks, notes struck in the window counting 1.5x)
    and the lowest sounding pitch class."""
    weights = np.zeros((len(bounds), 12))
    lowest: list[int | None] = [None] * len(bounds)
    starts = [a for a, _ in bounds]
    import bisect

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
    from tunesmith.theory.keydetect import detect_key

    return detect_key(score)


def chords_per_bar(
    score: Score,
    divisions: int = 1,
    key: Key | None = None,
    with_bass: bool = False,
    qualities: Sequence[str] = DEFAULT_QUALITIES,
) -> list[ChordSymbol]:
    """Label ``score`` with one chord per bar (``divisions=2``: per half bar, and so on), for corpora
    without chord symbols. A window whose notes name no chord keeps the chord before it; a chord
    equal to the previous one is not repeated. Figures are spelled for the key (the first key
    signature, or the detected key)."""
    if divisions < 1:
        raise ControlError("divisions", f"must be 1 or more, got {divisions}")
    notes = score.notes()
    if not notes:
        return []
    if key is None:
        key = score_key(score)
    starts = score.bar_starts()
    end = score.end_tick()
    bounds: list[tuple[int, int]] = []
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else max(end, start + 1)
        length = stop - start
        for d in range(divisions):
            a = start + length * d // divisions
            b = start + length * (d + 1) // divisions
            if b > a:
                bounds.append((a, b))
    weights, bass = _window_weights(notes, bounds)
    chords, scores = score_windows(weights, bass, key, qualities)
    best = np.argmax(scores, axis=1)
    out: list[ChordSymbol] = []
    previous = ""
    for i, (a, _) in enumerate(bounds):
        if np.count_nonzero(weights[i]) < 2:
            continue
        figure = _pick(chords[int(best[i])], bass[i], with_bass, key).figure
        if figure != previous:
            out.append(ChordSymbol(a, figure))
            previous = figure
    return out
