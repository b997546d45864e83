"""Weak preference signals from co-creation: what a person regenerates they did not like, what they
keep while revising the rest they did.

Each revision recorded in the store (a piece_versions row: child, parent, the steps that made it)
gives two rows for the preference model, both at ``WEIGHT`` of a star rating: the parent's
replaced material (the regenerated tracks' notes in the regenerated bars, or the hand-edited
track's notes in the bars the edits touched) one star below the reviser's mean, and the parent's
kept material (every note outside those bars, the bars joined up) one star above it. The features
are those of a rating (tunesmith.feedback.features) measured on these excerpts; an excerpt's
length is unknown to the model (NaN), since how much was replaced says nothing about taste.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from tunesmith.feedback.features import load_piece_score, piece_features
from tunesmith.score import Note, Score, Track
from tunesmith.store.models import Piece, PieceVersion, User

WEIGHT = 0.25
"""A keep or a redo counts a quarter of an explicit rating: a redo may be curiosity, not dislike."""
OFFSET = 1.0
"""Stars below (redo) or above (keep) the person's own mean."""
LIMIT = 400
"""The most recent revisions used (each excerpt's features are measured once per process)."""
CHORD_PLAYERS = ("accompaniment", "bass", "pad", "counter")
_cache: dict[int, tuple[dict[str, float], dict[str, float]] | None] = {}
_lock = threading.Lock()


def _role(track: Track) -> str:
    return "drums" if track.is_drum else track.name.split(" (")[0]


def _bars_of(step: dict[str, Any], score: Score, bar: int) -> set[int]:
    """0-based bars the step changed (its bars, every occurrence of its section, or the bars its
    edits touched)."""
    edits = step.get("edits")
    if edits:
        out = set()
        for e in edits:
            for key in ("start", "to_start"):
                if isinstance(e.get(key), int):
                    out.add(int(e[key]) // bar)
        return out
    text = step.get("bars")
    if isinstance(text, str):
        try:
            parts = [int(p) for p in text.replace(" ", "").split("-")]
        except ValueError:
            return set()
        first, last = parts[0], parts[-1]
        return set(range(max(first, 1) - 1, min(last, 10_000)))
    label = step.get("section")
    return {b for s in score.sections if s.label == label for b in range(s.start // bar, s.end // bar)}


def _roles_of(step: dict[str, Any], score: Score) -> set[str]:
    """The track roles whose notes the step replaced."""
    roles = {_role(t) for t in score.tracks}
    keep = set(step.get("keep") or ())
    track = str(step.get("track", ""))
    if step.get("edits"):
        return {_role(t) for t in score.tracks if t.name == track or _role(t) == track}
    if track == "all":
        named = {"melody", "accompaniment", "drums"} | ({"chords"} if step.get("chords") else set())
    else:
        named = {track} | ({"chords"} if step.get("chords") else set())
    if "chords" in named:
        named |= set(CHORD_PLAYERS)
        if track == "chords" and "melody" not in keep:
            named.add("melody")
    return (named - keep) & roles


def _excerpt(score: Score, bars: set[int], roles: set[str] | None, bar: int, inside: bool) -> Score:
    """The notes of ``roles`` (None: all) in ``bars`` (``inside``) or outside them, the bars
    joined up so no gap is left where the others were."""
    shift: dict[int, int] = {}
    kept_bars = sorted(bars) if inside else []
    if not inside:
        last = max((n.start // bar for t in score.tracks for n in t.notes), default=0)
        kept_bars = [b for b in range(last + 1) if b not in bars]
    for i, b in enumerate(kept_bars):
        shift[b] = (b - i) * bar
    tracks = []
    for t in score.tracks:
        if roles is not None and _role(t) not in roles:
            continue
        notes = [Note(n.pitch, n.start - shift[n.start // bar], n.duration, n.velocity)
                 for n in t.notes if n.start // bar in shift]  # fmt: skip
        tracks.append(Track(t.name, t.program, t.is_drum, notes))
    return Score(tracks, list(score.tempos), list(score.time_signatures), list(score.key_signatures))


def revision_signals(
    parent: Score, step: dict[str, Any], controls: dict[str, Any] | None
) -> tuple[dict[str, float], dict[str, float]] | None:
    """(features of the replaced material, features of the kept material) of one revision step
    applied to ``parent``; None when either is empty."""
    bar = parent.time_signatures[0].bar_ticks if parent.time_signatures else 1920
    bars = _bars_of(step, parent, bar)
    roles = _roles_of(step, parent)
    if not bars or not roles:
        return None
    replaced = _excerpt(parent, bars, roles, bar, inside=True)
    kept = _excerpt(parent, bars, None, bar, inside=False)
    if not any(t.notes for t in replaced.tracks) or not any(t.notes for t in kept.tracks):
        return None
    out = []
    for excerpt in (replaced, kept):
        values = piece_features(excerpt, controls)
        values["seconds"] = math.nan
        out.append(values)
    return out[0], out[1]


def revision_rows(session: Any, limit: int = LIMIT) -> list[tuple[str, Any, float, float]]:
    """(user, features, stars relative to the user's mean, weight) from the store's latest
    revisions made by a signed-in person (tunesmith.feedback.preference makes them RatingRows)."""
    from sqlalchemy import select

    rows = []
    links = session.scalars(select(PieceVersion).order_by(PieceVersion.id.desc()).limit(limit)).all()
    for link in reversed(links):
        child = session.get(Piece, link.piece_id)
        if child is None or child.owner_id is None or link.parent_id is None or not link.steps:
            continue
        user = session.get(User, child.owner_id)
        if user is None:
            continue
        with _lock:
            known = link.id in _cache
            signals = _cache.get(link.id)
        if not known:
            parent = session.get(Piece, link.parent_id)
            score = load_piece_score(parent) if parent is not None else None
            signals = revision_signals(score, link.steps[-1], parent.controls) if score is not None else None
            with _lock:
                _cache[link.id] = signals
        if signals is None:
            continue
        replaced, kept = signals
        rows.append((user.name, replaced, -OFFSET, WEIGHT))
        rows.append((user.name, kept, OFFSET, WEIGHT))
    return rows
