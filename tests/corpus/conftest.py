"""A tiny corpus collection built from tests/data fixtures in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tunesmith.corpus.collections import Collection

DATA = Path(__file__).resolve().parent.parent / "data"
BROKEN_TUNE = '\nX: 9\nT:Broken\nK:G\n"G GABc|d4|\n'
KERN = "**kern\n*M3/4\n*k[f#]\n4g\n4a\n4b\n=\n2.g\n=\n*-\n"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """tunes.abc (3 tunes) + one broken tune, a MIDI file, a MusicXML file and a **kern file."""
    root = tmp_path / "sources"
    (root / "sub").mkdir(parents=True)
    (root / "tunes.abc").write_text((DATA / "tunes.abc").read_text() + BROKEN_TUNE)
    shutil.copy(DATA / "melody_chords.mid", root / "melody.mid")
    shutil.copy(DATA / "two_parts.musicxml", root / "sub" / "two_parts.musicxml")
    (root / "sub" / "scale.krn").write_text(KERN)
    (root / "notes.txt").write_text("not music: ignored")
    return root


def tiny_collection(root: Path, name: str = "tiny") -> Collection:
    return Collection(name, "test collection", ("folk", "test"), "CC0", ("",), root=lambda: root,
                      file_tags=(("tunes", "tune-file"),), rhythm_tags=True)
