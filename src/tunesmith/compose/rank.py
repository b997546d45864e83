"""Ranking candidates: one combined score, best first.

The score adds theory checks on the (un-humanised) melody — chord tones on strong beats, notes in
the key's scale, few wide leaps, a singable span — to the model's mean log-likelihood per step
(when a model made the melody, mapped to 0..1), the GAN critic's judgement (when the critic is
installed) and the style critic's (tunesmith.compose.critic: how much the melody's density, range,
intervals and repetition read like the style's real tunes; for styles with a critic). Weights are
in ``WEIGHTS``; every component is reported so a user can see why one candidate beat another.
"""

from __future__ import annotations

import itertools
import math

from tunesmith.compose.harmony import Harmony, chord_tones
from tunesmith.compose.plan import Plan
from tunesmith.score import Note

WEIGHTS = {
    "in_chord_strong": 1.0,
    "in_scale": 1.0,
    "leaps": 0.6,
    "span": 0.3,
    "likelihood": 0.5,
    "critic": 0.5,
    "style": 2.0,  # the style critic (tunesmith.compose.critic): reads like the style's real tunes
    "preference": 2.0,  # the listener's learned taste (tunesmith.feedback), when compose() is given one
}


def theory_checks(plan: Plan, harmony: Harmony, melody: list[Note]) -> dict[str, float]:
    """Melody checks in 0..1 (1 = best): in-chord on strong beats, in scale, leaps, span."""
    if not melody:
        return {"in_chord_strong": 0.0, "in_scale": 0.0, "leaps": 0.0, "span": 0.0}
    key, penta = plan.key, plan.style.scale == "pentatonic"
    strong = set(plan.meter.strong_beats())
    on_strong = [n for n in melody if n.start % plan.bar_ticks in strong]
    in_chord = sum(n.pitch % 12 in chord_tones(harmony.at(n.start), key, penta) for n in on_strong)
    scale = set(key.scale_pcs())
    # The raised leading tone of minor keys is part of the key's vocabulary.
    if key.is_minor:
        scale.add((key.tonic + 11) % 12)
    in_scale = sum(n.pitch % 12 in scale for n in melody) / len(melody)
    steps = [abs(b.pitch - a.pitch) for a, b in itertools.pairwise(melody)]
    wide = sum(s > 7 for s in steps) + 2 * sum(s > 12 for s in steps)
    leaps = 1.0 - min(1.0, wide / max(1, len(steps)) * 4)
    span_semis = max(n.pitch for n in melody) - min(n.pitch for n in melody)
    span = 1.0 if 7 <= span_semis <= 19 else max(0.0, 1.0 - abs(span_semis - 13) / 12)
    return {
        "in_chord_strong": in_chord / len(on_strong) if on_strong else 0.0,
        "in_scale": in_scale,
        "leaps": leaps,
        "span": span,
    }


def combined(
    checks: dict[str, float], log_likelihood: float | None, critic: float | None, style: float | None = None
) -> tuple[float, dict[str, float]]:
    """The weighted total and the components (likelihood mapped by exp(mean log p per step);
    ``style``: the style critic's 0..1 judgement, when the style has a critic)."""
    parts = dict(checks)
    if log_likelihood is not None:
        parts["likelihood"] = math.exp(max(-20.0, min(0.0, log_likelihood)))
    if critic is not None:
        parts["critic"] = 1.0 / (1.0 + math.exp(-critic))
    if style is not None:
        parts["style"] = style
    total = sum(WEIGHTS[k] * v for k, v in parts.items() if k in WEIGHTS)
    return total, parts
