"""Originality: how many consecutive melody notes a piece shares with any piece of a training corpus.

A melody becomes a transposition-invariant sequence of symbols, one per step between consecutive
notes: the pitch interval (and, optionally, the ratio of the two notes' inter-onset times, so the
rhythm must match too). A run of k notes copied from a training piece, in any key, is a common
substring of k − 1 symbols.

The index is a suffix array over the concatenated sequences of every training piece (separators
between pieces, so no match spans two). One query answers "the longest substring of the query that
occurs anywhere in the corpus" exactly, at any length, with a binary search per query position that
runs for all positions at once in numpy: a 32-bar melody against ~10⁶ corpus notes takes a few ms.
Building it is prefix doubling (a handful of numpy sorts): seconds for the full corpus; the result is
cached in the user data dir, keyed by a hash of the corpus cache files.

Why not hashed n-grams (e.g. 12-note windows, then extending hits)? They only see runs at least one
window long, so every shorter run would read as "0"; the suffix array measures runs of any length
(the metric stays informative at 5-11 notes, where generated music usually is) at the same speed.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tunesmith.corpus import load_corpus
from tunesmith.errors import ControlError, CorruptFileError, NotFoundError
from tunesmith.fileutil import atomic_path
from tunesmith.paths import data_dir
from tunesmith.score import Note, Score
from tunesmith.theory.melodyline import choose_melody, melody_notes

INDEX_FORMAT = 1
"""Bump when the saved index layout or the symbol alphabet changes (old caches are then rebuilt)."""

_MAX_INTERVAL = 60  # intervals are clipped to ±5 octaves: wider leaps are equally "a big leap"
_RATIO_CLASSES = 6  # inter-onset ratios: round(2·log2 ratio), i.e. steps of √2, clipped to ±6 (8×)
_SEP = -1  # between pieces in the corpus text
_QUERY_PAD = -2  # after the end of a query suffix (sorts first: a shorter suffix is smaller)
_TEXT_PAD = -3  # read for every position past the end of the corpus text
_FIRST_WIDTH = 24  # symbols compared per binary-search step at first (then 4× wider where needed)
_FP_MAGIC = b"TSF1"
_KEY_SHIFT = 8  # makes every symbol (pads and separator included) positive in the prefix keys
_KEY_BASE = 1 << 20  # above any shifted symbol: two symbols pack into one sortable key


class CopiedRun(NamedTuple):
    """The longest run: ``length`` in notes, and the id of the training piece it comes from (None
    when the query has fewer than two notes, so nothing can be compared)."""

    length: int
    piece: str | None


@dataclass(frozen=True)
class Similar:
    """A training piece similar to the query: ``shared`` is the share of the query's windows of
    ``window`` notes that occur in it (transposed or not), ``longest_run`` the longest run in notes."""

    piece: str
    shared: float
    longest_run: int


# --- sequences --------------------------------------------------------------------------------------


def _ratio_classes(notes: Sequence[Note]) -> np.ndarray:
    """Per step i (note i → i+1): class of the ratio of note i+1's inter-onset time to note i's."""
    return _ratio_classes_of(np.array([n.start for n in notes]), notes[-1].duration)


def _ratio_classes_of(starts: np.ndarray, last_duration: int) -> np.ndarray:
    # The last note has no next onset: its duration stands in for its inter-onset time.
    ioi = np.append(np.diff(starts.astype(np.float64)), float(last_duration)).clip(min=1.0)
    ratio = np.round(2.0 * np.log2(ioi[1:] / ioi[:-1]))
    return ratio.clip(-_RATIO_CLASSES, _RATIO_CLASSES).astype(np.int64)


def _symbols(intervals: np.ndarray, ratios: np.ndarray | None) -> np.ndarray:
    base = intervals.astype(np.int64).clip(-_MAX_INTERVAL, _MAX_INTERVAL) + _MAX_INTERVAL
    if ratios is None:
        return base
    return base * (2 * _RATIO_CLASSES + 1) + (ratios.astype(np.int64) + _RATIO_CLASSES)


def melody_sequence(notes_or_score: Score | Sequence[Note] | Sequence[int], rhythm: bool = False,
                    track: str | None = None) -> np.ndarray:
    """The symbol sequence of a melody (length = notes − 1): a Score (its melody line, see
    :func:`tunesmith.theory.melodyline.melody_notes`), a list of Notes in order, or a list of MIDI
    pitches (pitch-only; ``rhythm`` needs Notes)."""
    if isinstance(notes_or_score, Score):
        items: Sequence[Note] | Sequence[int] = melody_notes(notes_or_score, track)
    else:
        items = notes_or_score
    if len(items) < 2:
        return np.zeros(0, dtype=np.int64)
    if isinstance(items[0], Note):
        notes = sorted((n for n in items if isinstance(n, Note)), key=lambda n: n.start)
        pitches = np.array([n.pitch for n in notes])
        ratios = _ratio_classes(notes) if rhythm else None
    else:
        if rhythm:
            raise ControlError("rhythm", "a list of pitches has no rhythm: pass Notes or a Score")
        pitches = np.asarray(items, dtype=np.int64)
        ratios = None
    return _symbols(np.diff(pitches), ratios)


# --- fingerprints -----------------------------------------------------------------------------------


def fingerprint(score: Score, track: str | None = None) -> bytes:
    """A compact, transposition-invariant fingerprint of a piece's melody for the store: the pitch
    intervals and inter-onset-ratio classes of its melody line (2 bytes per note, plus 8). An index
    built from stored fingerprints (:meth:`OriginalityIndex.from_fingerprints`) checks new pieces
    against them exactly as against a corpus."""
    notes = melody_notes(score, track)
    if len(notes) < 2:
        return _FP_MAGIC + struct.pack("<I", 0)
    intervals = np.diff([n.pitch for n in notes]).clip(-_MAX_INTERVAL, _MAX_INTERVAL).astype(np.int8)
    ratios = _ratio_classes(notes).astype(np.int8)
    return _FP_MAGIC + struct.pack("<I", len(intervals)) + intervals.tobytes() + ratios.tobytes()


def fingerprint_sequence(data: bytes, rhythm: bool = False) -> np.ndarray:
    """The symbol sequence (as :func:`melody_sequence`) stored in a :func:`fingerprint`."""
    if len(data) < 8 or data[:4] != _FP_MAGIC:
        raise ControlError("fingerprint", "not a tunesmith melody fingerprint (bad header)")
    (count,) = struct.unpack("<I", data[4:8])
    if len(data) != 8 + 2 * count:
        raise ControlError("fingerprint", f"truncated: {len(data)} bytes for {count} intervals")
    intervals = np.frombuffer(data, dtype=np.int8, count=count, offset=8)
    ratios = np.frombuffer(data, dtype=np.int8, count=count, offset=8 + count)
    return _symbols(intervals, ratios if rhythm else None)


# --- suffix array -----------------------------------------------------------------------------------


def suffix_array(text: np.ndarray) -> np.ndarray:
    """Start positions of the suffixes of ``text`` (integers) in lexicographic order (a shorter
    suffix sorts before its extensions).

    Prefix doubling in numpy: sort by the first k symbols, then refine by 2k, 4k, … symbols. The
    first sort packs as many symbols as fit in 62 bits into one key; later rounds re-sort only the
    suffixes still tied with another (in a corpus, mostly repeated sections and duplicate tunes),
    so the rounds after the first few are cheap.
    """
    n = len(text)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    values = text.astype(np.int64) - int(text.min()) + 1  # ≥ 1: 0 means "past the end"
    bits = int(values.max()).bit_length()
    k = max(1, 62 // bits)
    packed = np.zeros(n, dtype=np.int64)
    for j in range(k):
        shifted = np.zeros(n, dtype=np.int64)
        if j < n:
            shifted[: n - j] = values[j:]
        packed = (packed << bits) | shifted
    sa = np.argsort(packed, kind="stable")
    ordered = packed[sa]
    starts_group = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    slots = np.arange(n)
    # rank[i] = position in ``sa`` of the first suffix of i's group (groups: equal first k symbols).
    rank = np.empty(n, dtype=np.int64)
    rank[sa] = np.maximum.accumulate(np.where(starts_group, slots, 0))
    while k < n:
        head = rank[sa]
        tied = np.bincount(head, minlength=n)[head] > 1
        if not tied.any():
            break
        tied_slots = np.flatnonzero(tied)
        idx = sa[tied_slots]
        first = rank[idx]
        second = np.zeros(len(idx), dtype=np.int64)
        inside = idx + k < n
        second[inside] = rank[idx[inside] + k] + 1
        order = np.argsort(first * (n + 1) + second)  # one int64 key sorts faster than a lexsort
        idx, first, second = idx[order], first[order], second[order]
        sa[tied_slots] = idx  # each tied group stays within its own slots, now sorted by 2k symbols
        new_group = np.concatenate(([True], (first[1:] != first[:-1]) | (second[1:] != second[:-1])))
        rank[idx] = np.maximum.accumulate(np.where(new_group, tied_slots, 0))
        k *= 2
    return sa.astype(np.int32)


class OriginalityIndex:
    """A searchable set of training melodies (see the module docstring).

    Build with :meth:`from_scores` (or :meth:`from_sequences`, :meth:`from_fingerprints`, or
    :func:`corpus_index` for the cached built-in corpus); query with :func:`longest_copied_run`,
    :func:`is_original` and :func:`find_similar`. ``rhythm`` says whether symbols include the
    inter-onset ratios (then only runs with the same rhythm count as copies).
    """

    def __init__(self, text: np.ndarray, offsets: np.ndarray, ids: Sequence[str], rhythm: bool,
                 sa: np.ndarray | None = None) -> None:
        self.text = text.astype(np.int32)
        self.offsets = offsets.astype(np.int64)
        """offsets[p] is where piece p starts in ``text``; offsets[-1] is len(text)."""
        self.ids = list(ids)
        self.rhythm = rhythm
        self.sa = suffix_array(self.text) if sa is None else sa.astype(np.int32)
        self._padded = np.concatenate([self.text, np.array([_TEXT_PAD], dtype=np.int32)])
        self._prefix_keys: np.ndarray | None = None
        self._piece_of = None if len(self.text) == 0 else self._piece_at(np.arange(len(self.text)))

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_sequences(cls, sequences: Sequence[np.ndarray], ids: Sequence[str],
                       rhythm: bool = False) -> OriginalityIndex:
        """From symbol sequences made by :func:`melody_sequence` with the same ``rhythm``."""
        if len(sequences) != len(ids):
            raise ControlError("ids", f"{len(ids)} ids for {len(sequences)} sequences")
        parts: list[np.ndarray] = []
        offsets = [0]
        for seq in sequences:
            parts.append(np.asarray(seq, dtype=np.int32))
            parts.append(np.array([_SEP], dtype=np.int32))
            offsets.append(offsets[-1] + len(seq) + 1)
        text = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        return cls(text, np.array(offsets), ids, rhythm)

    @classmethod
    def from_scores(cls, scores: Sequence[Score], ids: Sequence[str] | None = None,
                    rhythm: bool = False) -> OriginalityIndex:
        """From the melody lines of ``scores``; ``ids`` default to :func:`piece_id` of each."""
        labels = list(ids) if ids is not None else [piece_id(s, i) for i, s in enumerate(scores)]
        return cls.from_sequences([melody_sequence(s, rhythm) for s in scores], labels, rhythm)

    @classmethod
    def from_fingerprints(cls, fingerprints: Sequence[bytes], ids: Sequence[str],
                          rhythm: bool = False) -> OriginalityIndex:
        """From stored :func:`fingerprint` bytes (e.g. the store's fingerprints table)."""
        return cls.from_sequences([fingerprint_sequence(fp, rhythm) for fp in fingerprints], ids, rhythm)

    def without(self, pieces: Iterable[int]) -> OriginalityIndex:
        """A new index of every piece but ``pieces`` (positions), e.g. to measure how much held-out
        corpus pieces share with the rest of the corpus."""
        drop = set(pieces)
        keep = [p for p in range(len(self.ids)) if p not in drop]
        return OriginalityIndex.from_sequences(
            [self.piece_sequence(p) for p in keep], [self.ids[p] for p in keep], self.rhythm
        )

    def _piece_at(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, positions, side="right") - 1

    def piece_sequence(self, piece: int) -> np.ndarray:
        return self.text[self.offsets[piece] : self.offsets[piece + 1] - 1]

    # -- persistence ------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the index (with its suffix array) to an .npz file, atomically."""
        with atomic_path(path) as tmp, tmp.open("wb") as fh:
            small = len(self.text) == 0 or int(np.abs(self.text).max()) < 2**15
            text = self.text.astype(np.int16) if small else self.text  # halves the file for pitch-only
            np.savez(fh, format=np.array(INDEX_FORMAT), text=text, offsets=self.offsets,
                     sa=self.sa, rhythm=np.array(self.rhythm),
                     # ids as UTF-8 JSON: a numpy string array pads every id to the longest (4 B/char)
                     ids=np.frombuffer(json.dumps(self.ids).encode("utf-8"), dtype=np.uint8))

    @classmethod
    def load(cls, path: str | Path) -> OriginalityIndex:
        """Read an index written by :meth:`save`; CorruptFileError if it is not one of this format."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"]) != INDEX_FORMAT:
                    raise CorruptFileError(path, f"originality index format {int(data['format'])}, "
                                                 f"expected {INDEX_FORMAT}")
                ids = json.loads(data["ids"].tobytes().decode("utf-8"))
                return cls(data["text"], data["offsets"], [str(x) for x in ids], bool(data["rhythm"]),
                           sa=data["sa"])
        except (OSError, KeyError, ValueError, UnicodeDecodeError) as err:
            raise CorruptFileError(path, f"not a readable originality index ({err})") from err

    # -- search -----------------------------------------------------------------------------------

    def _compare(self, queries: np.ndarray, suffix_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each row: (corpus suffix < query row, length of their common prefix, ≤ width)."""
        width = queries.shape[1]
        # Indices past the end of the text all read the one pad symbol after it.
        gather = np.minimum(suffix_starts[:, None] + np.arange(width)[None, :], len(self.text))
        window = self._padded[gather]
        differ = window != queries
        first = differ.argmax(axis=1)
        rows = np.arange(len(first))
        some = differ[rows, first]
        less = some & (window[rows, first] < queries[rows, first])
        lcp = np.where(some, first, width)
        return less, lcp

    def _search(self, q: np.ndarray, starts: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Longest match (≤ width symbols) and a corpus position of it, for the query suffixes at
        ``starts``: a lower-bound binary search of every suffix at once, then its two neighbours."""
        idx = starts[:, None] + np.arange(width)[None, :]
        rows = np.where(idx < len(q), q[np.minimum(idx, len(q) - 1)], _QUERY_PAD).astype(np.int32)
        lo, hi = self._prefix_range(q, starts)
        while True:
            active = np.flatnonzero(lo < hi)
            if len(active) == 0:
                break
            mid = (lo[active] + hi[active]) // 2
            less, _ = self._compare(rows[active], self.sa[mid].astype(np.int64))
            lo[active] = np.where(less, mid + 1, lo[active])
            hi[active] = np.where(less, hi[active], mid)
        best_len = np.zeros(len(starts), dtype=np.int64)
        best_pos = np.zeros(len(starts), dtype=np.int64)
        for neighbour in (lo - 1, lo):
            ok = (neighbour >= 0) & (neighbour < len(self.sa))
            corpus_starts = self.sa[np.clip(neighbour, 0, len(self.sa) - 1)].astype(np.int64)
            _, lcp = self._compare(rows, corpus_starts)
            lcp = np.where(ok, lcp, 0)
            better = lcp > best_len
            best_len = np.where(better, lcp, best_len)
            best_pos = np.where(better, corpus_starts, best_pos)
        return best_len, best_pos

    def _prefix_range(self, q: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Suffix-array range of the suffixes that begin with the query suffix's first two symbols
        (one at the query's end): the binary search then starts there, ~10 steps shorter."""
        if self._prefix_keys is None:
            nxt = np.append(self.text[1:], _TEXT_PAD)[self.sa]
            first = self.text[self.sa].astype(np.int64) + _KEY_SHIFT
            self._prefix_keys = first * _KEY_BASE + (nxt + _KEY_SHIFT)
        head = (q[starts].astype(np.int64) + _KEY_SHIFT) * _KEY_BASE
        two = starts + 1 < len(q)
        second = np.where(two, q[np.minimum(starts + 1, len(q) - 1)].astype(np.int64) + _KEY_SHIFT, 0)
        lo = np.searchsorted(self._prefix_keys, head + second, side="left")
        upper = np.where(two, head + second + 1, head + _KEY_BASE)
        hi = np.searchsorted(self._prefix_keys, upper, side="left")
        return lo.astype(np.int64), hi.astype(np.int64)

    def matching_statistics(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each position i of ``query``: the length of the longest prefix of query[i:] found in
        the corpus, and a corpus text position where it starts (exact at any length)."""
        q = np.asarray(query, dtype=np.int32)
        n_q = len(q)
        best_len = np.zeros(n_q, dtype=np.int64)
        best_pos = np.zeros(n_q, dtype=np.int64)
        if n_q == 0 or len(self.sa) == 0:
            return best_len, best_pos
        # Compare a few symbols first (most matches are short); suffixes whose match fills the
        # window are searched again with a window 4× as wide, until every match ends inside one.
        todo = np.arange(n_q)
        width = min(n_q, _FIRST_WIDTH)
        while len(todo):
            lcp, pos = self._search(q, todo, width)
            best_len[todo], best_pos[todo] = lcp, pos
            todo = todo[(lcp == width) & (todo + width < n_q)]
            width = min(n_q, width * 4)
        return best_len, best_pos

    def longest_match(self, query: np.ndarray) -> tuple[int, int, int]:
        """(length in symbols, query start, corpus text start) of the longest common substring."""
        lengths, positions = self.matching_statistics(np.asarray(query, dtype=np.int32))
        if len(lengths) == 0 or lengths.max() == 0:
            return 0, 0, 0
        i = int(lengths.argmax())
        return int(lengths[i]), i, int(positions[i])


def piece_id(score: Score, position: int) -> str:
    """A readable id for a training piece: its title and source where known."""
    title, source = score.metadata.title.strip(), score.metadata.source.strip()
    if title and source:
        return f"{title} [{source}]"
    return title or source or f"piece {position}"


def longest_copied_run(notes_or_score: Score | Sequence[Note] | Sequence[int],
                       index: OriginalityIndex, track: str | None = None) -> CopiedRun:
    """The longest run of consecutive melody notes (compared by intervals, so in any key) that also
    occurs consecutively in a piece of ``index``, and that piece's id.

    ``notes_or_score``: a Score (its melody line), Notes, or MIDI pitches in order. The length is 0
    when the melody has fewer than two notes or the index is empty, and 1 (piece None) when not even
    one interval matches.
    """
    query = melody_sequence(notes_or_score, index.rhythm, track)
    if len(query) == 0 or len(index.text) == 0:
        return CopiedRun(0, None)
    length, _qstart, pos = index.longest_match(query)
    if length == 0:
        return CopiedRun(1, None)  # a single note "occurs" everywhere; no piece is to blame
    piece = int(index._piece_at(np.array([pos]))[0])
    return CopiedRun(length + 1, index.ids[piece])


def is_original(notes_or_score: Score | Sequence[Note] | Sequence[int], index: OriginalityIndex,
                max_run: int = 11, track: str | None = None) -> bool:
    """True when no run of more than ``max_run`` consecutive notes is copied from a piece of ``index``
    (the composer rejects ≥ 12 copied notes: the default ``max_run`` is 11)."""
    return longest_copied_run(notes_or_score, index, track).length <= max_run


def _longest_common_run(a: np.ndarray, b: np.ndarray) -> int:
    """Longest common substring length of two short symbol sequences (dynamic programming by rows)."""
    if len(a) == 0 or len(b) == 0:
        return 0
    prev = np.zeros(len(b) + 1, dtype=np.int64)
    best = 0
    for symbol in a:
        cur = np.zeros_like(prev)
        cur[1:] = np.where(b == symbol, prev[:-1] + 1, 0)
        best = max(best, int(cur.max()))
        prev = cur
    return best


def find_similar(notes_or_score: Score | Sequence[Note] | Sequence[int], index: OriginalityIndex,
                 top: int = 5, *, window: int = 6, track: str | None = None,
                 max_occurrences: int = 2000) -> list[Similar]:
    """The ``top`` training pieces that share the most windows of ``window`` consecutive notes
    (transposition-invariant) with the query, best first, each with its longest shared run.

    Windows that occur more than ``max_occurrences`` times in the corpus (scale runs, repeated notes)
    say nothing about one piece and are ignored, as a search engine ignores stop words.
    """
    if window < 2:
        raise ControlError("window", f"must be at least 2 notes, not {window}")
    query = melody_sequence(notes_or_score, index.rhythm, track)
    w = window - 1  # symbols per window
    n_windows = len(query) - w + 1
    if n_windows <= 0 or len(index.sa) == 0:
        return []
    lengths, positions = index.matching_statistics(query)
    assert index._piece_of is not None
    rank_of = np.empty(len(index.sa), dtype=np.int64)
    rank_of[index.sa] = np.arange(len(index.sa))
    text_len = len(index.text)
    hits: list[np.ndarray] = []
    for i in np.flatnonzero(lengths[:n_windows] >= w):
        # All suffixes sharing the window lie in one run of the suffix array around a known match:
        # widen it with exponential + binary search on the first w symbols.
        r = int(rank_of[positions[i]])
        target = query[i : i + w]

        def shares(rank: int, target: np.ndarray = target) -> bool:
            start = int(index.sa[rank])
            return start + w <= text_len and bool(np.array_equal(index.text[start : start + w], target))

        lo_r = _extend(r, -1, shares, len(index.sa), max_occurrences)
        hi_r = _extend(r, +1, shares, len(index.sa), max_occurrences)
        if lo_r is None or hi_r is None:
            continue  # too common to be telling
        hits.append(np.unique(index._piece_of[index.sa[lo_r : hi_r + 1]]))
    if not hits:
        return []
    counts = np.bincount(np.concatenate(hits), minlength=len(index.ids))
    order = np.argsort(-counts, kind="stable")[:top]
    return [
        Similar(index.ids[p], float(counts[p] / n_windows),
                _longest_common_run(query, index.piece_sequence(int(p))) + 1)
        for p in order if counts[p] > 0
    ]


def _extend(rank: int, step: int, shares: Callable[[int], bool], size: int, limit: int) -> int | None:
    """Furthest suffix-array rank from ``rank`` in direction ``step`` whose suffix still shares the
    window (ranks that share it are contiguous); None when more than ``limit`` do."""
    reach = 1
    last_ok = rank
    while True:  # gallop outwards until a rank no longer shares the window
        probe = rank + step * reach
        if not 0 <= probe < size or not shares(probe):
            break
        last_ok = probe
        if reach > limit:
            return None
        reach *= 2
    lo, hi = abs(last_ok - rank), reach  # offsets: lo shares, hi does not (or is outside)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        probe = rank + step * mid
        if 0 <= probe < size and shares(probe):
            lo = mid
        else:
            hi = mid
    return rank + step * lo if lo <= limit else None


# --- the built-in corpus, cached --------------------------------------------------------------------


def _cache_path(names: Sequence[str] | None, version: str, rhythm: bool) -> Path:
    key = hashlib.sha1(
        f"{INDEX_FORMAT}|{version}|{sorted(names) if names else 'all'}|{rhythm}".encode()
    ).hexdigest()[:16]
    folder = data_dir() / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"originality-{key}.npz"


def corpus_index(names: Sequence[str] | None = None, rhythm: bool = False) -> OriginalityIndex:
    """The index over the built-in corpus (every built collection, or ``names``), built on first use
    (seconds) and then loaded from the user data dir; a rebuilt corpus cache gets a new index. Within
    one process the index is kept in memory (the composer asks once per candidate)."""
    memo_key = (tuple(sorted(names)) if names else (), rhythm, str(data_dir()))
    if memo_key in _LOADED:
        return _LOADED[memo_key]
    corpus = load_corpus(list(names) if names else None)
    if len(corpus) == 0:
        # An empty index would call every melody original: refuse rather than mislead.
        raise NotFoundError("the built-in corpus has no pieces to check originality against; "
                            "run `tunesmith corpus build`")
    path = _cache_path(names, corpus_version(corpus), rhythm)
    index = None
    if path.exists():
        try:
            index = OriginalityIndex.load(path)
        except CorruptFileError:
            path.unlink(missing_ok=True)  # a damaged cache is rebuilt, never trusted
    if index is None:
        if hasattr(corpus, "notes") and hasattr(corpus, "meta") and hasattr(corpus, "pieces"):
            index = index_from_corpus(corpus, rhythm)
        else:
            index = OriginalityIndex.from_scores(list(corpus), rhythm=rhythm)
        index.save(path)
    _LOADED[memo_key] = index
    return index


_LOADED: dict[tuple[tuple[str, ...], bool, str], OriginalityIndex] = {}


def index_from_corpus(corpus: Any, rhythm: bool = False) -> OriginalityIndex:
    """Index a :class:`tunesmith.corpus.load.Corpus` straight from its note columns (no Score
    objects: ~10× faster than :meth:`OriginalityIndex.from_scores`, same sequences)."""
    sequences = []
    for i in range(len(corpus)):
        cols = corpus.notes(i)
        tracks = corpus.meta(i)["tracks"]
        sequences.append(_column_sequence(cols, tracks, rhythm))
    ids = [f"{info.title} [{info.ref}]" if info.title else info.ref for info in corpus.pieces]
    return OriginalityIndex.from_sequences(sequences, ids, rhythm)


def _column_sequence(
    cols: dict[str, np.ndarray], tracks: Sequence[Sequence[Any]], rhythm: bool
) -> np.ndarray:
    """:func:`melody_sequence` of a piece given as note columns (pitch, start, duration, track)."""
    pitch = cols["pitch"].astype(np.int64)
    starts, durations = cols["start"], cols["duration"]
    if len(tracks) == 1 and not tracks[0][2]:
        pitches = pitch  # most corpus tunes: one pitched track, nothing to choose
    else:
        track_of = cols["track"].astype(np.int64)
        counts = np.bincount(track_of, minlength=len(tracks))
        sums = np.bincount(track_of, weights=pitch, minlength=len(tracks))
        chosen = choose_melody(
            [str(t[0]) for t in tracks], [bool(t[2]) for t in tracks],
            [float(sums[k] / counts[k]) if k < len(counts) and counts[k] else None
             for k in range(len(tracks))],
        )
        if chosen is None:
            return np.zeros(0, dtype=np.int64)
        mine = np.flatnonzero(track_of == chosen)
        starts, pitches, durations = starts[mine], pitch[mine], durations[mine]
    if len(starts) > 1 and not np.all(starts[1:] > starts[:-1]):
        # Skyline: per onset the highest pitch (lexsort: last key is primary).
        order = np.lexsort((-pitches, starts))
        starts, pitches, durations = starts[order], pitches[order], durations[order]
        first = np.concatenate(([True], starts[1:] != starts[:-1]))
        starts, pitches, durations = starts[first], pitches[first], durations[first]
    if len(pitches) < 2:
        return np.zeros(0, dtype=np.int64)
    ratios = _ratio_classes_of(starts, int(durations[-1])) if rhythm else None
    return _symbols(np.diff(pitches), ratios)


def corpus_version(corpus: object) -> str:
    """A string that changes whenever the corpus cache does: a hash of each collection's cache file
    (content, not modification time, so a fresh checkout of the same cache reuses the index),
    else the piece count."""
    sources = getattr(corpus, "sources", None)
    if isinstance(sources, dict) and sources:
        digest = hashlib.sha1()
        for name, file in sorted(sources.items()):
            digest.update(name.encode() + b"\0" + Path(file).read_bytes())
        return digest.hexdigest()
    return f"n={len(corpus)}" if hasattr(corpus, "__len__") else "unknown"
