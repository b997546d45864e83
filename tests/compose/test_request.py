from __future__ import annotations

import pytest

from tunesmith.compose.request import ComposeRequest, parse_progression
from tunesmith.compose.styles import form_sections
from tunesmith.errors import ControlError, InputFileError


@pytest.mark.parametrize(
    ("changes", "field", "allowed"),
    [
        ({"style": "polka-dots"}, "style", "folk"),
        ({"mood": "hungry"}, "mood", "happy"),
        ({"valence": 1.5}, "valence", "-1.0 to 1.0"),
        ({"arousal": -2}, "arousal", "-1.0 to 1.0"),
        ({"key": "H"}, "key", "C, C#"),
        ({"mode": "lydian-ish"}, "mode", "major, minor"),
        ({"tempo": 500}, "tempo", "30 to 240"),
        ({"meter": "7/8"}, "meter", "4/4, 3/4, 6/8, 2/4"),
        ({"bars": 1000}, "bars", "4 to 256"),
        ({"bars": 8, "seconds": 30.0}, "bars", "not both"),
        ({"seconds": 1.0}, "seconds", "5 to 900"),
        ({"form": "a-b-a?"}, "form", "AABA"),
        ({"chords": "C Xm9 F"}, "chords", "Roman numerals"),
        ({"instruments": ["violin", "kazoo 3000"]}, "instruments", "General MIDI name"),
        ({"model": "transformer"}, "model", "rnn, vae, gan"),
        ({"temperature": 5.0}, "temperature", "0.1 to 2"),
        ({"candidates": 0}, "candidates", "1 to 16"),
        ({"seed": -1}, "seed", "0-2147483647"),
        ({"form": "AABA", "bars": 6}, "bars", "at least 8"),
    ],
)
def test_bad_controls_name_the_field_and_what_is_allowed(changes: dict, field: str, allowed: str) -> None:
    with pytest.raises(ControlError) as info:
        ComposeRequest(**changes).validate()
    assert info.value.field == field
    assert allowed in str(info.value)


def test_missing_primer_is_an_input_file_error(tmp_path) -> None:
    with pytest.raises(InputFileError, match="primer"):
        ComposeRequest(primer=str(tmp_path / "nope.mid")).validate()


def test_json_round_trip_is_exact() -> None:
    req = ComposeRequest(
        style="waltz",
        mood="tender",
        valence=0.25,
        key="Bb",
        mode="major",
        tempo=132.5,
        meter="3/4",
        bars=24,
        form="AABA",
        chords="I vi IV V",
        instruments=["violin", "piano"],
        model="rules",
        temperature=0.8,
        candidates=2,
        seed=42,
        title="T",
    )
    again = ComposeRequest.from_json(req.to_json())
    assert again == req
    assert again.validate() is again


def test_from_dict_rejects_unknown_controls() -> None:
    with pytest.raises(ControlError, match="allowed: arousal"):
        ComposeRequest.from_dict({"style": "folk", "loudness": 3})


def test_named_mood_and_explicit_numbers() -> None:
    assert ComposeRequest(mood="sad").valence_arousal() == (-0.7, -0.5)
    assert ComposeRequest(mood="sad", arousal=0.9).valence_arousal() == (-0.7, 0.9)
    assert ComposeRequest().valence_arousal() == (0.0, 0.0)


def test_progressions_and_forms_parse() -> None:
    assert parse_progression("C Am F G") == [["C"], ["Am"], ["F"], ["G"]]
    assert parse_progression("I vi | IV V7 | bVII") == [["I", "vi"], ["IV", "V7"], ["bVII"]]
    assert form_sections("AABA") == ["A", "A", "B", "A"]
    assert form_sections("verse-chorus") == ["verse", "chorus", "verse", "chorus"]
    assert form_sections("intro,verse,chorus") == ["intro", "verse", "chorus"]
    assert form_sections("ABACA") == list("ABACA")
