"""Load the cached corpus in well under a second; Scores are decoded only when asked for.

Each collection is read from the user's rebuilt cache (``data_dir()/corpus``) when present, else from
the cache shipped inside the package (``tunesmith/data/corpus``), so the corpus is usable right after
installation without parsing anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.corpus.cache import NOTE_COLUMNS, CollectionArrays, read_collection
from tunesmith.corpus.collections import COLLECTIONS, collection_names
from tunesmith.errors import NotFoundError, TunesmithError
from tunesmith.paths import PACKAGE_DATA, data_dir
from tunesmith.score import Score


@dataclass(frozen=True, slots=True)
class PieceInfo:
    """Summary of one corpus piece (no notes): enough to list, filter and reference it."""

    collection: str
    path: str
    """Source file, relative to its collection's root."""
    index: int
    """Position of the piece in its source file (ABC files hold many tunes)."""
    title: str
    tags: tuple[str, ...]
    key: str
    """``"fifths:mode"`` of the first key signature, e.g. ``"-1:minor"`` (D minor); empty if none."""
    meter: str
    tempo: float | None
    bars: int
    seconds: float
    note_count: int
    chord_count: int

    @property
    def ref(self) -> str:
        """Stable reference ``collection/path#index`` (what the store keeps for corpus pieces)."""
        return f"{self.collection}/{self.path}#{self.index}"


def cache_dirs(user_dir: Path | None = None) -> list[Path]:
    """Where collection caches are looked up, first match wins: the user's, then the shipped one."""
    return [user_dir if user_dir is not None else data_dir() / "corpus", PACKAGE_DATA / "corpus"]


def find_collection_file(name: str, user_dir: Path | None = None) -> Path | None:
    for folder in cache_dirs(user_dir):
        path = folder / f"{name}.npz"
        if path.is_file():
            return path
    return None


class Corpus:
    """A selection of cached pieces: ``len``, indexing and iteration give Scores, decoded lazily."""

    def __init__(
        self,
        parts: Sequence[CollectionArrays],
        selection: Sequence[tuple[int, int]] | None = None,
        infos: list[list[PieceInfo]] | None = None,
    ):
        self._parts = list(parts)
        self._infos = infos  # per part, every piece's PieceInfo; shared with filtered corpora
        self._selection = (
            list(selection)
            if selection is not None
            else [(p, i) for p, part in enumerate(self._parts) for i in range(len(part))]
        )
        self._pieces: list[PieceInfo] | None = None

    @property
    def pieces(self) -> list[PieceInfo]:
        """Summary of every piece, in corpus order (built on first use)."""
        if self._pieces is None:
            if self._infos is None:
                self._infos = [_infos(part) for part in self._parts]
            infos = self._infos
            self._pieces = [infos[p][i] for p, i in self._selection]
        return self._pieces

    def __len__(self) -> int:
        return len(self._selection)

    def __getitem__(self, i: int) -> Score:
        part, j = self._selection[i]
        return self._parts[part].score(j)

    def __iter__(self) -> Iterator[Score]:
        for i in range(len(self)):
            yield self[i]

    def meta(self, i: int) -> dict[str, Any]:
        """The full cached metadata of piece ``i`` (tracks, tempos, meters, keys, chord symbols ...)."""
        part, j = self._selection[i]
        return self._parts[part].meta(j)

    def notes(self, i: int) -> dict[str, npt.NDArray[Any]]:
        """Note columns of piece ``i`` without building a Score: pitch, start (absolute ticks),
        duration, velocity, track; sorted by start. Fast path for training-data pipelines."""
        part, j = self._selection[i]
        cols = dict(self._parts[part].piece_notes(j))
        cols["start"] = np.cumsum(cols["start"].astype(np.int64))
        return cols

    @property
    def collections(self) -> list[str]:
        names = {self._parts[p].name for p, _ in self._selection}
        return sorted(names, key=_registry_order)

    @property
    def sources(self) -> dict[str, Path]:
        """Cache file each loaded collection came from."""
        return {part.name: part.path for part in self._parts}

    def filter(
        self,
        collection: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        with_chords: bool | None = None,
    ) -> Corpus:
        """Pieces of the given collection(s), having every given tag, with/without chord symbols."""
        names = {collection} if isinstance(collection, str) else set(collection or ())
        tags = {tag} if isinstance(tag, str) else set(tag or ())
        keep = []
        for p, i in self._selection:
            col = self._parts[p].summary
            if names and self._parts[p].name not in names:
                continue
            if tags and not tags.issubset(col["tag_sets"][col["tags"][i]]):
                continue
            if with_chords is not None and (col["chord_count"][i] > 0) != with_chords:
                continue
            keep.append((p, i))
        return Corpus(self._parts, keep, self._infos)

    def __repr__(self) -> str:
        return f"Corpus({len(self)} pieces from {', '.join(self.collections) or 'no collections'})"


def _infos(arrays: CollectionArrays) -> list[PieceInfo]:
    """PieceInfo of every piece of a loaded collection, built column-wise (fast) and kept with it."""
    col = arrays.summary
    tag_sets = [tuple(t) for t in col["tag_sets"]]
    rows = zip(
        col["path"], col["index"], col["title"], col["tags"], col["key"], col["meter"], col["tempo"],
        col["bars"], col["seconds"], col["note_count"], col["chord_count"], strict=True,
    )
    name = arrays.name
    return [
        PieceInfo(name, path, index, title, tag_sets[tags], key, meter, tempo, bars, seconds, notes, chords)
        for path, index, title, tags, key, meter, tempo, bars, seconds, notes, chords in rows
    ]


def _registry_order(name: str) -> tuple[int, str]:
    names = collection_names()
    return (names.index(name), name) if name in names else (len(names), name)


def load_corpus(names: Sequence[str] | None = None, *, cache_dir: Path | None = None) -> Corpus:
    """The cached corpus: the named collections, or every collection that has a cache.

    ``cache_dir`` replaces the user's cache folder (the shipped cache is still the fallback).
    A named collection without any cache raises NotFoundError saying how to build it.
    """
    wanted = list(names) if names else [c.name for c in COLLECTIONS]
    parts: list[CollectionArrays] = []
    for name in wanted:
        path = find_collection_file(name, cache_dir)
        if path is None:
            if names:
                known = ", ".join(collection_names())
                raise NotFoundError(
                    f"corpus collection {name!r} is not built (known: {known}); "
                    f"run `tunesmith corpus build --collection {name}`"
                )
            continue
        try:
            parts.append(read_collection(path))
        except TunesmithError:
            shipped = PACKAGE_DATA / "corpus" / f"{name}.npz"
            if path == shipped or not shipped.is_file():
                raise
            parts.append(read_collection(shipped))  # a damaged user cache falls back to the shipped one
    return Corpus(parts)


__all__ = ["NOTE_COLUMNS", "Corpus", "PieceInfo", "find_collection_file", "load_corpus"]
