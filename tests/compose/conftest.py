"""Compose tests run against a private data dir (store, caches) and without the corpus-wide
originality index (built once per machine, seconds); tests that need it ask for it explicitly."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private(private_home: object, no_copy_check: None) -> None:
    """Every compose test: the root conftest's private home, no copy check."""
