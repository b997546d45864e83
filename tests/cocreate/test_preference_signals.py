"""Keeps and redos teach the preference model: a revision's replaced material is a weak negative,
what it kept a weak positive, and enough of them reorder what the model ranks first."""

from __future__ import annotations

import math

from tunesmith.cocreate import Step, revise
from tunesmith.cocreate.revise import Version, role
from tunesmith.feedback.features import FEATURES
from tunesmith.feedback.implicit import OFFSET, WEIGHT, revision_signals
from tunesmith.feedback.preference import RatingRow, fit_preferences


def test_a_revision_gives_the_replaced_and_the_kept_material(version: Version) -> None:
    step = Step("melody", 3, bars="3-4")
    revise(version, step)  # the step is a real one
    signals = revision_signals(version.score, step.to_dict(), {"request": version.request.to_dict()})
    assert signals is not None
    replaced, kept = signals
    bar = version.plan.bar_ticks
    melody = next(t for t in version.score.tracks if role(t) == "melody")
    inside = [n.pitch for n in melody.notes if n.start // bar in (2, 3)]
    assert math.isclose(replaced["register"], sum(inside) / len(inside))  # only bars 3-4 of the melody
    outside = [n.pitch for n in melody.notes if n.start // bar not in (2, 3)]
    assert math.isclose(kept["register"], sum(outside) / len(outside))
    assert math.isnan(replaced["seconds"]) and math.isnan(kept["seconds"])
    # Hand edits: the edited track's bars that the edits touched.
    first = melody.notes[0]
    edit = {
        "track": melody.name,
        "seed": 0,
        "edits": [{"op": "delete", "pitch": first.pitch, "start": first.start}],
    }
    signals = revision_signals(version.score, edit, None)
    assert signals is not None
    same_bar = [n.pitch for n in melody.notes if n.start // bar == first.start // bar]
    assert math.isclose(signals[0]["register"], sum(same_bar) / len(same_bar))


def _features(density: float, register: float) -> dict[str, float]:
    values = dict.fromkeys(FEATURES, 0.0)
    values.update(note_density=density, register=register, tempo=100.0)
    return values


def test_keeps_and_redos_change_the_ranking() -> None:
    # Ratings alone: this listener liked the dense, high piece more than the sparse, low one.
    ratings = [
        RatingRow("ann", _features(6.0, 76.0), 4.0),
        RatingRow("ann", _features(2.0, 60.0), 3.0),
        RatingRow("ann", _features(4.0, 68.0), 3.5),
    ]
    dense, sparse = _features(5.5, 74.0), _features(2.5, 62.0)
    before = fit_preferences(ratings)
    assert before is not None and before.predict(dense, "ann") > before.predict(sparse, "ann")
    # Then ann keeps regenerating dense, high bars and keeping sparse, low ones.
    signals = []
    for i in range(12):
        signals.append(
            RatingRow("ann", _features(6.0 + i % 3 * 0.2, 75.0 + i % 2), -OFFSET, WEIGHT, relative=True)
        )
        signals.append(
            RatingRow("ann", _features(2.0 + i % 3 * 0.2, 61.0 + i % 2), OFFSET, WEIGHT, relative=True)
        )
    after = fit_preferences(ratings + signals)
    assert after is not None and after.predict(sparse, "ann") > after.predict(dense, "ann")
    # Each signal is weak: one keep/redo pair does not undo the ratings.
    one = fit_preferences(ratings + signals[:2])
    assert one is not None and one.predict(dense, "ann") > one.predict(sparse, "ann")
