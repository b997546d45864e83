from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import SHIPPED_STYLES, available_styles, load_style, parse_style_file
from tunesmith.errors import ControlError

REQUIRED = (
    "folk",
    "celtic",
    "chorale",
    "pop",
    "ballad",
    "waltz",
    "march",
    "lullaby",
    "ambient",
    "chinese-folk",
)


def test_every_shipped_style_loads_and_is_complete() -> None:
    names = available_styles()
    for name in REQUIRED:
        assert name in names
        style = load_style(name)
        assert style.meters and style.tempo[0] <= style.tempo[1]
        assert "melody" in style.parts
        for part in style.parts.values():
            assert 0 <= part.low < part.high <= 127


def test_broken_style_file_names_the_file_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('name = "broken"\nmeters = ["5/4"]\ntempo = [90, 100]\n', encoding="utf-8")
    with pytest.raises(ControlError, match=r"broken.toml: meter '5/4' is unknown; allowed: 4/4"):
        parse_style_file(bad)
    bad.write_text("this is not = = toml", encoding="utf-8")
    with pytest.raises(ControlError, match="not valid TOML"):
        load_style("broken", str(tmp_path))
    bad.write_text(
        (SHIPPED_STYLES / "folk.toml")
        .read_text()
        .replace('instrument = "violin"', 'instrument = "theremin 9"')
    )
    with pytest.raises(ControlError, match="unknown instrument"):
        load_style("broken", str(tmp_path))


def test_a_new_style_is_a_new_file(tmp_path: Path) -> None:
    text = (SHIPPED_STYLES / "folk.toml").read_text(encoding="utf-8")
    text = text.replace('name = "folk"', 'name = "sea-shanty"').replace(
        'meters = ["6/8", "4/4", "2/4"]', 'meters = ["2/4"]'
    )
    text = text.replace('instrument = "violin"', 'instrument = "accordion"')
    (tmp_path / "sea-shanty.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ControlError, match="meter_weights"):  # folk's three weights, one meter
        load_style("sea-shanty", str(tmp_path))
    text = "\n".join(line for line in text.splitlines() if not line.startswith("meter_weights"))
    (tmp_path / "sea-shanty.toml").write_text(text, encoding="utf-8")
    assert "sea-shanty" in available_styles(str(tmp_path))
    with pytest.raises(ControlError, match="unknown style"):
        load_style("sea-shanty")
    piece = compose(
        ComposeRequest(style="sea-shanty", styles_path=str(tmp_path), model="rules", seed=3, candidates=1)
    )
    assert str(piece.score.time_signatures[0]) == "2/4"
    assert piece.score.tracks[0].program == 21  # accordion


def test_forms_are_drawn_in_the_corpus_proportions_unless_the_request_names_one() -> None:
    from collections import Counter

    from tunesmith.compose.plan import make_plan

    def form(**kw: object) -> str:
        plan = make_plan(ComposeRequest(candidates=1, **kw))  # type: ignore[arg-type]
        return "".join(s.label for s in plan.sections)

    folk = Counter(form(style="folk", seed=s) for s in range(1, 61))
    assert folk.most_common(1)[0][0] == "AABB" and len(folk) >= 3  # both strains repeated, mostly
    assert {form(style="folk", seed=s, form="ABA") for s in range(1, 11)} == {"ABA"}
    assert {form(style="waltz", seed=s) for s in range(1, 11)} == {"AABA"}  # no weights: its one form


@pytest.mark.parametrize(
    ("style", "field", "line", "problem"),
    [("folk", "form_weights", "form_weights = { XYZ1 = 0.5 }", "cannot read form"),
     ("folk", "form_weights", "form_weights = { AB = 2 }", "weight in 0-1"),
     ("folk", "form_weights", "form_weights = { AB = 0 }", "all 0"),
     ("chorale", "passing_tones", "melody_top_p = 0.2", "below 0.5"),
     ("chorale", "passing_tones", "melody_top_p = 1.5", "number in 0-1"),
     ("chorale", "passing_tones", "passing_tones = -1", "number in 0-1"),
     ("chorale", "passing_tones", 'passing_tones = "often"', "number in 0-1"),
     ("chinese-folk", "open_sections", 'open_sections = "false"', "must be true or false"),
     ("celtic", "onset_bias", 'onset_bias = { "5/4" = 0.5 }', "onset_bias meter"),
     ("celtic", "onset_bias", 'onset_bias = { "2/4" = 9 }', "number in -3-3"),
     ("celtic", "onset_bias", 'onset_bias = { "2/4" = true }', "number in -3-3"),
     ("celtic", "onset_bias", "onset_bias = 0.5", "table of meter"),
     ("chorale", "forbidden_leaps", "forbidden_leaps = [6, 40]", "whole semitones 1-24"),
     ("chorale", "forbidden_leaps", "forbidden_leaps = [true]", "whole semitones 1-24"),
     ("chorale", "forbidden_leaps", 'forbidden_leaps = "tritone"', "whole semitones 1-24")],
)  # fmt: skip
def test_bad_style_settings_are_refused_with_the_file_named(
    tmp_path: Path, style: str, field: str, line: str, problem: str
) -> None:
    text = (SHIPPED_STYLES / f"{style}.toml").read_text(encoding="utf-8")
    start = text.index(field)
    text = text[:start] + line + text[text.index("\n", start) :]
    (tmp_path / f"{style}.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ControlError, match=rf"{style}\.toml: .*{problem}"):
        load_style(style, str(tmp_path))
