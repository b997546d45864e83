"""Approximate melody search: which indexed works does a melody resemble, where, and how closely.

Tolerant of what the exact suffix-array index (:mod:`tunesmith.evaluate.originality`) misses: a few
changed or inserted notes, ornaments, a new rhythm, another key or tempo.

Two stages, as a search engine and a sequence aligner do it:

1. Candidates from an inverted index of melodic n-grams. Each piece gives two sets of keys:
   ``NGRAM`` consecutive pitch intervals of its melody line (rhythm-blind, so re-rhythming keeps
   them) and ``NGRAM`` intervals of its *beat skeleton* — the pitch sounding at each beat, repeats
   merged — which ornaments and passing notes leave alone. A query scores every piece by the summed
   idf of the keys they share (keys found in more than ``STOP_DF`` pieces are stop words); the best
   ``CANDIDATES`` go on. Keys and piece numbers are two sorted numpy arrays (a CSR posting list)
   read with ``searchsorted``: exact, no tuning, and memory-mapped from disk so loading is instant.
2. Smith–Waterman local alignment of the interval sequences (intervals: transposition-invariant),
   all candidates at once in numpy (row by row; the horizontal gap term is a running maximum, so a
   row costs a few vector operations). Besides interval against interval, the alignment knows the
   edits a near-copy makes to *notes*, each recognised by the pitch span it keeps: a changed note
   (two intervals against two, same span), an ornament (two or three intervals against one) and a
   dropped note (one against two). Each costs at most one interval's match and must sit between
   identical intervals, so chance spans cannot string unrelated tunes together. The score, divided
   by the best the query could get, is the similarity (0..1: the share of the query found in the
   other work); a traceback of the best hits gives the aligned notes, hence the bars in both pieces.

Why not MinHash LSH (e.g. datasketch)? LSH estimates Jaccard similarity of whole sets, while a query
of 8 bars against a 32-bar tune is a containment question, and an LSH threshold trades recall for
speed that the exact posting lists here do not need to give up (15,900 pieces: a few ms a query).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tunesmith.corpus import load_corpus
from tunesmith.errors import CorruptFileError, NotFoundError
from tunesmith.evaluate.melody import pickup_ticks
from tunesmith.evaluate.originality import corpus_version
from tunesmith.fileutil import atomic_path
from tunesmith.paths import data_dir
from tunesmith.score import ChordSymbol, Score, TimeSignature
from tunesmith.theory.melodyline import choose_melody, melody_notes
from tunesmith.theory.meter import Meter

INDEX_FORMAT = 1
"""Bump when the saved layout, the n-grams or the melody reduction change (caches are rebuilt)."""
NGRAM = 4
"""Intervals per key (5 notes): long enough to be telling, short enough to survive a changed note."""
STOP_DF = 1500
"""Keys in more pieces than this (scale runs, repeated notes) say nothing about one piece."""
CANDIDATES = 30
"""Pieces from stage 1 that are aligned in stage 2."""
MATCH, MISMATCH_SAME_DIRECTION, MISMATCH, GAP = 2, -1, -2, -2
"""Alignment scores per interval: an unexplained extra interval costs one match."""
CHANGED_NOTE = 3
"""Two query intervals against two work intervals with the same sum: one note moved, its neighbours
kept (two intervals worth 4 when identical score 3: a changed note costs half an interval's match,
as the two intervals it changes are one edit)."""
ORNAMENT_2, ORNAMENT_3 = 3, 5
"""Two (three) query intervals summing to one work interval: a note (two notes) inserted between
the work's notes, e.g. an appoggiatura (a mordent); costs one interval's match, like a changed note."""
SKIPPED_NOTE = 1
"""One query interval spanning two of the work's: a work note left out (passing note dropped)."""
_CLIP = 24  # intervals beyond two octaves are "a huge leap" alike
_SKELETON = 1 << 40  # key namespace of the beat-skeleton n-grams


@dataclass(frozen=True)
class Melody:
    """A melody line: MIDI pitches in order and the bar (1-based, after any pickup) of each note;
    ``skeleton`` is the pitch at each beat with repeats merged."""

    pitches: np.ndarray
    bars: np.ndarray
    skeleton: np.ndarray

    def __len__(self) -> int:
        return len(self.pitches)


def melody_from_notes(
    starts: np.ndarray, pitches: np.ndarray, time_signatures: Sequence[TimeSignature], pickup: int = 0
) -> Melody:
    """A :class:`Melody` from a monophonic line (onsets in ticks, sorted, one note per onset)."""
    starts = np.asarray(starts, dtype=np.int64)
    pitches = np.asarray(pitches, dtype=np.int64)
    sigs = sorted(time_signatures, key=lambda t: t.tick) or [TimeSignature(0, 4, 4)]
    if sigs[0].tick > 0:
        sigs.insert(0, TimeSignature(0, 4, 4))
    # Bars: count barlines before each onset, meter change by meter change.
    bar_of = np.zeros(len(starts), dtype=np.int64)
    beat_ticks_list: list[np.ndarray] = []
    first_bar = 1
    end = int(starts[-1]) + 1 if len(starts) else 1
    for i, sig in enumerate(sigs):
        origin = pickup if i == 0 else sig.tick
        stop = sigs[i + 1].tick if i + 1 < len(sigs) else end
        if stop <= sig.tick and i + 1 < len(sigs):
            continue
        length = max(1, sig.bar_ticks)
        inside = (starts >= (0 if i == 0 else sig.tick)) & (starts < stop)
        bar_of[inside] = first_bar + np.floor_divide(starts[inside] - origin, length)
        first_bar += max(0, -(-(stop - origin) // length))
        beat = max(1, Meter.of(sig).beat_ticks)
        beat_ticks_list.append(np.arange(origin % beat if i == 0 else sig.tick, stop, beat))
    bar_of = np.maximum(bar_of, 1 if pickup == 0 else 0)
    grid = np.concatenate(beat_ticks_list) if beat_ticks_list else np.zeros(0, dtype=np.int64)
    at = np.searchsorted(starts, grid, side="right") - 1
    beat_pitches = pitches[at[at >= 0]] if len(starts) else np.zeros(0, dtype=np.int64)
    if len(beat_pitches):
        keep = np.concatenate(([True], beat_pitches[1:] != beat_pitches[:-1]))
        beat_pitches = beat_pitches[keep]
    return Melody(pitches.astype(np.int16), bar_of.astype(np.int32), beat_pitches.astype(np.int16))


def melody_of_score(score: Score, track: str | None = None) -> Melody:
    """The melody line of a Score (see :func:`tunesmith.theory.melodyline.melody_notes`)."""
    notes = melody_notes(score, track)
    return melody_from_notes(
        np.array([n.start for n in notes], dtype=np.int64),
        np.array([n.pitch for n in notes], dtype=np.int64),
        score.time_signatures,
        pickup_ticks(score),
    )


def melody_of_columns(cols: dict[str, np.ndarray], meta: dict[str, Any]) -> Melody:
    """The melody line of a corpus piece given as note columns (:meth:`Corpus.notes`: absolute
    onsets) and its metadata (tracks, time signatures, chords): the line :func:`melody_of_score` finds."""
    starts = cols["start"].astype(np.int64)
    pitch = cols["pitch"].astype(np.int64)
    tracks = meta["tracks"]
    track_of = cols["track"].astype(np.int64)
    counts = np.bincount(track_of, minlength=len(tracks))
    sums = np.bincount(track_of, weights=pitch, minlength=len(tracks))
    chosen = choose_melody(
        [str(t[0]) for t in tracks],
        [bool(t[2]) for t in tracks],
        [float(sums[k] / counts[k]) if k < len(counts) and counts[k] else None for k in range(len(tracks))],
    )
    sigs = [TimeSignature(int(t), int(n), int(d)) for t, n, d in meta.get("time_signatures", [])]
    if chosen is None:
        return melody_from_notes(np.zeros(0), np.zeros(0), sigs)
    mine = np.flatnonzero(track_of == chosen)
    starts, pitch = starts[mine], pitch[mine]
    if len(starts) > 1:
        order = np.lexsort((-pitch, starts))  # skyline: the highest pitch per onset
        starts, pitch = starts[order], pitch[order]
        first = np.concatenate(([True], starts[1:] != starts[:-1]))
        starts, pitch = starts[first], pitch[first]
    light = Score(
        time_signatures=sigs, chords=[ChordSymbol(int(t), str(f)) for t, f in meta.get("chords", [])]
    )
    return melody_from_notes(starts, pitch, sigs, pickup_ticks(light))


def intervals(pitches: np.ndarray) -> np.ndarray:
    return np.diff(np.asarray(pitches, dtype=np.int64)).clip(-_CLIP, _CLIP)


def ngram_keys(melody: Melody) -> np.ndarray:
    """The unique n-gram keys of a melody (note intervals and skeleton intervals, two namespaces)."""
    out = []
    for seq, space in ((intervals(melody.pitches), 0), (intervals(melody.skeleton), _SKELETON)):
        if len(seq) < NGRAM:
            continue
        windows = np.lib.stride_tricks.sliding_window_view(seq + _CLIP, NGRAM)
        codes = np.zeros(len(windows), dtype=np.int64)
        for j in range(NGRAM):
            codes = codes * (2 * _CLIP + 1) + windows[:, j]
        out.append(codes + space)
    return np.unique(np.concatenate(out)) if out else np.zeros(0, dtype=np.int64)


# --- the index ----------------------------------------------------------------------------------


class MelodyIndex:
    """Melodies of many works, searchable with :func:`search`.

    Arrays (any may be memory-mapped): ``pitches``/``bars`` every melody note, piece ``p`` owning
    ``offsets[p]:offsets[p+1]``; ``keys`` (sorted) and ``postings`` the piece of each (key, piece)
    pair; ``lengths`` notes per piece. ``ids`` name the pieces (e.g. ``corpus:<ref>``), ``titles``
    say what a person sees.
    """

    def __init__(
        self,
        pitches: np.ndarray,
        bars: np.ndarray,
        offsets: np.ndarray,
        keys: np.ndarray,
        postings: np.ndarray,
        *,
        ids: Sequence[str],
        titles: Sequence[str],
    ) -> None:
        self.pitches, self.bars, self.offsets = pitches, bars, offsets
        self.keys, self.postings = keys, postings
        self.ids, self.titles = list(ids), list(titles)
        self.idf_n = max(1, len(self.ids))

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, melodies: Sequence[Melody], ids: Sequence[str], titles: Sequence[str]) -> MelodyIndex:
        if not (len(melodies) == len(ids) == len(titles)):
            raise ValueError("one id and one title per melody")
        keys, owners = [], []
        for p, m in enumerate(melodies):
            k = ngram_keys(m)
            keys.append(k)
            owners.append(np.full(len(k), p, dtype=np.int32))
        all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        all_owners = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int32)
        order = np.argsort(all_keys, kind="stable")
        lengths = np.array([len(m) for m in melodies], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        pitches = np.concatenate([m.pitches for m in melodies]) if melodies else np.zeros(0, np.int16)
        bars = np.concatenate([m.bars for m in melodies]) if melodies else np.zeros(0, np.int32)
        return cls(
            pitches.astype(np.int16),
            bars.astype(np.int32),
            offsets,
            all_keys[order],
            all_owners[order],
            ids=ids,
            titles=titles,
        )

    @classmethod
    def merge(cls, parts: Sequence[MelodyIndex]) -> MelodyIndex:
        """One index over every piece of ``parts`` (a small store index joins the large corpus one)."""
        parts = [p for p in parts if len(p)]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls.build([], [], [])
        base = np.cumsum([0] + [len(p) for p in parts])[:-1]
        note_base = np.cumsum([0] + [len(p.pitches) for p in parts])[:-1]
        keys = np.concatenate([np.asarray(p.keys) for p in parts])
        postings = np.concatenate([np.asarray(p.postings) + b for p, b in zip(parts, base, strict=True)])
        order = np.argsort(keys, kind="stable")
        offsets = np.concatenate(
            [[0]] + [np.asarray(p.offsets[1:]) + nb for p, nb in zip(parts, note_base, strict=True)]
        )
        return cls(
            np.concatenate([np.asarray(p.pitches) for p in parts]),
            np.concatenate([np.asarray(p.bars) for p in parts]),
            offsets,
            keys[order],
            postings[order].astype(np.int32),
            ids=[i for p in parts for i in p.ids],
            titles=[t for p in parts for t in p.titles],
        )

    def melody(self, piece: int) -> tuple[np.ndarray, np.ndarray]:
        """(pitches, bars) of piece ``piece``."""
        lo, hi = int(self.offsets[piece]), int(self.offsets[piece + 1])
        return np.asarray(self.pitches[lo:hi]), np.asarray(self.bars[lo:hi])

    # -- persistence: a folder of .npy files, memory-mapped on load ------------------------------

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {
            "pitches": self.pitches,
            "bars": self.bars,
            "offsets": self.offsets,
            "keys": self.keys,
            "postings": self.postings,
        }
        for name, arr in arrays.items():
            with atomic_path(folder / f"{name}.npy") as tmp, tmp.open("wb") as fh:
                np.save(fh, np.asarray(arr))
        # Written last: a folder without a complete meta.json is an unfinished build.
        with atomic_path(folder / "meta.json") as tmp:
            tmp.write_text(json.dumps({"format": INDEX_FORMAT, "ids": self.ids, "titles": self.titles}))

    @classmethod
    def load(cls, folder: str | Path) -> MelodyIndex:
        folder = Path(folder)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != INDEX_FORMAT:
                raise CorruptFileError(
                    folder, f"melody index format {meta.get('format')}, expected {INDEX_FORMAT}"
                )
            arrays = {
                name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in ("pitches", "bars", "offsets", "keys", "postings")
            }
            index = cls(ids=[str(i) for i in meta["ids"]], titles=[str(t) for t in meta["titles"]], **arrays)
        except (OSError, KeyError, ValueError, TypeError) as err:
            raise CorruptFileError(folder, f"not a readable melody index ({err})") from err
        if len(index.offsets) != len(index.ids) + 1 or len(index.keys) != len(index.postings):
            raise CorruptFileError(folder, "melody index arrays disagree in length")
        return index


# --- search -------------------------------------------------------------------------------------


@dataclass
class Alignment:
    """How a query lines up with one work: aligned note pairs and what happened between them."""

    query_notes: tuple[int, int]
    """First and last aligned note of the query (0-based, inclusive)."""
    work_notes: tuple[int, int]
    query_bars: tuple[int, int]
    work_bars: tuple[int, int]
    same: int
    """Intervals identical in both."""
    changed: int
    """Intervals aligned but different (a changed note changes the two around it)."""
    inserted: int
    """Intervals in the query with no partner in the work (added notes, ornaments)."""
    missing: int
    """Intervals of the work the query skips."""
    transposition: int
    """Semitones from the work to the query at the first aligned note (most common shift)."""
    changed_notes: int = 0
    """Notes moved with both neighbours kept (two intervals changed, their span the same)."""
    ornaments: int = 0
    """Groups of one or two notes inserted between two of the work's notes (span kept)."""
    skipped_notes: int = 0
    """Notes of the work left out with their neighbours kept."""


@dataclass
class Match:
    """One similar work: ``similarity`` 0..1 is the alignment score over the best the query could
    score (every interval matched), ``coverage`` the share of the work's notes inside the passage."""

    piece: int
    id: str
    title: str
    similarity: float
    score: int
    best_possible: int
    coverage: float
    candidate_score: float
    work_offset: int = 0
    """First note of the work that was aligned (long works are aligned near their n-gram hits)."""
    alignment: Alignment | None = None
    explanation: str = field(default="")


def candidates(index: MelodyIndex, query: Melody, limit: int = CANDIDATES) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1: (pieces, their idf scores), best first, at most ``limit``."""
    keys = ngram_keys(query)
    if len(keys) == 0 or len(index.keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    lo = np.searchsorted(index.keys, keys, side="left")
    hi = np.searchsorted(index.keys, keys, side="right")
    df = hi - lo
    use = (df > 0) & (df <= STOP_DF)
    if not use.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    lo, hi, df = lo[use], hi[use], df[use]
    idf = np.log1p(index.idf_n / df)  # smoothed: a key in every piece of a tiny index still counts
    # Gather every posting of every used key in one go: ranges → flat positions.
    total = int(df.sum())
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(df)[:-1])), df)
    flat = starts + np.arange(total)
    pieces = np.asarray(index.postings[flat]).astype(np.int64)
    scores = np.bincount(pieces, weights=np.repeat(idf, df), minlength=len(index))
    top = min(limit, int((scores > 0).sum()))
    best = np.argpartition(-scores, top - 1)[:top] if top else np.zeros(0, dtype=np.int64)
    best = best[np.argsort(-scores[best], kind="stable")]
    return best, scores[best]


def _substitution(q: np.ndarray | np.integer[Any], t: np.ndarray) -> np.ndarray:
    """Score of aligning query interval(s) ``q`` (column vector) with work intervals ``t``."""
    same_dir = np.sign(q) == np.sign(t)
    return np.where(q == t, MATCH, np.where(same_dir, MISMATCH_SAME_DIRECTION, MISMATCH))


_PAD = 10_000  # interval value that never matches (padding of shorter works)
_NONE = -(10**9)  # score of an impossible cell
_NOTE_OPS = (  # (query intervals, work intervals, score, kind): equal pitch spans, see the constants
    (2, 2, CHANGED_NOTE, "changed note"),
    (2, 1, ORNAMENT_2, "ornament"),
    (3, 1, ORNAMENT_3, "ornament"),
    (1, 2, SKIPPED_NOTE, "skipped note"),
)


def _span_sums(seq: np.ndarray, k: int) -> np.ndarray:
    """Sums of ``k`` consecutive intervals ending at each position (the pitch span they cover);
    _PAD where fewer than ``k`` precede or padding is involved (never equal to a real span)."""
    out = np.full(seq.shape, _PAD * 8, dtype=np.int64)
    if seq.shape[-1] >= k:
        total = sum(seq[..., j : seq.shape[-1] - k + 1 + j] for j in range(k))
        out[..., k - 1 :] = np.where(np.abs(total) < _PAD, total, _PAD * 8)
    return out


def _dp_rows(query_iv: np.ndarray, works: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The rows of the local-alignment matrices of ``query_iv`` against each row of ``works``
    (padded with _PAD), one query interval at a time: (H, E, N), each of shape (works, width + 1),
    column 0 the empty prefix. H: best alignment ending at the cell; E: ending with an identical
    interval; N: ending with a note-level step of _NOTE_OPS. A note-level step must sit between two
    identical intervals (it starts from E and only an identical interval continues from N), so a
    run of them cannot string unrelated melodies together by their pitch spans alone."""
    n_works, width = works.shape
    cols = width + 1
    padded = works == _PAD
    work_spans = {m: _span_sums(works, m) for m in (1, 2)}
    query_spans = {k: _span_sums(query_iv[None, :], k)[0] for k in (1, 2, 3)}
    ramp = (GAP * np.arange(cols)).astype(np.int32)  # horizontal gaps: H[j] = max_k≤j (D[k] − g(j−k))
    # Identical intervals and equal spans are sparse: their cells as flat indices (of the row
    # arrays, work interval c at column c + 1), computed once per distinct value.
    subs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    spans: dict[tuple[int, int], np.ndarray] = {}

    def cells(mask: np.ndarray, first: int) -> np.ndarray:
        r, c = np.nonzero(mask[:, first:])
        return (r * cols + c + first + 1).astype(np.int64)

    h_prev = np.zeros((n_works, cols), dtype=np.int32)
    n_prev = np.full((n_works, cols), _NONE, dtype=np.int32)
    e_hist = [n_prev, n_prev, n_prev]  # E of rows i-1, i-2, i-3
    for i, q in enumerate(query_iv):
        if int(q) not in subs:  # a melody uses a few dozen distinct intervals
            sub = np.where(padded, MISMATCH * 4, _substitution(np.int64(q), works)).astype(np.int32)
            subs[int(q)] = (sub, cells(works == q, 0))
        sub, same = subs[int(q)]
        h = np.zeros_like(h_prev)
        h[:, 1:] = np.maximum(np.maximum(h_prev[:, :-1] + sub, h_prev[:, 1:] + GAP), 0)
        e = np.full_like(h_prev, _NONE)
        if len(same):
            before = np.maximum(np.maximum(h_prev.flat[same - 1], n_prev.flat[same - 1]), 0) + MATCH
            e.flat[same] = before
            h.flat[same] = np.maximum(h.flat[same], before)
        h = np.maximum.accumulate(h - ramp, axis=1) + ramp
        n = np.full_like(h_prev, _NONE)
        for k, m, score, _kind in _NOTE_OPS:
            if i + 1 < k:
                continue
            key = (m, int(query_spans[k][i]))
            if key not in spans:
                spans[key] = cells(work_spans[m] == key[1], m - 1)
            dst = spans[key]
            if len(dst):
                n.flat[dst] = np.maximum(n.flat[dst], e_hist[k - 1].flat[dst - m] + score)
        h_prev, n_prev, e_hist = h, n, [e, e_hist[0], e_hist[1]]
        yield h, e, n


def align_scores(query_iv: np.ndarray, works_iv: Sequence[np.ndarray]) -> np.ndarray:
    """Best local-alignment score of ``query_iv`` against each of ``works_iv``: works of similar
    length are aligned together, a row of the dynamic programme at a time for the whole group."""
    out = np.zeros(len(works_iv), dtype=np.int64)
    if len(works_iv) == 0 or len(query_iv) == 0:
        return out
    order = np.argsort([len(w) for w in works_iv], kind="stable")
    for chunk in np.array_split(order, max(1, len(order) // 16)):
        out[chunk] = _align_group(query_iv, [works_iv[k] for k in chunk])
    return out


def _align_group(query_iv: np.ndarray, works_iv: Sequence[np.ndarray]) -> np.ndarray:
    width = max(1, *(len(w) for w in works_iv))
    works = np.full((len(works_iv), width), _PAD, dtype=np.int64)
    for k, w in enumerate(works_iv):
        works[k, : len(w)] = w
    best = np.zeros(len(works_iv), dtype=np.int64)
    for h, _e, _n in _dp_rows(np.asarray(query_iv, dtype=np.int64), works):
        np.maximum(best, h.max(axis=1), out=best)
    return best


def window(query_intervals: int) -> int:
    """Intervals of a long work aligned with a query: room for the query plus a few bars' worth of
    notes the query skips or adds (ornaments make the query longer, not the work)."""
    return query_intervals + query_intervals // 4 + 48


def focus(query_iv: np.ndarray, work_iv: np.ndarray) -> int:
    """Where in a long work to align: the start of the window (:func:`window`) holding
    the most of the query's interval n-grams. 0 for works short enough to align whole."""
    width = window(len(query_iv))
    if len(work_iv) <= width or len(query_iv) < NGRAM:
        return 0

    def codes(seq: np.ndarray) -> np.ndarray:
        windows = np.lib.stride_tricks.sliding_window_view(seq + _CLIP, NGRAM)
        out = np.zeros(len(windows), dtype=np.int64)
        for j in range(NGRAM):
            out = out * (2 * _CLIP + 1) + windows[:, j]
        return out

    hits = np.concatenate(([0], np.cumsum(np.isin(codes(work_iv), codes(query_iv)))))
    span = width - NGRAM + 1
    sums = hits[span:] - hits[:-span]
    return int(np.argmax(sums)) if len(sums) else 0


Step = tuple[str, int, int, int, int]
"""(kind, first query interval, query intervals, first work interval, work intervals) of an alignment:
kind 'same', 'changed', 'changed note', 'ornament', 'skipped note', 'inserted' or 'missing'."""


def traceback(query_iv: np.ndarray, work_iv: np.ndarray) -> tuple[int, list[Step]]:
    """Best local alignment of two interval sequences: (score, its steps in order)."""
    return tracebacks(query_iv, [work_iv])[0]


def tracebacks(query_iv: np.ndarray, works_iv: Sequence[np.ndarray]) -> list[tuple[int, list[Step]]]:
    """:func:`traceback` of the query against each work, by the full dynamic-programming matrices
    (only for the few reported works; computed together, a row at a time as in the search)."""
    q = np.asarray(query_iv, dtype=np.int64)
    if len(q) == 0 or not works_iv:
        return [(0, []) for _ in works_iv]
    width = max(1, *(len(w) for w in works_iv))
    works = np.full((len(works_iv), width), _PAD, dtype=np.int64)
    for k, w in enumerate(works_iv):
        works[k, : len(w)] = w
    shape = (len(q) + 1, len(works_iv), width + 1)
    h, e, n = np.zeros(shape, np.int64), np.full(shape, _NONE, np.int64), np.full(shape, _NONE, np.int64)
    for i, (hr, er, nr) in enumerate(_dp_rows(q, works), start=1):
        h[i], e[i], n[i] = hr, er, nr
    return [
        _trace(q, np.asarray(w, dtype=np.int64), *(m[:, k, : len(w) + 1] for m in (h, e, n)))
        for k, w in enumerate(works_iv)
    ]


def _trace(
    q: np.ndarray, w: np.ndarray, h: np.ndarray, e: np.ndarray, n: np.ndarray
) -> tuple[int, list[Step]]:
    if len(w) == 0:
        return 0, []
    i, j = (int(x) for x in np.unravel_index(int(np.argmax(h)), h.shape))
    score = int(h[i, j])
    steps: list[Step] = []
    state = "h"  # which matrix the path is in at (i, j)
    while i > 0 and j > 0:
        if state == "n":  # a note-level step, entered from an identical interval
            for k, m, gain, kind in _NOTE_OPS:
                spans_agree = i >= k and j >= m and q[i - k : i].sum() == w[j - m : j].sum()
                if spans_agree and n[i, j] == e[i - k, j - m] + gain:
                    steps.append((kind, i - k, k, j - m, m))
                    i, j, state = i - k, j - m, "e"
                    break
            else:  # unreachable: N cells come only from these steps
                break
            continue
        if h[i, j] <= 0 and state == "h":
            break
        if state == "e" or h[i, j] == e[i, j]:
            steps.append(("same", i - 1, 1, j - 1, 1))
            before = max(int(h[i - 1, j - 1]), int(n[i - 1, j - 1]), 0)
            from_note = before > 0 and n[i - 1, j - 1] == before and n[i - 1, j - 1] > h[i - 1, j - 1]
            state = "n" if from_note else "h"
            i, j = i - 1, j - 1
            if before == 0:
                break
            continue
        s = int(_substitution(q[i - 1], w[j - 1 : j])[0])
        if h[i, j] == h[i - 1, j - 1] + s:
            steps.append(("same" if q[i - 1] == w[j - 1] else "changed", i - 1, 1, j - 1, 1))
            i, j = i - 1, j - 1
        elif h[i, j] == h[i - 1, j] + GAP:
            steps.append(("inserted", i - 1, 1, j, 0))
            i -= 1
        else:
            steps.append(("missing", i, 0, j - 1, 1))
            j -= 1
    steps.reverse()
    return score, steps


def _passage(query: Melody, index: MelodyIndex, match: Match) -> tuple[np.ndarray, np.ndarray]:
    """(pitches, bars) of the part of the work that was aligned with the query."""
    pitches, bars = index.melody(match.piece)
    lo, width = match.work_offset, window(len(query.pitches) - 1) + 1
    return pitches[lo : lo + width], bars[lo : lo + width]


def _describe(query: Melody, index: MelodyIndex, match: Match, steps: list[Step]) -> Alignment | None:
    pitches, bars = _passage(query, index, match)
    lo = match.work_offset
    paired = [s for s in steps if s[2] and s[4]]
    if not paired:
        return None
    kinds: dict[str, int] = {}
    for kind, _qi, k, _wj, m in steps:
        kinds[kind] = kinds.get(kind, 0) + (k if kind == "inserted" else m if kind == "missing" else 1)
    # Interval k joins notes k and k+1: the passage runs from the first step's first note to the
    # last step's last note.
    q0, q1 = paired[0][1], paired[-1][1] + paired[-1][2]
    w0, w1 = paired[0][3], paired[-1][3] + paired[-1][4]
    shifts = [int(query.pitches[qi]) - int(pitches[wj]) for _kind, qi, _k, wj, _l in paired]
    values, counts = np.unique(shifts, return_counts=True)
    return Alignment(
        (q0, q1),
        (w0 + lo, w1 + lo),
        (int(query.bars[q0]), int(query.bars[q1])),
        (int(bars[w0]), int(bars[w1])),
        kinds.get("same", 0),
        kinds.get("changed", 0),
        kinds.get("inserted", 0),
        kinds.get("missing", 0),
        int(values[int(np.argmax(counts))]),
        kinds.get("changed note", 0),
        kinds.get("ornament", 0),
        kinds.get("skipped note", 0),
    )


def explain(match: Match) -> str:
    a = match.alignment
    head = (
        f"similarity {match.similarity:.2f} = alignment score {match.score} / {match.best_possible} "
        f"(every query interval matched, {MATCH} each)"
    )
    if a is None:
        return head
    shift = f"transposed {a.transposition:+d} semitones" if a.transposition else "same key"
    return (
        f"{head}; query bars {a.query_bars[0]}-{a.query_bars[1]} ≈ bars {a.work_bars[0]}-{a.work_bars[1]} "
        f"({shift}): {a.same} intervals identical, {a.changed} changed, {a.changed_notes} notes moved, "
        f"{a.ornaments} ornaments, {a.inserted} other intervals inserted in the query, "
        f"{a.skipped_notes + a.missing} notes of the work skipped; the passage covers "
        f"{match.coverage:.0%} of the work"
    )


def search(
    index: MelodyIndex,
    query: Melody,
    top: int = 5,
    *,
    explain_top: int | None = None,
    exclude: Sequence[str] = (),
) -> list[Match]:
    """The ``top`` works of ``index`` most similar to ``query``, best first (see the module docstring).
    ``explain_top`` (default: all ``top``) of them get the traceback and an explanation; ``exclude``
    drops works by id (e.g. the query's own entry)."""
    q_iv = intervals(query.pitches)
    if len(q_iv) < 2:
        return []
    pieces, cand_scores = candidates(index, query, CANDIDATES + len(exclude))
    if exclude:
        skip = set(exclude)
        keep = [k for k, p in enumerate(pieces) if index.ids[int(p)] not in skip]
        pieces, cand_scores = pieces[keep], cand_scores[keep]
    works, offsets = [], []
    for p in pieces:
        work = intervals(index.melody(int(p))[0])
        start = focus(q_iv, work)
        works.append(work[start : start + window(len(q_iv))])
        offsets.append(start)
    scores = align_scores(q_iv, works)
    best_possible = MATCH * len(q_iv)
    order = np.lexsort((-cand_scores, -scores))[:top]
    out = []
    for k in order:
        p = int(pieces[k])
        out.append(
            Match(
                p,
                index.ids[p],
                index.titles[p],
                float(scores[k]) / best_possible,
                int(scores[k]),
                best_possible,
                0.0,
                float(cand_scores[k]),
                offsets[k],
            )
        )
    explained = out[: top if explain_top is None else explain_top]
    traced = tracebacks(q_iv, [intervals(_passage(query, index, m)[0]) for m in explained])
    for match, (_score, steps) in zip(explained, traced, strict=True):
        match.alignment = _describe(query, index, match, steps)
        if match.alignment is not None:
            lo, hi = match.alignment.work_notes
            match.coverage = (hi - lo + 1) / max(1, len(index.melody(match.piece)[0]))
        match.explanation = explain(match)
    return out


# --- the built-in corpus, cached -----------------------------------------------------------------


def corpus_melody_index(progress: bool = False) -> MelodyIndex:
    """The index over the whole built-in corpus: built once (~30 s), saved in the user data dir
    keyed by the corpus cache's content, then memory-mapped (milliseconds). Ids are
    ``corpus:<collection/path#index>``. Kept in memory per process (the composer asks per candidate)."""
    corpus = load_corpus()
    if len(corpus) == 0:
        raise NotFoundError("the built-in corpus has no pieces to compare with; run `tunesmith corpus build`")
    version = corpus_version(corpus)
    key = hashlib.sha1(f"{INDEX_FORMAT}|{NGRAM}|{version}".encode()).hexdigest()[:16]
    if key in _LOADED:
        return _LOADED[key]
    folder = data_dir() / "cache" / f"melody-index-{key}"
    index = None
    if (folder / "meta.json").exists():
        try:
            index = MelodyIndex.load(folder)
        except CorruptFileError:
            index = None  # rebuilt below, never trusted
    if index is None:
        melodies = []
        for i in range(len(corpus)):
            melodies.append(melody_of_columns(corpus.notes(i), corpus.meta(i)))
            if progress and i % 2000 == 0:
                print(f"melody index: {i}/{len(corpus)} pieces", flush=True)
        infos = corpus.pieces
        index = MelodyIndex.build(
            melodies, [f"corpus:{p.ref}" for p in infos], [p.title or p.ref for p in infos]
        )
        index.save(folder)
        index = MelodyIndex.load(folder)
    _LOADED[key] = index
    return index


_LOADED: dict[str, MelodyIndex] = {}
