from __future__ import annotations

from pathlib import Path

from tunesmith.corpus.build import build_corpus
from tunesmith.corpus.info import collection_counts

from .conftest import tiny_collection


def test_counts_from_sources_then_from_cache(sources: Path, tmp_path: Path) -> None:
    collection = tiny_collection(sources)
    # before a build: 4 ABC tunes (one broken) + 3 other files, counted without parsing
    assert collection_counts(collection, tmp_path / "cache") == (7, "source files")
    build_corpus(collections=[collection], workers=1, progress=False, cache_dir=tmp_path / "cache")
    assert collection_counts(collection, tmp_path / "cache") == (6, "cache")
