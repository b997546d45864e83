"""How much music tunesmith agrees to work on: one central check every loaded Score passes.

Every reader (CLI, upload, primer, corpus) goes through :func:`tunesmith.io.loads`, which checks the
score against :data:`DEFAULT_LIMITS`; the web app checks again with its tighter
``WebSettings.score_limits``. A score over a limit is refused with a LimitError naming the limit, so
no later stage (tokenising, drawing, synthesis) is asked to allocate for hours of music.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunesmith.errors import LimitError
from tunesmith.score import Score


@dataclass(frozen=True)
class ScoreLimits:
    max_notes: int = 200_000
    max_seconds: float = 4 * 3600.0
    max_tracks: int = 256
    max_bars: int = 20_000


DEFAULT_LIMITS = ScoreLimits()
"""Generous limits for the command line: far beyond real music, far below what exhausts memory."""

WEB_LIMITS = ScoreLimits(max_notes=20_000, max_seconds=1800.0, max_tracks=64, max_bars=2_000)
"""What a web upload or primer may hold: half an hour, 20,000 notes."""


def check_score(score: Score, limits: ScoreLimits = DEFAULT_LIMITS, source: str | Path = "<score>") -> Score:
    """``score`` if it is within ``limits``; LimitError naming the first limit it exceeds."""
    if len(score.tracks) > limits.max_tracks:
        raise LimitError(source, f"{len(score.tracks)} tracks; allowed: at most {limits.max_tracks}")
    notes = sum(len(t.notes) for t in score.tracks)
    if notes > limits.max_notes:
        raise LimitError(source, f"{notes:,} notes; allowed: at most {limits.max_notes:,}")
    seconds = score.duration_seconds()
    if seconds > limits.max_seconds:
        raise LimitError(
            source, f"{seconds / 60:,.1f} minutes long; allowed: at most {limits.max_seconds / 60:g} minutes"
        )
    if score.end_tick() > 0:
        bar = max(1, min(ts.bar_ticks for ts in score.time_signatures) if score.time_signatures else 1920)
        if score.end_tick() // bar > limits.max_bars and score.bar_count() > limits.max_bars:
            raise LimitError(source, f"{score.bar_count():,} bars; allowed: at most {limits.max_bars:,}")
    return score
