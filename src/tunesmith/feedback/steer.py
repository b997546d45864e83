"""The preference model's hooks into the composer.

``steer_request`` fills the controls a listener left open (mood, and through it tempo, mode and
density) with the variant their model predicts they will rate highest, among a few seeded draws;
controls the listener set are never changed. ``preference_scorer`` gives compose() the callable
that adds the predicted rating to each candidate's ranking total.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from tunesmith.compose.plan import make_plan
from tunesmith.feedback.features import piece_features, plan_features

if TYPE_CHECKING:
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.feedback.preference import Preferences
    from tunesmith.score import Score

VARIANTS = 12
"""How many mood variants steer_request compares (planning is cheap: no notes are made)."""


def steer_request(
    request: ComposeRequest, prefs: Preferences, user: str | None, seed: int | None = None
) -> ComposeRequest:
    """The request with its open mood controls set to the variant predicted to please ``user`` most."""
    model = prefs.controls
    if (
        model is None
        or request.mood is not None
        or request.valence is not None
        or request.arousal is not None
    ):
        return request
    rng = random.Random(seed if seed is not None else request.seed)
    base_seed = request.seed if request.seed is not None else rng.randrange(1 << 31)
    options = [replace(request, seed=base_seed)]
    for _ in range(VARIANTS):
        # Open mood: anywhere on the valence/arousal pad (the named moods are points of it);
        # tempo, mode and density follow the mood unless the listener set them.
        options.append(
            replace(
                request,
                seed=base_seed,
                valence=round(rng.uniform(-1, 1), 2),
                arousal=round(rng.uniform(-1, 1), 2),
            )
        )
    best = max(options, key=lambda r: model.predict(plan_features(make_plan(r)), user))
    return replace(best, seed=request.seed)


def preference_scorer(prefs: Preferences, user: str | None) -> Callable[[Score], float] | None:
    """compose()'s ``preference`` hook: a score's predicted rating in 0..1 (None: nothing learned)."""
    model = prefs.full
    if model is None:
        return None

    def scorer(score: Score) -> float:
        return model.score(piece_features(score), user)

    return scorer
