"""The built-in corpus (music21's collections + the Nottingham tunes) and the user's library.

``load_corpus()`` reads the compact cache (< 1 s); ``build_corpus()`` parses the sources into it.
numpy and music21 are imported only when these functions run, so importing this package is instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from tunesmith.corpus.build import BuildReport
    from tunesmith.corpus.load import Corpus


def load_corpus(names: Sequence[str] | None = None, *, cache_dir: Path | None = None) -> Corpus:
    """The cached corpus (see tunesmith.corpus.load.load_corpus)."""
    from tunesmith.corpus.load import load_corpus as _load

    return _load(names, cache_dir=cache_dir)


def build_corpus(
    names: Sequence[str] | None = None, workers: int | None = None, progress: bool = True, **kwargs: Any
) -> BuildReport:
    """Parse collections into the cache (see tunesmith.corpus.build.build_corpus)."""
    from tunesmith.corpus.build import build_corpus as _build

    return _build(names, workers, progress, **kwargs)


__all__ = ["build_corpus", "load_corpus"]
