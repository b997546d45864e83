"""Originality index: copied runs found in any key, random melodies pass, fingerprints round-trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tunesmith.errors import ControlError, CorruptFileError, NotFoundError
from tunesmith.evaluate.originality import (
    OriginalityIndex,
    corpus_index,
    find_similar,
    fingerprint,
    fingerprint_sequence,
    is_original,
    longest_copied_run,
    melody_sequence,
    suffix_array,
)
from tunesmith.score import Metadata, Note, Score, Track

Q = 480


def melody_score(pitches: list[int], title: str = "", durations: list[int] | None = None) -> Score:
    durs = durations or [Q] * len(pitches)
    notes, t = [], 0
    for p, d in zip(pitches, durs, strict=True):
        notes.append(Note(int(p), t, d))
        t += d
    return Score(tracks=[Track("melody", 0, notes=notes)], metadata=Metadata(title=title))


def random_walk(rng: np.random.Generator, n: int) -> list[int]:
    """A melody of ``n`` random steps that turns back at the edges of the range 50-80."""
    out = [65]
    for step in rng.choice([-4, -3, -2, -1, 1, 2, 3, 4, 5, -5, 7], size=n - 1):
        nxt = out[-1] + int(step)
        out.append(nxt if 50 <= nxt <= 80 else out[-1] - int(step))
    return out


@pytest.fixture(scope="module")
def training() -> list[Score]:
    rng = np.random.default_rng(7)
    return [melody_score(random_walk(rng, 96), title=f"tune {i}") for i in range(60)]


@pytest.fixture(scope="module")
def index(training: list[Score]) -> OriginalityIndex:
    return OriginalityIndex.from_scores(training)


def test_suffix_array_sorts_suffixes() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        text = rng.integers(0, 3, size=int(rng.integers(1, 40)))
        expected = sorted(range(len(text)), key=lambda i: list(text[i:]))
        assert list(suffix_array(text)) == expected


def test_twelve_notes_copied_and_transposed_up_a_fourth_are_found(
    training: list[Score], index: OriginalityIndex
) -> None:
    rng = np.random.default_rng(99)
    source = [n.pitch for n in training[17].tracks[0].notes]
    query = random_walk(rng, 128)
    query[40:52] = [p + 5 for p in source[30:42]]
    run = longest_copied_run(query, index)
    assert run.length == 12
    assert run.piece == "tune 17"
    assert not is_original(query, index)  # 12 notes > max_run 11
    assert is_original(query, index, max_run=12)


def test_random_melody_is_original(index: OriginalityIndex) -> None:
    rng = np.random.default_rng(12345)
    for _ in range(5):
        query = random_walk(rng, 128)
        assert longest_copied_run(query, index).length < 12
        assert is_original(query, index)


def test_run_length_is_exact_against_brute_force(index: OriginalityIndex, training: list[Score]) -> None:
    rng = np.random.default_rng(3)
    corpus = [melody_sequence(s) for s in training]
    for _ in range(10):
        query = melody_sequence(random_walk(rng, 64))
        best = 0
        for seq in corpus:  # brute-force longest common substring
            eq = query[:, None] == seq[None, :]
            run = np.zeros(len(seq) + 1, dtype=int)
            for row in eq:
                run[1:] = np.where(row, run[:-1] + 1, 0)
                best = max(best, int(run.max()))
        assert longest_copied_run(list(np.cumsum(np.r_[60, query - 60])), index).length == best + 1


def test_long_copies_are_measured_exactly_beyond_the_first_search_window() -> None:
    # 300-note pieces of a 2-symbol alphabet: matches run long, so the search widens several times.
    rng = np.random.default_rng(8)
    pieces = [list(60 + np.cumsum(rng.choice([-1, 1], size=300))) for _ in range(4)]
    index = OriginalityIndex.from_sequences([melody_sequence(p) for p in pieces], ["a", "b", "c", "d"])
    steps_of_two = [int(x) for x in 50 + np.cumsum(rng.choice([-2, 2], size=100))]  # never in the pieces
    query = steps_of_two + [p + 7 for p in pieces[2][40:240]]
    assert longest_copied_run(query, index) == (200, "c")
    lengths, positions = index.matching_statistics(melody_sequence(query))
    i = int(lengths.argmax())
    assert np.array_equal(index.text[positions[i] : positions[i] + lengths[i]],
                          melody_sequence(query)[i : i + lengths[i]])


def test_a_whole_training_piece_matches_itself_in_full(
    training: list[Score], index: OriginalityIndex
) -> None:
    run = longest_copied_run(training[5], index)
    assert run == (96, "tune 5")


def test_rhythm_aware_index_needs_the_same_rhythm(training: list[Score]) -> None:
    rhythmic = OriginalityIndex.from_scores(training, rhythm=True)
    source = [n.pitch for n in training[3].tracks[0].notes][10:30]
    same = melody_score(source)
    dotted = melody_score(source, durations=[Q * 3 // 2, Q // 2] * 10)
    assert longest_copied_run(same, rhythmic).length == 20
    assert longest_copied_run(dotted, rhythmic).length < 12
    with pytest.raises(ControlError):
        longest_copied_run(source, rhythmic)  # bare pitches have no rhythm


def test_short_melodies_and_empty_index() -> None:
    empty = OriginalityIndex.from_sequences([], [])
    assert longest_copied_run([60, 62, 64], empty) == (0, None)
    one = OriginalityIndex.from_sequences([melody_sequence([60, 62])], ["x"])
    assert longest_copied_run([60], one) == (0, None)
    assert longest_copied_run([60, 61, 70], one) == (1, None)


def test_find_similar_ranks_the_source_first(training: list[Score], index: OriginalityIndex) -> None:
    rng = np.random.default_rng(5)
    source = [n.pitch for n in training[42].tracks[0].notes]
    query = source[:40] + random_walk(rng, 40)
    found = find_similar(query, index, top=3)
    assert found[0].piece == "tune 42"
    assert found[0].longest_run >= 40
    assert found[0].shared > 0.4
    assert len(found) <= 3
    with pytest.raises(ControlError):
        find_similar(query, index, window=1)


def test_fingerprints_rebuild_an_equivalent_index(training: list[Score], index: OriginalityIndex) -> None:
    prints = [fingerprint(s) for s in training]
    assert all(isinstance(fp, bytes) and len(fp) == 8 + 2 * 95 for fp in prints)
    again = OriginalityIndex.from_fingerprints(prints, [f"tune {i}" for i in range(len(prints))])
    assert np.array_equal(again.text, index.text)
    assert np.array_equal(fingerprint_sequence(prints[0]), melody_sequence(training[0]))
    assert np.array_equal(fingerprint_sequence(prints[0], rhythm=True), melody_sequence(training[0], True))
    with pytest.raises(ControlError):
        fingerprint_sequence(b"nope")
    with pytest.raises(ControlError):
        fingerprint_sequence(prints[0][:-1])


def test_transposed_piece_has_the_same_fingerprint(training: list[Score]) -> None:
    up = melody_score([n.pitch + 3 for n in training[1].tracks[0].notes])
    assert fingerprint(up) == fingerprint(training[1])


def test_save_and_load_round_trip(index: OriginalityIndex, tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    index.save(path)
    loaded = OriginalityIndex.load(path)
    assert loaded.ids == index.ids
    assert np.array_equal(loaded.sa, index.sa)
    assert longest_copied_run([60, 62, 64], loaded) == longest_copied_run([60, 62, 64], index)
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    with pytest.raises(CorruptFileError):
        OriginalityIndex.load(tmp_path / "bad.npz")


def test_corpus_index_is_built_once_then_cached(
    training: list[Score], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tunesmith.evaluate import originality

    calls: list[object] = []

    def fake_load_corpus(names: list[str] | None = None) -> list[Score]:
        calls.append(names)
        return training[:10]

    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path))
    monkeypatch.setattr(originality, "load_corpus", fake_load_corpus)
    first = corpus_index(["demo"])
    assert list((tmp_path / "cache").glob("originality-*.npz"))
    assert corpus_index(["demo"]) is first  # kept in memory
    originality._LOADED.clear()
    second = corpus_index(["demo"])  # read back from the cache file
    assert second.ids == first.ids == [f"tune {i}" for i in range(10)]
    assert np.array_equal(second.sa, first.sa) and second is not first
    assert len(calls) == 2
    monkeypatch.setattr(originality, "load_corpus", lambda names=None: [])
    with pytest.raises(NotFoundError):
        corpus_index()


class _ColumnCorpus:
    """The slice of tunesmith.corpus.load.Corpus that index_from_corpus reads, over encoded Scores."""

    def __init__(self, scores: list[Score]) -> None:
        from types import SimpleNamespace

        from tunesmith.corpus.cache import encode_score

        self._data = [encode_score(s) for s in scores]
        self.pieces = [
            SimpleNamespace(title=s.metadata.title, ref=f"demo/x.abc#{i}") for i, s in enumerate(scores)
        ]

    def __len__(self) -> int:
        return len(self._data)

    def notes(self, i: int) -> dict[str, np.ndarray]:
        cols = dict(self._data[i].notes)
        cols["start"] = np.cumsum(cols["start"].astype(np.int64))
        return cols

    def meta(self, i: int) -> dict[str, object]:
        return self._data[i].meta


def test_index_from_corpus_columns_equals_index_from_scores() -> None:
    from tunesmith.evaluate.originality import index_from_corpus

    rng = np.random.default_rng(11)
    scores = []
    for i in range(6):
        lead = melody_score(random_walk(rng, 30), title=f"t{i}").tracks[0]
        # A lower accompaniment and a chord in the lead: the melody is the skyline of the high track.
        bass = Track("bass", 33, notes=[Note(36 + (k % 5), k * Q, Q) for k in range(30)])
        lead.notes.append(Note(lead.notes[3].pitch - 7, lead.notes[3].start, Q))
        drums = Track("drums", 0, is_drum=True, notes=[Note(100, k * Q, Q) for k in range(30)])
        scores.append(Score(tracks=[bass, drums, lead], metadata=Metadata(title=f"t{i}")))
        scores.append(melody_score(random_walk(rng, 20), title=f"solo {i}"))  # the one-track fast path
    for rhythm in (False, True):
        columns = index_from_corpus(_ColumnCorpus(scores), rhythm)
        direct = OriginalityIndex.from_scores(scores, rhythm=rhythm)
        assert np.array_equal(columns.text, direct.text)
        assert columns.ids[4] == "t2 [demo/x.abc#4]"


def test_without_drops_pieces(training: list[Score], index: OriginalityIndex) -> None:
    rest = index.without([5, 7])
    assert len(rest) == len(index) - 2 and "tune 5" not in rest.ids
    assert longest_copied_run(training[5], rest).length < 96
    assert longest_copied_run(training[6], rest) == (96, "tune 6")
