"""Piece counts of collections without loading them: from the cache if built, else from the sources."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tunesmith.corpus.abcsplit import split_abc
from tunesmith.corpus.collections import Collection
from tunesmith.paths import PACKAGE_DATA, data_dir


def cached_count(path: Path) -> int | None:
    """Pieces in a collection cache file (reads only its offsets array); None if unreadable."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as npz:
            return int(len(npz["offsets"]) - 1)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def source_count(collection: Collection) -> int:
    """Pieces the sources hold: tunes in ABC files, one per other file (before any parsing)."""
    total = 0
    for path in collection.files():
        if path.suffix.lower() == ".abc":
            total += len(split_abc(path.read_text(encoding="utf-8", errors="replace")))
        else:
            total += 1
    return total


def collection_counts(collection: Collection, user_dir: Path | None = None) -> tuple[int, str]:
    """(piece count, where it was counted: 'cache', 'shipped cache' or 'source files')."""
    user = (user_dir if user_dir is not None else data_dir() / "corpus") / f"{collection.name}.npz"
    shipped = PACKAGE_DATA / "corpus" / f"{collection.name}.npz"
    for path, origin in ((user, "cache"), (shipped, "shipped cache")):
        if path.is_file():
            count = cached_count(path)
            if count is not None:
                return count, origin
    return source_count(collection), "source files"
