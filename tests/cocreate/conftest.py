"""Co-creation tests share one composed piece (composing takes seconds) and a private data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tunesmith.cocreate.revise import Version


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("tunesmith-home")
    monkeypatch.setenv("TUNESMITH_HOME", str(home))
    monkeypatch.delenv("TUNESMITH_DB_URL", raising=False)
    monkeypatch.delenv("TUNESMITH_STYLES_PATH", raising=False)
    yield home


@pytest.fixture(scope="session", autouse=True)
def no_originality_index() -> Iterator[None]:
    """The corpus-wide copy check needs an index built per machine (seconds): compose/test_copies
    covers it; here the piece and its replays skip it alike, so they stay the same piece."""
    from tunesmith.compose import engines

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engines, "copied_run", lambda melody: None)
        yield


@pytest.fixture(scope="session")
def piece_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folk piece (melody, counter, accompaniment, bass, drums) written by compose, JSON only."""
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.render.piece import write_files

    out = tmp_path_factory.mktemp("piece")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNESMITH_HOME", str(out / "home"))
        composition = compose(ComposeRequest(style="folk", key="D", seed=7, candidates=1))
        paths = write_files(composition, out, formats=["json"], record=False)
    return paths["json"]


@pytest.fixture(scope="session")
def version(piece_json: Path) -> Version:
    from tunesmith.cocreate import load_version, read_piece_json

    return load_version(read_piece_json(piece_json), str(piece_json))
