"""Real-world ABC: one bad tune never sinks a book; continued header fields, inline fields, y
spacers, text-labelled endings and voice overlay are read (the overlay dropped with a warning).

The tunebooks in tests/data/abcmidi are abcMIDI's own samples (see tests/data/README.md); the
small tunes below reproduce constructs reported from public tunebooks in issue 11."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tunesmith.errors import CorruptFileError
from tunesmith.io import load
from tunesmith.io.abc import parse_abc

BOOKS = Path(__file__).resolve().parent.parent / "data" / "abcmidi"


def test_a_book_with_one_unreadable_tune_keeps_the_others(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tunesmith.io"):
        scores = load(BOOKS / "demo.abc")
    assert len(scores) == 11
    assert "Horses Branle" in scores[0].metadata.title
    (skipped,) = [r.getMessage() for r in caplog.records]
    assert "skipped tune X:9 'Daramad of Shur': line 200" in skipped


def test_problems_can_be_collected_instead_of_logged() -> None:
    problems: list[str] = []
    scores = parse_abc((BOOKS / "demo.abc").read_text(), "demo.abc", problems)
    assert len(scores) == 11 and len(problems) == 1 and problems[0].startswith("demo.abc: skipped tune X:9")


def test_a_book_with_no_readable_tune_is_an_error() -> None:
    with pytest.raises(
        CorruptFileError, match=r"tune X:1: line 4: unexpected character '@' \(and 1 more"
    ):
        parse_abc("X:1\nT:A\nK:C\nC@D|\n\nX:2\nT:B\nK:C\nE@F|\n", "two.abc")


def test_voice_overlay_is_dropped_with_a_warning_naming_tune_and_line() -> None:
    problems: list[str] = []
    scores = parse_abc((BOOKS / "split.abc").read_text(), "split.abc", problems)
    assert len(scores) == 16 and len(problems) == 22
    assert (
        problems[0]
        == "split.abc: tune X:1 'test split file 1': line 6: voice overlay (&) dropped, the first voice kept"
    )
    first = scores[0].tracks[0].notes  # G & E & C|D|GA & EF| keeps the first voice: G|D|GA
    assert [(n.pitch, n.start, n.duration) for n in first] == [
        (67, 0, 480),
        (62, 480, 480),
        (67, 960, 480),
        (69, 1440, 480),
    ]


def test_a_repeat_sign_set_apart_from_its_bar_line() -> None:
    (score,) = load(BOOKS / "boys.abc")
    assert score.metadata.title == "The Boys of Carrigallen"
    assert score.bar_count() == 32  # both parts repeated


TUNE = """X:7
T:Header continued \\
on the next line
+: and a +: line
M:3/4
L:1/8
K:G
"G"GA Bc d2|[P:B]"D"d2 [K:D] f2 a2|y["Coda" a6|]
"""


def test_header_continuations_inline_fields_spacers_and_labelled_endings() -> None:
    problems: list[str] = []
    (score,) = parse_abc(TUNE, "t.abc", problems)
    assert problems == []
    assert score.metadata.title == "Header continued on the next line and a +: line"
    assert [(s.start, s.label) for s in score.sections] == [(1440, "B")]
    assert [(k.tick, k.fifths) for k in score.key_signatures] == [(0, 1), (1920, 2)]
    assert [n.pitch for n in score.tracks[0].notes] == [67, 69, 71, 72, 74, 74, 78, 81, 81]


def test_info_and_convert_skip_a_bad_tune_with_a_warning(tmp_path: Path) -> None:
    from tunesmith.cli.main import _build

    runner = CliRunner()
    result = runner.invoke(_build(), ["info", str(BOOKS / "demo.abc")])
    assert result.exit_code == 0 and "11 pieces" in result.output
    result = runner.invoke(_build(), ["convert", str(BOOKS / "demo.abc"), str(tmp_path / "out.mid")])
    assert result.exit_code == 0
    assert len(list(tmp_path.glob("out-*.mid"))) == 11


def test_training_inputs_skip_a_bad_tune() -> None:
    from tunesmith.models.rnn.train import input_scores

    assert len(list(input_scores([BOOKS / "demo.abc"]))) == 11
