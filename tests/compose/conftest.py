"""Compose tests run against a private data dir (store, caches) and without the corpus-wide
originality index (built once per machine, seconds); tests that need it ask for it explicitly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("tunesmith-home")
    monkeypatch.setenv("TUNESMITH_HOME", str(home))
    monkeypatch.delenv("TUNESMITH_DB_URL", raising=False)
    monkeypatch.delenv("TUNESMITH_STYLES_PATH", raising=False)
    from tunesmith.compose import engines

    monkeypatch.setattr(engines, "copied_run", lambda melody: None)
    # The chorale harmonizer samples a frame at a time (seconds per piece): its own tests cover it.
    monkeypatch.setattr(engines, "harmonizer_available", lambda: False)
    yield home
