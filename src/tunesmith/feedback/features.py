"""The numbers a rating is learned over: musical features of a piece and the controls behind it.

``piece_features(score)`` reads the score (tunesmith.evaluate.metrics plus tempo, mode, meter,
register, length); ``plan_features(plan)`` gives the subset a composer knows before any note exists
(tempo, mode, meter, mood, planned density), which is what lets the model choose controls.
Every feature is a float; one that cannot be measured is NaN and the model treats it as average.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

from tunesmith.compose.request import ComposeRequest
from tunesmith.corpus import load_corpus
from tunesmith.corpus.library import piece_score
from tunesmith.errors import TunesmithError
from tunesmith.evaluate.metrics import metrics
from tunesmith.theory.melodyline import melody_notes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tunesmith.compose.plan import Plan
    from tunesmith.score import Score
    from tunesmith.store.models import Piece

CONTROL_FEATURES = ("tempo", "major", "triple", "valence", "arousal")
"""Known from the plan (before composing) and from the piece (after)."""
MUSIC_FEATURES = (
    "note_density",
    "register",
    "pitch_range",
    "mean_abs_interval",
    "scale_consistency",
    "pitch_class_entropy",
    "groove_consistency",
    "bar_repetition",
    "empty_beat_rate",
    "seconds",
)
FEATURES = CONTROL_FEATURES + MUSIC_FEATURES
FEATURES_VERSION = 1
"""Bumped when a feature's definition changes, so cached rows are recomputed."""


def _melody_register(score: Score) -> float:
    notes = melody_notes(score)
    return float(sum(n.pitch for n in notes) / len(notes)) if notes else math.nan


def piece_features(score: Score, controls: dict[str, Any] | None = None) -> dict[str, float]:
    """Features of a piece; ``controls`` (a generated piece's request) supplies valence and arousal."""
    values = metrics(score)
    key = score.key_signatures[0] if score.key_signatures else None
    meter = score.time_signatures[0] if score.time_signatures else None
    valence = arousal = 0.0
    if controls:
        request = controls.get("request", controls)
        try:
            valence, arousal = ComposeRequest.from_dict(dict(request)).valence_arousal()
        except Exception:  # an old or foreign request: neutral mood rather than no features
            valence = arousal = 0.0
    out = {
        "tempo": float(score.tempos[0].bpm) if score.tempos else 120.0,
        "major": 0.0 if key is not None and key.mode == "minor" else 1.0,
        "triple": 1.0 if meter is not None and meter.numerator in (3, 6, 9) else 0.0,
        "valence": float(valence),
        "arousal": float(arousal),
        "register": _melody_register(score),
        "seconds": float(score.duration_seconds()),
    }
    for name in MUSIC_FEATURES:
        if name not in out:
            out[name] = float(values.get(name, math.nan))
    return out


def plan_features(plan: Plan) -> dict[str, float]:
    """The control features of a plan (what a piece made from it will have)."""
    return {
        "tempo": float(plan.tempo),
        "major": 0.0 if plan.key.is_minor else 1.0,
        "triple": 1.0 if plan.meter.numerator in (3, 6, 9) else 0.0,
        "valence": float(plan.valence),
        "arousal": float(plan.arousal),
    }


def stored_features(session: Session, piece: Piece) -> dict[str, float] | None:
    """A stored piece's features, computed once and cached on the row; None when it cannot be read."""
    cached = piece.features
    if cached and cached.get("version") == FEATURES_VERSION:
        return {k: float(v) if v is not None else math.nan for k, v in cached["values"].items()}
    score = load_piece_score(piece)
    if score is None:
        return None
    values = piece_features(score, piece.controls)
    piece.features = {
        "version": FEATURES_VERSION,
        "values": {k: (None if math.isnan(v) else v) for k, v in values.items()},
    }
    session.flush()
    return values


def load_piece_score(piece: Piece) -> Score | None:
    """The Score of a stored piece: its kept file, else its corpus entry; None when neither reads."""
    if piece.file_data and piece.format:
        try:
            return piece_score(piece)
        except TunesmithError:
            return None
    if piece.corpus_ref:
        return corpus_score(piece.corpus_ref)
    return None


def corpus_score(ref: str) -> Score | None:
    """A corpus piece by its ref ('collection/path#index'), from the cached corpus."""
    found = _corpus_index(ref.split("/", 1)[0])
    if found is None or ref not in found[1]:
        return None
    corpus, index = found
    return corpus[index[ref]]


@functools.lru_cache(maxsize=16)
def _corpus_index(collection: str) -> tuple[Any, dict[str, int]] | None:
    """A loaded collection and its ref -> position map, kept per process (loading costs ~0.3 s)."""
    try:
        corpus = load_corpus([collection])
    except TunesmithError:
        return None
    return corpus, {info.ref: i for i, info in enumerate(corpus.pieces)}
