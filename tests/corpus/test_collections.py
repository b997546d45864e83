from __future__ import annotations

import pytest

from tunesmith.corpus.collections import COLLECTIONS, get_collection, resolve
from tunesmith.errors import NotFoundError


def test_registry_enumerates_real_sources() -> None:
    counts = {c.name: len(c.files()) for c in COLLECTIONS}
    assert all(n > 0 for n in counts.values()), counts
    assert counts["nottingham"] == 14 and counts["chinese-folk"] == 2
    assert counts["palestrina"] > 1000 and counts["ryansMammoth"] > 1000


def test_essen_is_split_and_skips_test_files() -> None:
    essen = {p.name for p in get_collection("essen").files()}
    assert "han1.abc" not in essen and not any(n.startswith("test") for n in essen)
    assert {p.name for p in get_collection("chinese-folk").files()} == {"han1.abc", "han2.abc"}
    assert "chinese" in get_collection("chinese-folk").tags


def test_analyses_and_images_are_not_sources() -> None:
    suffixes = {p.suffix for c in COLLECTIONS for p in c.files()}
    assert suffixes <= {".abc", ".mxl", ".xml", ".musicxml", ".krn"}


def test_file_tags() -> None:
    notts = get_collection("nottingham")
    jigs = next(p for p in notts.files() if p.name == "jigs.abc")
    assert notts.tags_for(jigs)[-1] == "jig" and "folk" in notts.tags_for(jigs)


def test_lookup() -> None:
    assert get_collection("BACH").name == "bach"
    assert [c.name for c in resolve(["essen", "bach"])] == ["bach", "essen"]
    assert len(resolve(None)) == len(COLLECTIONS)
    with pytest.raises(NotFoundError, match="known: nottingham, bach"):
        get_collection("mozart-symphonies")
