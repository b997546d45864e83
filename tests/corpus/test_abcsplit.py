from __future__ import annotations

from tunesmith.corpus.abcsplit import abc_field, split_abc


def test_split_keeps_file_header_for_each_tune() -> None:
    text = "%abc-2.1\nL:1/8\n\nX:1\nT:One\nK:G\nGA|\n\nX:2\nT:Two\nR:reel\nK:D\nDE|\n"
    tunes = split_abc(text)
    assert len(tunes) == 2
    assert tunes[0].startswith("L:1/8\n") and "%abc" not in tunes[0]
    assert tunes[1].startswith("L:1/8\n\nX:2\n") and "GA|" not in tunes[1]
    assert abc_field(tunes[1], "T") == "Two" and abc_field(tunes[1], "R") == "reel"
    assert abc_field(tunes[0], "R") == ""


def test_text_without_x_is_one_tune_or_none() -> None:
    assert split_abc("T:Lone\nK:C\nCDE|\n") == ["T:Lone\nK:C\nCDE|\n"]
    assert split_abc("  \n") == []
