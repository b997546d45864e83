from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.corpus.build import build_corpus
from tunesmith.corpus.load import load_corpus
from tunesmith.errors import NotFoundError
from tunesmith.paths import PACKAGE_DATA
from tunesmith.score import Score

from .conftest import tiny_collection


@pytest.fixture
def cache(sources: Path, tmp_path: Path) -> Path:
    out = tmp_path / "cache"
    build_corpus(collections=[tiny_collection(sources), tiny_collection(sources, "other")],
                 workers=1, progress=False, cache_dir=out)
    return out


def test_corpus_is_lazy_sequence_of_scores(cache: Path) -> None:
    corpus = load_corpus(["tiny", "other"], cache_dir=cache)
    assert len(corpus) == 12 and set(corpus.collections) == {"tiny", "other"}
    assert all(isinstance(s, Score) for s in corpus)
    info = corpus.pieces[3]
    assert info.ref == "tiny/tunes.abc#0" and info.chord_count == 10 and info.key == "1:major"
    assert [figure for _tick, figure in corpus.meta(3)["chords"]][:3] == ["G", "Cd", "Ca"]
    notes = corpus.notes(3)
    assert notes["start"].tolist() == [n.start for n in corpus[3].tracks[0].notes]


def test_filters(cache: Path) -> None:
    corpus = load_corpus(["tiny", "other"], cache_dir=cache)
    assert len(corpus.filter(collection="other")) == 6
    reels = corpus.filter(tag="reel")
    assert [p.title for p in reels.pieces] == ["Repeat And Endings"] * 2
    with_chords = corpus.filter(collection="tiny", with_chords=True)
    assert all(p.chord_count > 0 for p in with_chords.pieces) and len(with_chords) >= 3
    assert len(corpus.filter(tag=["folk", "no-such-tag"])) == 0
    assert with_chords[0].chords  # filtered corpora still decode scores


def test_unbuilt_collection_is_not_found(cache: Path) -> None:
    with pytest.raises(NotFoundError, match="corpus build --collection nope"):
        load_corpus(["nope"], cache_dir=cache)


@pytest.mark.skipif(not (PACKAGE_DATA / "corpus" / "nottingham.npz").exists(), reason="no shipped cache")
def test_shipped_nottingham_cache_loads_without_a_user_cache(tmp_path: Path) -> None:
    corpus = load_corpus(["nottingham"], cache_dir=tmp_path / "empty")
    assert len(corpus) == 1034
    assert corpus.sources["nottingham"].parent == PACKAGE_DATA / "corpus"
    assert sum(p.chord_count > 0 for p in corpus.pieces) > 1000
    tune = corpus[0]
    assert tune.chords and tune.key_signatures and tune.time_signatures
    assert "nottingham" in tune.metadata.style_tags
