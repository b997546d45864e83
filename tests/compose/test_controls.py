"""The compose controls are defined once (ComposeRequest's fields with a Control each): the CLI's
options, the web body and the Python signature are made from them, ranges and choices included."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from typer.testing import CliRunner

import tunesmith
from tunesmith.cli.compose import compose_command
from tunesmith.cli.main import _build
from tunesmith.compose.request import ComposeRequest, controls
from tunesmith.errors import ControlError
from tunesmith.web.schemas import ComposeBody


def test_every_request_field_but_extra_is_a_described_control() -> None:
    named = [f.name for f, _ in controls()]
    assert named == [f.name for f in dataclasses.fields(ComposeRequest) if f.name != "extra"]
    assert all(c.help for _, c in controls())
    tempo = {f.name: c for f, c in controls()}["tempo"]
    assert tempo.describe() == "Tempo in quarter notes per minute (30 to 240 bpm)"


def test_the_cli_offers_each_control_with_its_range() -> None:
    options = inspect.signature(compose_command).parameters
    for f, _ in controls(cli=True):
        assert options[f.name].default is None, f.name  # unset: the request's default applies
    result = CliRunner().invoke(_build(), ["compose", "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    assert "--styles-path" in result.output and "30 to 240 bpm" in result.output and "6/8" in result.output
    assert "(default 3)" in result.output  # candidates


def test_the_web_body_carries_each_web_control_with_its_limits() -> None:
    body = ComposeBody.model_json_schema()["properties"]
    web = {f.name for f, _ in controls(web=True)}
    assert web <= set(body) and not {"primer", "styles_path"} & set(body)
    assert {"primer_piece", "outputs", "steer"} <= set(body)
    assert body["tempo"]["anyOf"][0]["minimum"] == 30 and body["tempo"]["anyOf"][0]["maximum"] == 240
    assert body["candidates"]["minimum"] == 1 and body["candidates"]["maximum"] == 16
    assert "6/8" in body["meter"]["anyOf"][0]["enum"]
    assert ComposeBody(tempo=90).tempo == 90  # type: ignore[call-arg,attr-defined]


def test_ranges_are_checked_from_the_same_definition() -> None:
    with pytest.raises(ControlError, match=r"allowed: 30 to 240 bpm"):
        ComposeRequest(tempo=300.0).validate()
    with pytest.raises(ControlError, match=r"allowed: 1 to 16"):
        ComposeRequest(candidates=17).validate()


def test_the_python_signature_lists_every_field() -> None:
    params = inspect.signature(tunesmith.compose_piece).parameters
    assert [f.name for f in dataclasses.fields(ComposeRequest)] == [
        n for n in params if n not in ("out_dir", "formats", "stems", "soundfont", "record")
    ]
