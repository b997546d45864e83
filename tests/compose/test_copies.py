"""A melody that keeps copying after every regeneration is repaired, never handed back."""

from __future__ import annotations

import pytest

from tunesmith.compose import engines
from tunesmith.compose.api import MAX_COPIED_RUN, break_copied_runs, compose
from tunesmith.compose.plan import make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.evaluate.originality import OriginalityIndex, longest_copied_run
from tunesmith.score import Score, Track


def test_runs_longer_than_the_limit_are_broken_with_scale_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    request = ComposeRequest(style="folk", seed=3, candidates=1, model="rules", bars=16)
    piece = compose(request)
    melody = next(t for t in piece.score.tracks if t.name.startswith("melody")).notes
    training = OriginalityIndex.from_scores([Score(tracks=[Track("melody", notes=list(melody))])], ["same"])
    monkeypatch.setattr(engines, "copied_run", lambda notes: tuple(longest_copied_run(notes, training)))
    assert longest_copied_run(melody, training).length == len(melody)  # the whole tune is "copied"

    plan = make_plan(request)
    repaired, run = break_copied_runs(melody, set(plan.key.scale_pcs()))
    assert run is not None and run <= MAX_COPIED_RUN
    assert longest_copied_run(repaired, training).length <= MAX_COPIED_RUN
    scale = set(plan.key.scale_pcs())
    changed = [b for a, b in zip(melody, repaired, strict=True) if a.pitch != b.pitch]
    assert 0 < len(changed) <= len(melody) // MAX_COPIED_RUN + 1
    assert all(n.pitch % 12 in scale for n in changed)
    # A moved note does not repeat a neighbour it did not repeat before.
    def around(line: list, i: int) -> list[int]:  # type: ignore[type-arg]
        return [line[j].pitch for j in (i - 1, i + 1) if 0 <= j < len(line)]

    for i, (a, b) in enumerate(zip(melody, repaired, strict=True)):
        if a.pitch != b.pitch:
            assert b.pitch not in around(repaired, i) or a.pitch in around(melody, i)
    assert [(n.start, n.duration) for n in repaired] == [(n.start, n.duration) for n in melody]


def test_a_repair_that_would_copy_another_tune_moves_another_note(monkeypatch: pytest.MonkeyPatch) -> None:
    # The corpus holds the tune and every one-step variant of the note the repair tries first,
    # so moving that note only lines the run up with another tune: a different note must move.
    request = ComposeRequest(style="folk", seed=3, candidates=1, model="rules", bars=16)
    piece = compose(request)
    melody = next(t for t in piece.score.tracks if t.name.startswith("melody")).notes
    first_try = MAX_COPIED_RUN - 1  # the shortest copied prefix has MAX_COPIED_RUN + 1 notes
    tunes = [list(melody)]
    for step in (2, -2, 1, -1, 3, -3):
        variant = [type(n)(n.pitch, n.start, n.duration, n.velocity) for n in melody]
        variant[first_try].pitch += step
        tunes.append(variant)
    training = OriginalityIndex.from_scores(
        [Score(tracks=[Track("melody", notes=t)]) for t in tunes], [f"t{i}" for i in range(len(tunes))]
    )
    monkeypatch.setattr(engines, "copied_run", lambda notes: tuple(longest_copied_run(notes, training)))
    plan = make_plan(request)
    repaired, run = break_copied_runs(melody, set(plan.key.scale_pcs()))
    assert run is not None and run <= MAX_COPIED_RUN
    assert longest_copied_run(repaired, training).length <= MAX_COPIED_RUN
    assert repaired[first_try].pitch == melody[first_try].pitch
