from __future__ import annotations

from collections.abc import Iterator

import pytest

from tunesmith.score import (
    ChordSymbol,
    KeySignature,
    Metadata,
    Note,
    Score,
    TempoChange,
    TimeSignature,
    Track,
)
from tunesmith.store.db import Store, open_store


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store on each backend (SQLite and a real PostgreSQL server)."""
    s = open_store(db_url)
    yield s
    s.close()


def make_score(pitches: list[int], title: str = "Tune") -> Score:
    notes = [Note(p, i * 480, 480, 80) for i, p in enumerate(pitches)]
    return Score(
        tracks=[Track("Melody", 73, False, notes)],
        tempos=[TempoChange(0, 100.0)],
        time_signatures=[TimeSignature(0, 3, 4)],
        key_signatures=[KeySignature(0, 1, "major")],
        chords=[ChordSymbol(0, "G")],
        metadata=Metadata(title=title),
    )
