"""Exercises: every kind is made deterministically, within its level, and its answer key grades 100%."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tunesmith.education.exercises import KINDS, make_exercise, read_manifest, write_exercise
from tunesmith.education.grading import grade, parse_note_text
from tunesmith.education.levels import TABLE
from tunesmith.errors import ControlError, InputFileError
from tunesmith.theory.key import Key

MELODIC = ("sight-reading", "melodic-dictation", "rhythmic-dictation")


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_exercise_and_answer_key_grades_full(kind: str, tmp_path: Path) -> None:
    a = make_exercise(kind, 2, 11)
    b = make_exercise(kind, 2, 11)
    assert a.manifest == b.manifest
    files = write_exercise(a, tmp_path, audio=False, pdf=False)
    assert read_manifest(tmp_path)["id"] == a.id
    answer = files["answer_text"] if kind in ("intervals", "chords") else files["answer"]
    result = grade(tmp_path, answer)
    if kind == "harmonisation":  # Bach's own setting: few faults, a good grade
        assert result.score > 0.6
    else:
        assert result.score == 1.0 and result.passed


@pytest.mark.parametrize("kind", MELODIC)
def test_melodies_stay_inside_their_level(kind: str) -> None:
    for number, lv in TABLE.items():
        for seed in range(8):
            ex = make_exercise(kind, number, seed)
            pitches = [p for p, _, _ in ex.manifest["answer"]["notes"]]
            if kind != "rhythmic-dictation":
                assert max(pitches) - min(pitches) <= lv.range_semitones
                assert max(abs(b - a) for a, b in itertools.pairwise(pitches)) <= lv.max_leap
                assert abs(Key.parse(ex.manifest["key"]).fifths) <= lv.max_accidentals
            assert ex.manifest["meter"] in lv.meters or ex.manifest["meter"] in lv.bar_rhythms


def test_difficulty_rises_with_level() -> None:
    def mean_range(number: int) -> float:
        spans = []
        for seed in range(12):
            pitches = [
                p for p, _, _ in make_exercise("sight-reading", number, seed).manifest["answer"]["notes"]
            ]
            spans.append(max(pitches) - min(pitches))
        return sum(spans) / len(spans)

    ranges = [mean_range(n) for n in (1, 3, 5)]
    assert ranges == sorted(ranges) and ranges[0] < ranges[2]


def test_style_picks_the_meter() -> None:
    assert make_exercise("sight-reading", 4, 3, style="waltz").manifest["meter"] == "3/4"


def test_wrong_notes_are_named_bar_by_bar(tmp_path: Path) -> None:
    ex = make_exercise("melodic-dictation", 1, 5)
    write_exercise(ex, tmp_path, audio=False, pdf=False)
    key = Key.parse(ex.manifest["key"])
    from tunesmith.theory.pitch import pitch_name

    notes = ex.manifest["answer"]["notes"]
    values = {1920: "1", 960: "2", 480: "4", 240: "8"}
    tokens = [f"{pitch_name(p, key)}/{values[d]}" for p, _, d in notes]
    tokens[2] = f"{pitch_name(notes[2][0] + 1, key)}/{values[notes[2][2]]}"  # one wrong pitch
    (tmp_path / "mine.txt").write_text(" ".join(tokens))
    result = grade(tmp_path, tmp_path / "mine.txt")
    assert 0.8 < result.score < 1.0
    assert any("you wrote" in line and line.startswith("Bar") for line in result.feedback)


def test_answers_to_another_exercise_are_refused(tmp_path: Path) -> None:
    quiz = make_exercise("intervals", 1, 1, questions=5)
    write_exercise(quiz, tmp_path / "quiz", audio=False, pdf=False)
    (tmp_path / "three.txt").write_text("M3\nP5\nm2\n")
    with pytest.raises(InputFileError, match="another exercise"):
        grade(tmp_path / "quiz", tmp_path / "three.txt")
    harm = make_exercise("harmonisation", 1, 2)
    other = make_exercise("harmonisation", 1, 3)
    write_exercise(harm, tmp_path / "harm", audio=False, pdf=False)
    files = write_exercise(other, tmp_path / "other", audio=False, pdf=False)
    if harm.manifest["given"]["notes"] != other.manifest["given"]["notes"]:
        with pytest.raises(InputFileError, match="another exercise"):
            grade(tmp_path / "harm", files["answer"])


def test_bad_input_gets_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="level"):
        make_exercise("chords", 6, 1)
    with pytest.raises(ControlError, match="kind"):
        make_exercise("fugue", 1, 1)
    with pytest.raises(InputFileError, match="no such exercise"):
        grade(tmp_path / "missing", tmp_path / "a.txt")
    (tmp_path / "exercise.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(InputFileError, match="not a tunesmith exercise"):
        grade(tmp_path, tmp_path / "a.txt")
    with pytest.raises(InputFileError, match="cannot read"):
        parse_note_text("C4/4 H9/3", Key(0))
