"""Objective, per-piece metrics of a Score, the ones used to compare generated music with a corpus.

Most metrics read the melody (see :mod:`tunesmith.evaluate.melody`); ``empty_beat_rate`` and the
chord lookup read the whole piece. Every metric is a float; a metric that cannot be measured on a
piece (no chords for the in-chord ratio, a single bar for self-similarity) is NaN, and the summaries
skip NaNs. ``METRICS`` documents each one (unit, range, meaning) for tables and reports.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tunesmith.errors import TunesmithError
from tunesmith.evaluate.melody import STEP, bars
from tunesmith.score import TICKS_PER_QUARTER, Note, Score
from tunesmith.theory.chord import parse_chord
from tunesmith.theory.chordrec import recognize_chord
from tunesmith.theory.key import key_from_signature
from tunesmith.theory.melodyline import melody_notes
from tunesmith.theory.meter import Meter


@dataclass(frozen=True)
class MetricInfo:
    """What a metric measures: ``label`` for tables, ``unit`` ('' when unitless), a one-line ``doc``."""

    name: str
    label: str
    unit: str
    doc: str


METRICS: tuple[MetricInfo, ...] = (
    MetricInfo("pitch_class_entropy", "pitch-class entropy", "bits",
               "entropy of the melody's pitch-class counts (0: one pitch class; log2 12: all equally often)"),
    MetricInfo("scale_consistency", "scale consistency", "",
               "largest share of melody notes inside one of the 24 major / harmonic-minor scales"),
    MetricInfo("groove_consistency", "groove consistency", "",
               "1 − mean Hamming distance between the 16th-grid onset patterns of consecutive bars"),
    MetricInfo("in_chord_ratio", "in-chord ratio (strong beats)", "",
               "share of melody notes sounding on strong beats that belong to the sounding chord"),
    MetricInfo("empty_beat_rate", "empty-beat rate", "",
               "share of beats in which no track sounds a note"),
    MetricInfo("bar_repetition", "bar repetition", "",
               "share of non-empty bars whose 16th-grid melody repeats an earlier one (or transposed)"),
    MetricInfo("self_similarity", "self-similarity", "",
               "mean over bars of the best cosine similarity of its pitch-class grid to any other bar"),
    MetricInfo("note_density", "note density", "notes/quarter",
               "melody notes per quarter note over the span of the melody"),
    MetricInfo("pitch_range", "pitch range", "semitones", "highest minus lowest melody pitch"),
    MetricInfo("mean_abs_interval", "mean |interval|", "semitones",
               "mean absolute pitch step between consecutive melody notes"),
)
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)

_MAJOR = (0, 2, 4, 5, 7, 9, 11)
# Harmonic rather than natural minor: natural minor has the same notes as the relative major, and
# the raised leading tone is what minor-key tunes actually use.
_HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)


def _scale_masks() -> np.ndarray:
    masks = np.zeros((24, 12), dtype=np.float64)
    for tonic in range(12):
        for i, pattern in enumerate((_MAJOR, _HARMONIC_MINOR)):
            masks[tonic + 12 * i, [(tonic + step) % 12 for step in pattern]] = 1.0
    return masks


_SCALE_MASKS = _scale_masks()

ChordLookup = Callable[[int], "frozenset[int] | None"]
"""Pitch classes of the chord sounding at a tick, or None where no chord is known."""


@lru_cache(maxsize=4096)
def chord_pcs(figure: str) -> frozenset[int] | None:
    """Pitch classes of a chord symbol, None for 'N.C.' and figures the theory layer cannot read."""
    text = figure.strip()
    if not text or text.upper().replace(".", "") in ("NC", "N", "X"):
        return None
    try:
        return frozenset(int(pc) % 12 for pc in parse_chord(text).pitch_classes())
    except (TunesmithError, ValueError):
        return None


def _symbol_lookup(score: Score) -> ChordLookup:
    chords = sorted(score.chords, key=lambda c: c.tick)
    ticks = [c.tick for c in chords]

    def lookup(tick: int) -> frozenset[int] | None:
        i = bisect.bisect_right(ticks, tick) - 1
        return chord_pcs(chords[i].figure) if i >= 0 else None

    return lookup


def _recognised_lookup(score: Score, melody: Sequence[Note]) -> ChordLookup | None:
    """Chords recognised, beat by beat, from the accompaniment (every pitched note not in the melody
    line), each note weighted by how long it sounds in the beat."""
    melody_ids = {id(n) for n in melody}
    accomp = sorted(
        (n for t in score.tracks if not t.is_drum for n in t.notes if id(n) not in melody_ids),
        key=lambda n: n.start,
    )
    if not accomp:
        return None
    first_key = min(score.key_signatures, key=lambda k: k.tick) if score.key_signatures else None
    key = key_from_signature(first_key) if first_key is not None else None
    starts = [n.start for n in accomp]
    longest = max(n.duration for n in accomp)

    def lookup(tick: int) -> frozenset[int] | None:
        end = tick + Meter.of(score.time_signature_at(tick)).beat_ticks
        lo, hi = bisect.bisect_left(starts, tick - longest), bisect.bisect_left(starts, end)
        pairs = [(n.pitch, float(min(n.end, end) - max(n.start, tick)))
                 for n in accomp[lo:hi] if n.end > tick]
        chord = recognize_chord(pairs, key) if pairs else None
        return None if chord is None else frozenset(chord.pitch_classes())

    return lookup


def chord_lookup(score: Score, melody: Sequence[Note]) -> ChordLookup | None:
    """The chord at each tick: from the chord symbols when the score has them, else recognised from
    the other tracks; None when neither exists (a bare melody)."""
    if score.chords:
        return _symbol_lookup(score)
    return _recognised_lookup(score, melody)


# --- the metrics, one function each (all take the melody line, sorted by onset) --------------------


def pitch_class_entropy(melody: Sequence[Note]) -> float:
    if not melody:
        return math.nan
    counts = np.bincount([n.pitch % 12 for n in melody], minlength=12).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def scale_consistency(melody: Sequence[Note]) -> float:
    if not melody:
        return math.nan
    counts = np.bincount([n.pitch % 12 for n in melody], minlength=12).astype(np.float64)
    return float((_SCALE_MASKS @ counts).max() / counts.sum())


def _bar_onset_grids(score: Score, melody: Sequence[Note]) -> list[np.ndarray]:
    """One boolean onset grid per bar (16th steps), from bar 1 to the bar of the last melody note."""
    grids = []
    starts = [n.start for n in melody]
    for start, length, _sig in bars(score, melody[-1].start + 1):
        grid = np.zeros(max(1, round(length / STEP)), dtype=bool)
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, start + length)
        for note in melody[lo:hi]:
            grid[min(len(grid) - 1, round((note.start - start) / STEP))] = True
        grids.append(grid)
    return grids


def groove_consistency(score: Score, melody: Sequence[Note]) -> float:
    if not melody:
        return math.nan
    grids = _bar_onset_grids(score, melody)
    # Bars of different lengths (a meter change) have no common grid: those pairs are skipped.
    dists = [float(np.mean(a != b)) for a, b in itertools.pairwise(grids) if len(a) == len(b)]
    return 1.0 - float(np.mean(dists)) if dists else math.nan


def in_chord_ratio(score: Score, melody: Sequence[Note], lookup: ChordLookup | None) -> float:
    if not melody or lookup is None:
        return math.nan
    starts = [n.start for n in melody]
    hits = total = 0
    for start, _length, sig in bars(score, melody[-1].end):
        for offset in Meter.of(sig).strong_beats():
            tick = start + offset
            i = bisect.bisect_right(starts, tick) - 1
            if i < 0 or melody[i].end <= tick:
                continue  # the melody rests on this beat
            pcs = lookup(tick)
            if pcs is None:
                continue
            total += 1
            hits += melody[i].pitch % 12 in pcs
    return hits / total if total else math.nan


def empty_beat_rate(score: Score) -> float:
    notes = [n for t in score.tracks for n in t.notes]
    end = max((n.end for n in notes), default=0)
    if end <= 0:
        return math.nan
    beat_starts: list[int] = []
    beat_ends: list[int] = []
    for start, length, sig in bars(score, end):
        beat = Meter.of(sig).beat_ticks
        for b in range(start, min(start + length, end), beat):
            beat_starts.append(b)
            beat_ends.append(min(b + beat, start + length))
    order = sorted(notes, key=lambda n: n.start)
    note_starts = np.array([n.start for n in order])
    # Running maximum of note ends in onset order: a beat sounds when some note that began before
    # the beat ends is still sounding after the beat begins.
    max_end = np.maximum.accumulate(np.array([n.end for n in order]))
    idx = np.searchsorted(note_starts, np.array(beat_ends), side="left") - 1
    sounding = (idx >= 0) & (max_end[np.maximum(idx, 0)] > np.array(beat_starts))
    return float(1.0 - sounding.mean())


def _bar_patterns(score: Score, melody: Sequence[Note]) -> list[tuple[tuple[int, int], ...]]:
    """Per bar, the (16th step, pitch − first pitch of the bar) of each onset: equal patterns are
    the same bar, possibly transposed."""
    starts = [n.start for n in melody]
    out = []
    for start, length, _sig in bars(score, melody[-1].start + 1):
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, start + length)
        inside = melody[lo:hi]
        ref = inside[0].pitch if inside else 0
        out.append(tuple((round((n.start - start) / STEP), n.pitch - ref) for n in inside))
    return out


def bar_repetition(score: Score, melody: Sequence[Note]) -> float:
    if not melody:
        return math.nan
    seen: set[tuple[tuple[int, int], ...]] = set()
    filled = repeats = 0
    for pattern in _bar_patterns(score, melody):
        if not pattern:
            continue
        filled += 1
        repeats += pattern in seen
        seen.add(pattern)
    return repeats / filled


def self_similarity(score: Score, melody: Sequence[Note]) -> float:
    if not melody:
        return math.nan
    spans = bars(score, melody[-1].start + 1)
    width = max(round(length / STEP) for _s, length, _g in spans)
    grid = np.zeros((len(spans), width, 12), dtype=np.float64)
    bar_starts = [s for s, _l, _g in spans]
    for note in melody:
        # Mark every 16th step the note sounds in, across barlines.
        for step_tick in range(note.start - note.start % STEP, note.end, STEP):
            b = bisect.bisect_right(bar_starts, step_tick) - 1
            if b < 0:
                continue  # in the pickup, before the first full bar
            col = (step_tick - bar_starts[b]) // STEP
            if col < width:
                grid[b, col, note.pitch % 12] = 1.0
    flat = grid.reshape(len(spans), -1)
    norms = np.linalg.norm(flat, axis=1)
    keep = norms > 0
    if keep.sum() < 2:
        return math.nan
    unit = flat[keep] / norms[keep, None]
    sim = unit @ unit.T
    np.fill_diagonal(sim, -1.0)
    return float(sim.max(axis=1).mean())


def note_density(melody: Sequence[Note]) -> float:
    if not melody:
        return math.nan
    span = max(n.end for n in melody) - melody[0].start
    return len(melody) / (span / TICKS_PER_QUARTER) if span > 0 else math.nan


def pitch_range(melody: Sequence[Note]) -> float:
    if not melody:
        return math.nan
    pitches = [n.pitch for n in melody]
    return float(max(pitches) - min(pitches))


def mean_abs_interval(melody: Sequence[Note]) -> float:
    if len(melody) < 2:
        return math.nan
    return float(np.abs(np.diff([n.pitch for n in melody])).mean())


def metrics(score: Score, track: str | None = None) -> dict[str, float]:
    """Every metric of ``METRICS`` for one piece, in that order (NaN where it cannot be measured).

    ``track`` names the melody track; by default it is found as :func:`melody_track` says.
    """
    melody = melody_notes(score, track)
    return {
        "pitch_class_entropy": pitch_class_entropy(melody),
        "scale_consistency": scale_consistency(melody),
        "groove_consistency": groove_consistency(score, melody),
        "in_chord_ratio": in_chord_ratio(score, melody, chord_lookup(score, melody) if melody else None),
        "empty_beat_rate": empty_beat_rate(score),
        "bar_repetition": bar_repetition(score, melody),
        "self_similarity": self_similarity(score, melody),
        "note_density": note_density(melody),
        "pitch_range": pitch_range(melody),
        "mean_abs_interval": mean_abs_interval(melody),
    }


@dataclass(frozen=True)
class Summary:
    """Mean and (population) standard deviation of one metric over the pieces where it is defined;
    ``count`` is how many those were (NaN mean and std when none)."""

    mean: float
    std: float
    count: int

    def __str__(self) -> str:
        return "—" if self.count == 0 else f"{self.mean:.3f} ± {self.std:.3f}"


def summarize(rows: Iterable[dict[str, float]]) -> dict[str, Summary]:
    """Per-metric :class:`Summary` of per-piece metric dicts (any keys; NaNs skipped)."""
    table = list(rows)
    names = list(dict.fromkeys(k for row in table for k in row))
    out = {}
    for name in names:
        values = np.array([row.get(name, math.nan) for row in table], dtype=np.float64)
        values = values[~np.isnan(values)]
        if len(values) == 0:
            out[name] = Summary(math.nan, math.nan, 0)
        else:
            out[name] = Summary(float(values.mean()), float(values.std()), len(values))
    return out


def metrics_table(scores: Iterable[Score], track: str | None = None) -> dict[str, Summary]:
    """Mean ± std of every metric over ``scores`` (see :func:`metrics` and :func:`summarize`)."""
    return summarize(metrics(score, track) for score in scores)
