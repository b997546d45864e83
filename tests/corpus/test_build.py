from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.corpus.build import _reason_kind, _rhythm_tag, build_corpus
from tunesmith.corpus.load import load_corpus
from tunesmith.io import load

from .conftest import tiny_collection


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.mark.slow  # parses a **kern and a MusicXML file with music21 (~2 s, more on a busy machine)
def test_build_parses_every_format_and_logs_skips(sources: Path, home: Path) -> None:
    report = build_corpus(collections=[tiny_collection(sources)], workers=1, progress=False)
    (rep,) = report.collections
    assert (rep.files, rep.files_parsed, rep.pieces, rep.skipped) == (4, 4, 6, 1)
    assert report.cache_dir == home / "corpus"
    log = (home / "corpus" / "build.log").read_text()
    reason = "ValueError: tunes.abc: tune X:9: line 6: unterminated chord symbol (music21 reads no notes)"
    assert f"tiny\ttunes.abc#3\tBroken\t{reason}" in log
    assert report.skip_reasons == {"unterminated chord symbol": 1}

    corpus = load_corpus(["tiny"])
    assert [p.path for p in corpus.pieces] == [
        "melody.mid", "sub/scale.krn", "sub/two_parts.musicxml", "tunes.abc", "tunes.abc", "tunes.abc"
    ]
    kern = corpus[1]
    assert [n.pitch for n in kern.tracks[0].notes] == [67, 69, 71, 67]
    assert kern.time_signatures[0].numerator == 3 and kern.key_signatures[0].fifths == 1
    # ABC tunes keep keys, meters and chord spellings, repeats expanded as tunesmith.io reads them
    first = corpus[3]
    assert first.metadata.title == "Repeat And Endings"
    expected_tune = load(Path(__file__).parent.parent / "data" / "tunes.abc")[0]
    assert [c.figure for c in first.chords] == ["G", "Cd", "Ca", "G", "Cd", "C/e", "D7", "G", "D7", "G"]
    assert first.tracks[0].notes == expected_tune.tracks[0].notes
    assert first.key_signatures[0].fifths == 1 and str(first.time_signatures[0]) == "4/4"
    assert set(corpus.pieces[3].tags) >= {"folk", "test", "tune-file", "reel"}
    assert first.metadata.source == "corpus:tiny/tunes.abc#0"
    midi = corpus[0]
    (expected,) = load(sources / "melody.mid")
    assert [(n.pitch, n.start, n.duration) for n in midi.tracks[0].notes] == [
        (n.pitch, n.start, n.duration) for n in expected.tracks[0].notes
    ]
    assert [c.figure for c in midi.chords] == [c.figure for c in expected.chords]


def test_rebuild_parses_only_changed_files(sources: Path) -> None:
    collection = tiny_collection(sources)
    first = build_corpus(collections=[collection], workers=1, progress=False)
    assert len(first.parsed_files) == 4

    again = build_corpus(collections=[collection], workers=1, progress=False)
    assert again.parsed_files == [] and again.parsed_units == 0
    assert again.collections[0].pieces == 6 and again.collections[0].skipped == 1

    before = load_corpus(["tiny"])
    midi_notes = before.notes(0)
    with (sources / "tunes.abc").open("a") as f:
        f.write('\nX: 10\nT:New Tune\nM:2/4\nL:1/8\nK:D\n"D"defg|"A"a4|]\n')
    changed = build_corpus(collections=[collection], workers=1, progress=False)
    assert changed.parsed_files == ["tiny/tunes.abc"]
    assert changed.parsed_units == 5  # the five tunes of the changed file, nothing else
    after = load_corpus(["tiny"])
    assert len(after) == 7 and after.pieces[-1].title == "New Tune"
    assert all((after.notes(0)[c] == midi_notes[c]).all() for c in midi_notes)  # reused piece intact

    forced = build_corpus(collections=[collection], workers=1, progress=False, force=True)
    assert len(forced.parsed_files) == 4 and forced.collections[0].files_reused == 0


def test_parallel_build_matches_serial(sources: Path, tmp_path: Path) -> None:
    collection = tiny_collection(sources)
    serial = build_corpus(collections=[collection], workers=1, progress=False, cache_dir=tmp_path / "a")
    parallel = build_corpus(collections=[collection], workers=2, progress=False, cache_dir=tmp_path / "b")
    assert serial.collections[0].pieces == parallel.collections[0].pieces == 6
    a = load_corpus(["tiny"], cache_dir=tmp_path / "a")
    b = load_corpus(["tiny"], cache_dir=tmp_path / "b")
    assert list(a) == list(b)


def test_skip_reasons_are_grouped_without_places() -> None:
    meter = "CorruptFileError: a/b.abc: tune X:12: line 8: invalid meter M:FREI4/4"
    assert _reason_kind(meter) == "invalid meter"
    assert _reason_kind("CorruptFileError: x.abc: tune X:1: line 3: unexpected character ']'") == (
        "unexpected character"
    )
    assert _reason_kind("ValueError: no notes") == "no notes"
    spaced = "CorruptFileError: /a b/PMFC 12-Kyrie Rondello.xml: an XML file, but not a MusicXML score"
    assert _reason_kind(spaced) == "an XML file, but not a MusicXML score"


def test_rhythm_tags() -> None:
    assert _rhythm_tag("Double Jig") == "double-jig"
    assert _rhythm_tag("slipjig") == "slip-jig"
    assert _rhythm_tag("Wuge, Shuichuan qu. Xin minge]") == ""


@pytest.mark.slow  # music21 parses the file (~1-2 s)
def test_music21_fallback_reads_utf16_musicxml(tmp_path: Path) -> None:
    from tunesmith.errors import CorruptFileError

    root = tmp_path / "utf16"
    root.mkdir()
    text = (Path(__file__).parent.parent / "data" / "two_parts.musicxml").read_text(encoding="utf-8")
    text = text.replace('encoding="utf-8"', 'encoding="UTF-16"', 1)
    (root / "wide.musicxml").write_bytes(text.encode("utf-16"))
    with pytest.raises(CorruptFileError):
        load(root / "wide.musicxml")  # tunesmith's reader refuses it ...
    report = build_corpus(collections=[tiny_collection(root)], workers=1, progress=False,
                          cache_dir=tmp_path / "c")
    assert report.collections[0].pieces == 1  # ... the build falls back to music21
    (piece,) = load_corpus(["tiny"], cache_dir=tmp_path / "c")
    (expected,) = load(Path(__file__).parent.parent / "data" / "two_parts.musicxml")
    assert [len(t.notes) for t in piece.tracks] == [len(t.notes) for t in expected.tracks]
