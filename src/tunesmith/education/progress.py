"""A learner's progress: graded answers kept in the store, and the level to try next.

The next level follows the last results of that kind at the current level (up to three): two or
more averaging 85% or better move up a level, an average under 50% moves down, anything between
stays (a simple staircase, as adaptive practice tools use); a learner with no results starts at 1.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tunesmith.education.exercises import KINDS
from tunesmith.education.grading import Grade
from tunesmith.store.models import ExerciseResult

WINDOW = 3
UP, DOWN = 0.85, 0.5


def record(session: Session, user_id: int, result: Grade) -> ExerciseResult:
    row = ExerciseResult(
        user_id=user_id,
        exercise_id=result.exercise_id,
        kind=result.kind,
        level=result.level,
        score=float(result.score),
    )
    session.add(row)
    session.flush()
    return row


def next_level(session: Session, user_id: int, kind: str) -> int:
    rows = list(
        session.scalars(
            select(ExerciseResult)
            .where(ExerciseResult.user_id == user_id, ExerciseResult.kind == kind)
            .order_by(ExerciseResult.id.desc())
            .limit(WINDOW)
        )
    )
    if not rows:
        return 1
    current = rows[0].level
    recent = [r.score for r in rows if r.level == current]
    mean = sum(recent) / len(recent)
    if mean >= UP and len(recent) >= 2:
        return min(5, current + 1)
    if mean < DOWN:
        return max(1, current - 1)
    return current


def summary(session: Session, user_id: int) -> dict[str, Any]:
    """Per kind: answers graded, mean score, the level reached and the level to try next."""
    rows = session.scalars(
        select(ExerciseResult).where(ExerciseResult.user_id == user_id).order_by(ExerciseResult.id)
    )
    per: dict[str, list[ExerciseResult]] = defaultdict(list)
    for row in rows:
        per[row.kind].append(row)
    out: dict[str, Any] = {}
    for kind in KINDS:
        done = per.get(kind, [])
        out[kind] = {
            "answers": len(done),
            "mean_score": round(sum(r.score for r in done) / len(done), 3) if done else None,
            "highest_level": max((r.level for r in done), default=0),
            "next_level": next_level(session, user_id, kind),
        }
    return out
