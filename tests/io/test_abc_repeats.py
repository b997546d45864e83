"""Play order of bars with repeats and endings."""

from __future__ import annotations

from fractions import Fraction

from tunesmith.io.abc_repeats import Bar, play_order


def bars(*specs: str) -> list[Bar]:
    """Each spec: flags among '|:' (starts repeat), ':|' (ends repeat), '||', '[1' '[2' '[3'."""
    out = []
    for i, spec in enumerate(specs):
        bar = Bar(Fraction(i), Fraction(i + 1))
        bar.starts_repeat = "|:" in spec
        bar.ends_repeat = ":|" in spec
        bar.double_end = "||" in spec
        bar.endings = {int(c) for c in spec if c.isdigit()}
        out.append(bar)
    return out


def test_plain_bars_play_in_order() -> None:
    assert play_order(bars("", "", "")) == [0, 1, 2]


def test_simple_repeat() -> None:
    assert play_order(bars("|:", ":|", "")) == [0, 1, 0, 1, 2]


def test_repeat_without_start_goes_back_to_the_beginning() -> None:
    assert play_order(bars("", ":|", "")) == [0, 1, 0, 1, 2]


def test_first_and_second_endings() -> None:
    assert play_order(bars("|:", "[1 :|", "[2 ||", "")) == [0, 1, 0, 2, 3]


def test_repeat_after_endings_starts_after_the_second_ending() -> None:
    assert play_order(bars("", "[1 :|", "[2 ||", "", ":|")) == [0, 1, 0, 2, 3, 4, 3, 4]


def test_repeat_after_double_bar_starts_there() -> None:
    assert play_order(bars("||", "", ":|")) == [0, 1, 2, 1, 2]


def test_multi_bar_first_ending() -> None:
    assert play_order(bars("|:", "[1", ":|", "[2", "")) == [0, 1, 2, 0, 3, 4]


def test_first_ending_without_a_marked_second_ending() -> None:
    # "|: a b [1 c :| d |: e [1 f :| g": after the skipped first ending the section is over
    assert play_order(bars("|:", "", "[1 :|", "", "|:", "[1 :|", "")) == [0, 1, 2, 0, 1, 3, 4, 5, 4, 6]
