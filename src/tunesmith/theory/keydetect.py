"""Key detection: correlate a duration-weighted pitch-class histogram with key profiles.

The Krumhansl–Schmuckler method: for each of the 24 major and minor keys, rotate a 12-value
profile of how strongly each scale degree belongs to the key and take its Pearson correlation with
the piece's pitch-class histogram; the best-correlating key wins. Several published profiles are
offered. Optionally, the last bass note (which nearly always is the tonic in tonal music) adds a
bonus to the keys it is the tonic of: profiles alone confuse relative and fifth-related keys that
share most of their notes, and the final bass tells those apart.
benchmarks/bench_keydetect.py measures every combination on the Bach chorales; ``profile='auto'``
is the best one measured there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tunesmith.errors import ControlError
from tunesmith.score import Note, Score
from tunesmith.theory.key import Key

# Published profiles, tonic first (major, minor). Values are the authors' numbers.
PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    # Krumhansl & Kessler (1982), probe-tone ratings.
    "krumhansl": (
        (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    ),
    # Temperley (2007), pitch-class frequencies in the Kostka–Payne textbook excerpts.
    "temperley": (
        (0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
        (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330),
    ),
    # Albrecht & Shanahan (2013), duration-weighted distributions of a classical corpus.
    "albrecht": (
        (0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081),
        (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052),
    ),
    # Aarden (2003), note-count distributions of the Essen folk-song collection.
    "aarden": (
        (17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587,
         0.291248, 22.062, 0.145624, 8.15494, 0.232998, 4.95122),
        (18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362,
         0.702494, 18.6161, 4.56621, 1.93186, 7.37619, 1.75623),
    ),
    # Bellman & Budge (2005), chord-based distributions of 18th- and 19th-century music.
    "bellman": (
        (16.80, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.80, 8.04, 0.62, 10.57),
        (18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21),
    ),
}

AUTO_PROFILE = "aarden"
AUTO_USE_FINAL = True
FINAL_BASS_BONUS = 0.15
"""Correlation added to the keys whose tonic is the last bass note (when ``use_final``)."""
FIRST_BASS_BONUS = 0.05
"""Correlation added to the keys whose tonic is the first bass note (when ``use_final``)."""
SOFTMAX_TEMPERATURE = 0.1
"""Scale of correlation differences in :attr:`KeyEstimate.confidence`."""

_CANDIDATES: tuple[Key, ...] = tuple(Key(pc, mode) for mode in ("major", "minor") for pc in range(12))

NoteSource = Score | Sequence[Note] | Sequence[tuple[int, float]]


@dataclass(frozen=True, slots=True)
class KeyEstimate:
    """The detected key, a 0-1 confidence and every candidate with its score, best first."""

    key: Key
    confidence: float
    score: float
    ranking: tuple[tuple[Key, float], ...]


def _weighted_pitches(
    source: NoteSource, weighting: str
) -> tuple[list[tuple[int, float]], int | None, int | None]:
    """(pitch, weight) pairs, the first bass pitch (lowest note struck first) and the last bass pitch
    (lowest note sounding at the very end)."""
    if isinstance(source, Score):
        source = source.notes()
    pairs: list[tuple[int, float]] = []
    final_bass: int | None = None
    first_bass: int | None = None
    notes = [n for n in source if isinstance(n, Note)]
    if notes:
        if len(notes) != len(source):
            raise ControlError("notes", "mix of Note objects and (pitch, weight) pairs")
        last_end = max(n.end for n in notes)
        # notes still sounding in the last eighth of a beat form the final sonority
        tail = [n.pitch for n in notes if n.end >= last_end - 60 and n.duration > 0]
        final_bass = min(tail) if tail else None
        first_start = min(n.start for n in notes)
        first_bass = min(n.pitch for n in notes if n.start == first_start)
        for n in notes:
            if n.duration <= 0:
                continue
            if weighting == "duration":
                w = float(n.duration)
            elif weighting == "sqrt":
                w = math.sqrt(n.duration)
            else:
                w = 1.0
            pairs.append((n.pitch, w))
    else:
        for item in source:
            pitch, weight = item  # type: ignore[misc]
            pairs.append((int(pitch), float(weight)))
    return pairs, first_bass, final_bass


def pitch_class_histogram(source: NoteSource, weighting: str = "duration") -> list[float]:
    """12 weights, C first: total duration (``weighting='duration'``), square-rooted duration
    ('sqrt') or note count ('count') of each pitch class."""
    if weighting not in ("duration", "sqrt", "count"):
        raise ControlError("weighting", f"unknown weighting {weighting!r}; choose duration, sqrt or count")
    hist = [0.0] * 12
    for pitch, weight in _weighted_pitches(source, weighting)[0]:
        hist[pitch % 12] += weight
    return hist


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx = sum(xs) / 12.0
    my = sum(ys) / 12.0
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0.0 or syy == 0.0:
        return 0.0
    return sxy / math.sqrt(sxx * syy)


def key_correlations(histogram: Sequence[float], profile: str = AUTO_PROFILE) -> list[tuple[Key, float]]:
    """Pearson correlation of ``histogram`` with ``profile`` rotated to each of the 24 keys."""
    if profile not in PROFILES:
        raise ControlError("profile", f"unknown key profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if len(histogram) != 12:
        raise ControlError("histogram", f"a pitch-class histogram has 12 values, got {len(histogram)}")
    major, minor = PROFILES[profile]
    out = []
    for key in _CANDIDATES:
        base = major if key.mode == "major" else minor
        rotated = [base[(pc - key.tonic) % 12] for pc in range(12)]
        out.append((key, _pearson(histogram, rotated)))
    return out


def estimate_key(
    source: NoteSource,
    profile: str = "auto",
    use_final: bool | None = None,
    weighting: str = "duration",
) -> KeyEstimate:
    """Detect the major or minor key of notes, a Score, or (pitch, weight) pairs.

    ``profile`` names one of :data:`PROFILES` ('auto' = the best measured on the Bach chorales);
    ``use_final`` adds :data:`FINAL_BASS_BONUS` to keys whose tonic is the final bass note.
    Raises ControlError when there are no pitched notes.
    """
    if profile == "auto":
        profile = AUTO_PROFILE
        use_final = AUTO_USE_FINAL if use_final is None else use_final
    pairs, first_bass, final_bass = _weighted_pitches(source, weighting)
    if not pairs:
        raise ControlError("notes", "cannot detect a key without pitched notes")
    hist = [0.0] * 12
    for pitch, weight in pairs:
        hist[pitch % 12] += weight
    scored = key_correlations(hist, profile)
    if use_final and final_bass is not None and first_bass is not None:
        bonus = [0.0] * 12
        bonus[final_bass % 12] += FINAL_BASS_BONUS
        bonus[first_bass % 12] += FIRST_BASS_BONUS
        scored = [(k, s + bonus[k.tonic]) for k, s in scored]
    scored.sort(key=lambda ks: -ks[1])
    best_score = scored[0][1]
    exps = [math.exp((s - best_score) / SOFTMAX_TEMPERATURE) for _, s in scored]
    confidence = exps[0] / sum(exps)
    return KeyEstimate(scored[0][0], confidence, best_score, tuple(scored))


def detect_key(source: NoteSource, profile: str = "auto") -> Key:
    """The most likely major or minor key of ``source`` (see :func:`estimate_key`)."""
    return estimate_key(source, profile).key
