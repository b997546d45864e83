"""Every fixture through every writable format: read -> write -> read keeps the music."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tunesmith.io import WRITE_SUFFIXES, load, save
from tunesmith.score import Score

DATA = Path(__file__).resolve().parent.parent / "data"
VALID_FIXTURES = [
    "tunes.abc",
    "melody_chords.mid",
    "changes.mid",
    "drums_bass.mid",
    "waltz_96ppq.mid",
    "two_parts.musicxml",
]
Summary = Callable[[Score], dict[str, object]]


@pytest.mark.parametrize("suffix", WRITE_SUFFIXES)
@pytest.mark.parametrize("fixture", VALID_FIXTURES)
def test_round_trip_keeps_notes_tempos_meters_keys_chords(
    fixture: str, suffix: str, tmp_path: Path, summary: Summary
) -> None:
    originals = load(DATA / fixture)
    assert originals and all(any(t.notes for t in s.tracks) for s in originals)
    for i, original in enumerate(originals):
        out = tmp_path / f"piece{i}{suffix}"
        save(original, out)
        (again,) = load(out)
        if suffix not in (".mid", ".midi"):  # notation writes a drum hit lasting to the next hit in its beat
            for track in (*original.tracks, *again.tracks):
                for note in track.notes if track.is_drum else []:
                    note.duration = 1
        assert summary(again) == summary(original)


def test_midi_round_trip_keeps_sections_velocities_and_metadata(tmp_path: Path) -> None:
    (original,) = load(DATA / "melody_chords.mid")
    original.metadata.licence = "CC0"
    original.metadata.style_tags = ["folk", "calm"]
    original.metadata.mood = "bright"
    save(original, tmp_path / "x.mid")
    (again,) = load(tmp_path / "x.mid")
    assert again.sections == original.sections
    assert [n.velocity for n in again.tracks[0].notes] == [n.velocity for n in original.tracks[0].notes]
    assert (again.metadata.title, again.metadata.composer) == ("Little Tune", "Fixture Maker")
    meta = again.metadata
    assert (meta.licence, meta.style_tags, meta.mood) == ("CC0", ["folk", "calm"], "bright")


def test_musicxml_round_trip_keeps_section_starts(tmp_path: Path) -> None:
    (original,) = load(DATA / "melody_chords.mid")
    save(original, tmp_path / "x.musicxml")
    (again,) = load(tmp_path / "x.musicxml")
    assert [(s.start, s.label) for s in again.sections] == [(s.start, s.label) for s in original.sections]
