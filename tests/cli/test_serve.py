"""`tunesmith serve`, `recommend`, `tune`: registered, validated, working on a store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tunesmith.cli.main import COMMAND_MODULES, _build
from tunesmith.store import open_store
from tunesmith.store.pieces import add_piece
from tunesmith.store.ratings import rate


def test_registered() -> None:
    assert "tunesmith.cli.serve" in COMMAND_MODULES
    names = {c.name for c in _build().registered_commands}
    assert {"serve", "recommend", "tune"} <= names


def test_serve_requires_accounts_off_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake_run(app: object, host: str, port: int) -> None:
        seen.update(app=app, host=host, port=port)

    import tunesmith.web.server

    monkeypatch.setattr(tunesmith.web.server, "run", fake_run)
    from tunesmith.cli.serve import serve_command

    created: list[object] = []
    from types import SimpleNamespace

    import tunesmith.web as web

    jobs = SimpleNamespace(shutdown=lambda **_: None)  # serve stops the app's jobs when uvicorn returns
    app = SimpleNamespace(state=SimpleNamespace(ctx=SimpleNamespace(jobs=jobs)))
    monkeypatch.setattr(web, "create_app", lambda settings: created.append(settings) or app)
    serve_command(host="0.0.0.0", port=8123)
    assert seen["port"] == 8123 and created[0].local_sign_in is False  # type: ignore[attr-defined]
    serve_command(host="127.0.0.1", port=8124)
    assert created[1].local_sign_in is True  # type: ignore[attr-defined]


def test_recommend_command_lists_pieces(tmp_path: Path) -> None:
    from tunesmith.io import load_one

    data = Path(__file__).resolve().parents[1] / "data"
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as store, store.session() as s:
        a, _ = add_piece(s, load_one(data / "melody_chords.mid"), source="library", title="Tune A")
        add_piece(s, load_one(data / "waltz_96ppq.mid"), source="library", title="Tune B")
        rate(s, "zed", a.id, 4)
    runner = CliRunner()
    app = _build()
    result = runner.invoke(app, ["recommend", "--user", "newbie", "--db", url])
    assert result.exit_code == 0, result.output
    assert "Tune A" in result.output and "popular" in result.output
    result = runner.invoke(app, ["recommend", "--user", "zed", "--db", url])
    assert "Tune B" in result.output and "Tune A" not in result.output


def test_tune_needs_from_feedback_and_ratings(tmp_path: Path) -> None:
    from tunesmith.cli.main import main

    url = f"sqlite:///{tmp_path / 's.db'}"
    with pytest.raises(SystemExit) as ex:
        main(["tune", "--db", url])
    assert ex.value.code == 1
    with pytest.raises(SystemExit) as ex:
        main(["tune", "--from-feedback", "--db", url])
    assert ex.value.code == 1
