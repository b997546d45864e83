"""The Python API: compose_piece() keywords are made from ComposeRequest's fields, py.typed ships,
render_to_array() returns audio in memory, and the README's example runs as written."""

from __future__ import annotations

import dataclasses
import inspect
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import tunesmith
from tunesmith.compose.request import ComposeRequest

ROOT = Path(__file__).resolve().parent.parent


def test_compose_piece_shows_the_request_fields_as_typed_keywords() -> None:
    params = inspect.signature(tunesmith.compose_piece).parameters
    assert next(iter(params)) == "out_dir"
    for f in dataclasses.fields(ComposeRequest):
        p = params[f.name]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, f.name
        if f.name == "extra":  # a dict field: None stands for its empty default
            assert p.annotation == "dict[str, Any] | None" and p.default is None
            continue
        assert (p.annotation, p.default) == (f.type, f.default), f.name
    assert {"formats", "stems", "soundfont", "record"} <= set(params)


def test_the_package_and_the_functions_have_their_own_names() -> None:
    import tunesmith.compose.api
    import tunesmith.render.export

    assert not callable(tunesmith.compose) and not callable(tunesmith.render)
    assert callable(tunesmith.compose_piece) and callable(tunesmith.render_to_array)


def test_compose_rejects_unknown_keywords_and_bad_values() -> None:
    with pytest.raises(TypeError, match="styel"):
        tunesmith.compose_piece(styel="waltz")
    from tunesmith.errors import ControlError

    with pytest.raises(ControlError, match="tempo"):
        tunesmith.compose_piece(tempo=999.0, model="rules")


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
    audio, rate = tunesmith.render_to_array(score, master=False, sample_rate=22050)
    assert rate == 22050 and audio.shape[0] == 2
    assert audio.shape[1] >= score.duration_seconds() * rate
    assert np.abs(audio).max() > 0.01
