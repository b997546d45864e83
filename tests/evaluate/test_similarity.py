"""Similar-work search on a small synthetic index: altered copies are found, bars are located."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tunesmith.errors import CorruptFileError
from tunesmith.evaluate.similarity import (
    MelodyIndex,
    align_scores,
    melody_from_notes,
    melody_of_score,
    search,
    traceback,
)
from tunesmith.score import Note, Score, TimeSignature, Track

FOUR_FOUR = [TimeSignature(0, 4, 4)]


def tune(seed: int, length: int = 64) -> list[int]:
    rng = random.Random(seed)
    pitches = [67]
    for _ in range(length - 1):
        pitches.append(min(84, max(55, pitches[-1] + rng.choice([-4, -3, -2, -1, 0, 1, 2, 3, 5]))))
    return pitches


def melody(pitches: list[int], durations: list[int] | None = None):
    durations = durations or [240] * len(pitches)
    starts = np.concatenate(([0], np.cumsum(durations)[:-1]))
    return melody_from_notes(starts, np.array(pitches), FOUR_FOUR)


@pytest.fixture(scope="module")
def index() -> MelodyIndex:
    tunes = [melody(tune(s)) for s in range(60)]
    return MelodyIndex.build(tunes, [f"t{s}" for s in range(60)], [f"Tune {s}" for s in range(60)])


def test_bars_follow_the_meter() -> None:
    m = melody([60] * 16)  # eighths in 4/4: 8 a bar
    assert m.bars.tolist() == [1] * 8 + [2] * 8


@pytest.mark.parametrize("how", ["transposed", "changed", "ornaments", "rhythm", "excerpt"])
def test_altered_copy_is_found_first(index: MelodyIndex, how: str) -> None:
    rng = random.Random(7)
    source = tune(17)
    durations = None
    if how == "transposed":
        pitches = [p + 5 for p in source]
    elif how == "changed":
        pitches = list(source)
        for i in rng.sample(range(len(pitches)), 6):
            pitches[i] += rng.choice([-2, 2])
    elif how == "ornaments":
        pitches = []
        for i, p in enumerate(source):
            pitches += [p, p + 2, p] if i % 6 == 3 else [p]
    elif how == "rhythm":
        pitches = list(source)
        durations = [rng.choice([120, 240, 480, 720]) for _ in pitches]
    else:
        pitches = source[10:40]
    hits = search(index, melody(pitches, durations), top=3)
    assert hits[0].id == "t17"
    assert hits[0].similarity > hits[1].similarity + 0.2
    assert hits[0].alignment is not None and hits[0].explanation.startswith("similarity")


def test_excerpt_is_located_in_the_work(index: MelodyIndex) -> None:
    hit = search(index, melody(tune(23)[16:48]), top=1)[0]
    assert hit.alignment is not None
    assert hit.alignment.work_bars == (3, 6)  # notes 16..47 of eighths in 4/4: bars 3-6
    assert hit.alignment.query_bars == (1, 4)
    assert hit.alignment.transposition == 0


def test_unrelated_melody_scores_low(index: MelodyIndex) -> None:
    hits = search(index, melody(tune(999)), top=1)
    assert not hits or hits[0].similarity < 0.5


def test_exclude_and_empty_queries(index: MelodyIndex) -> None:
    assert all(h.id != "t3" for h in search(index, melody(tune(3)), top=5, exclude=["t3"]))
    assert search(index, melody([60, 62]), top=5) == []


def test_alignment_agrees_with_traceback() -> None:
    q = np.array([2, 2, -4, 1, 3, -2, 5])
    works = [np.array([0, 2, 2, -4, 1, 3, -2, 5, 0]), np.array([7, 7, 7])]
    scores = align_scores(q, works)
    assert scores[0] == traceback(q, works[0])[0] == 14
    assert scores[1] == traceback(q, works[1])[0]


def test_note_level_edits_cost_about_one_interval_each() -> None:
    work = np.array([2, 2, 1, 2, 2, 2, 1, -2, -2, -1])  # 20 when every interval matches
    changed = work.copy()
    changed[3:5] = [3, 1]  # one note up a semitone: two intervals differ, their span is kept
    ornament = np.concatenate([work[:3], [2, -2], work[3:]])  # a mordent: two notes added
    appoggiatura = np.concatenate([work[:3], [3, -1], work[4:]])  # one note before a work note
    dropped = np.concatenate([work[:3], [4], work[5:]])  # a passing note left out
    scores = align_scores(changed, [work])[0], align_scores(ornament, [work])[0]
    assert scores == (19, 23) and align_scores(appoggiatura, [work])[0] == 21
    assert align_scores(dropped, [work])[0] == 17
    steps = traceback(ornament, work)[1]
    assert [s[0] for s in steps].count("ornament") == 1 and steps[2] == ("ornament", 2, 3, 2, 1)
    assert ("changed note", 3, 2, 3, 2) in traceback(changed, work)[1]
    # Spans alone do not align: a run of equal spans with no identical interval between scores 0.
    assert align_scores(np.array([1, 1, 1, 1, 1, 1]), [np.array([2, 2, 2])])[0] == 0


def test_save_load_merge(index: MelodyIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "idx")
    loaded = MelodyIndex.load(tmp_path / "idx")
    assert loaded.ids == index.ids and np.array_equal(loaded.keys, index.keys)
    extra = MelodyIndex.build([melody(tune(500))], ["new"], ["New"])
    merged = MelodyIndex.merge([loaded, extra])
    assert search(merged, melody(tune(500)), top=1)[0].id == "new"
    assert search(merged, melody(tune(5)), top=1)[0].id == "t5"


def test_damaged_index_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "meta.json").write_text("{not json")
    with pytest.raises(CorruptFileError):
        MelodyIndex.load(tmp_path / "bad")


def test_score_melody_uses_the_top_line() -> None:
    notes = [Note(60 + i, i * 480, 480) for i in range(8)]
    low = [Note(40, i * 480, 480) for i in range(8)]
    score = Score([Track("bass", 33, False, low), Track("lead", 0, False, notes)], time_signatures=FOUR_FOUR)
    assert melody_of_score(score).pitches.tolist() == list(range(60, 68))
