"""The typed Python API: compose() keywords are ComposeRequest's fields, py.typed ships, render()
returns audio in memory, and the README's example runs as written."""

from __future__ import annotations

import dataclasses
import inspect
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import tunesmith
from tunesmith.compose import compose_piece
from tunesmith.compose.request import ComposeRequest

ROOT = Path(__file__).resolve().parent.parent


def test_compose_keywords_are_the_request_fields_with_their_types_and_defaults() -> None:
    params = inspect.signature(compose_piece).parameters
    for f in dataclasses.fields(ComposeRequest):
        assert f.name in params, f.name
        p = params[f.name]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, f.name
        if f.name == "extra":
            assert p.annotation == "dict[str, Any] | None" and p.default is None
            continue
        assert p.annotation == f.type, (f.name, p.annotation, f.type)
        assert p.default == f.default, f.name
    # tunesmith.compose shows the same signature, whichever object the name holds at the moment
    assert inspect.signature(tunesmith.compose) == inspect.signature(compose_piece)


def test_compose_rejects_unknown_keywords_and_bad_values() -> None:
    with pytest.raises(TypeError, match="styel"):
        tunesmith.compose(styel="waltz")  # type: ignore[call-arg]
    from tunesmith.errors import ControlError

    with pytest.raises(ControlError, match="tempo"):
        tunesmith.compose(tempo=999.0, model="rules")


def test_py_typed_ships_as_package_data() -> None:
    assert (ROOT / "src" / "tunesmith" / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["tunesmith"]


def test_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "README.md has no python example"
    code = blocks[0]
    assert len([line for line in code.splitlines() if line.strip()]) <= 5
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    audio, rate = namespace["audio"], namespace["rate"]
    assert isinstance(audio, np.ndarray) and audio.ndim == 2 and audio.shape[0] == 2
    assert rate == 44100 and audio.shape[1] > 3 * rate
    assert np.abs(audio).max() > 0.05 and np.isfinite(audio).all()
    assert tunesmith.load(tmp_path / "waltz.mid")[0].tracks


def test_render_a_plain_score_without_mastering() -> None:
    score = tunesmith.load(ROOT / "tests" / "data" / "melody_chords.mid")[0]
    audio, rate = tunesmith.render(score, master=False, sample_rate=22050)
    assert rate == 22050 and audio.shape[0] == 2
    assert audio.shape[1] >= score.duration_seconds() * rate
    assert np.abs(audio).max() > 0.01


def test_render_stays_callable_after_its_submodules_are_imported() -> None:
    import tunesmith.render.export

    assert callable(tunesmith.render)
    params = list(inspect.signature(tunesmith.render).parameters)
    assert params == ["score", "soundfont", "master", "sample_rate"]


def test_cli_web_and_python_take_the_same_controls() -> None:
    """One source: ComposeRequest's fields are the CLI's options and the web body's fields, with the
    same types and defaults (the web takes an upload id instead of a primer path and has no styles
    folder; the CLI reads instruments as a comma list)."""
    import typing

    from tunesmith.cli.compose import compose_command
    from tunesmith.web.schemas import ComposeBody

    hints = typing.get_type_hints(ComposeRequest)
    names = [f.name for f in dataclasses.fields(ComposeRequest) if f.name != "extra"]
    cli = inspect.signature(compose_command).parameters
    assert set(names) <= set(cli), set(names) - set(cli)
    web = ComposeBody.model_fields
    server_side = {"primer", "styles_path"}
    assert set(names) - server_side <= set(web), set(names) - server_side - set(web)
    def plain(annotation: object) -> object:
        """The type without its length limits (the web caps each instrument name's length)."""
        if typing.get_origin(annotation) is typing.Annotated:
            return plain(typing.get_args(annotation)[0])
        args = typing.get_args(annotation)
        if not args:
            return annotation
        origin = typing.get_origin(annotation)
        return (str(origin), frozenset(map(str, map(plain, args))))

    for f in dataclasses.fields(ComposeRequest):
        if f.name in web:
            assert plain(web[f.name].annotation) == plain(hints[f.name]), f.name
            assert web[f.name].default == f.default, f.name
