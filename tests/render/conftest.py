"""Shared fixtures: a small four-track score (melody, bass, chords, drums) and its rendered stems."""

from __future__ import annotations

import pytest

from tunesmith.errors import SoundFontError
from tunesmith.score import ChordSymbol, Metadata, Note, Score, TempoChange, TimeSignature, Track


def small_score(bars: int = 4, bpm: float = 120.0) -> Score:
    """Four bars of I-vi-IV-V in C: melody (flute), bass, piano chords and a rock beat."""
    bar = 1920
    roots = [60, 57, 53, 55]
    triads = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    melody = Track("melody", 73)
    bass = Track("bass", 33)
    chords = Track("chords", 0)
    drums = Track("drums", 0, is_drum=True)
    for b in range(bars):
        start = b * bar
        triad = triads[b % 4]
        for q in range(4):
            melody.notes.append(Note(triad[q % 3] + 12, start + q * 480, 420, 90 + 5 * (q == 0)))
            bass.notes.append(Note(roots[b % 4] - 24, start + q * 480, 440, 95))
            drums.notes.append(Note(42, start + q * 480, 120, 70))
            drums.notes.append(Note(36 if q % 2 == 0 else 38, start + q * 480, 120, 100))
        chords.notes += [Note(p, start, bar - 60, 70) for p in triad]
    return Score(
        tracks=[melody, bass, chords, drums],
        tempos=[TempoChange(0, bpm)],
        time_signatures=[TimeSignature(0, 4, 4)],
        chords=[ChordSymbol(b * bar, ["C", "Am", "F", "G"][b % 4]) for b in range(bars)],
        metadata=Metadata(title="Render test"),
    )


@pytest.fixture(scope="session")
def soundfont():
    from tunesmith.render.soundfont import find_soundfont

    try:
        return find_soundfont()
    except SoundFontError as err:
        pytest.skip(f"no SoundFont installed: {err}")


@pytest.fixture(scope="session")
def score() -> Score:
    return small_score()


@pytest.fixture(scope="session")
def stems(score, soundfont):
    from tunesmith.render.synth import render_stems

    return render_stems(score, soundfont)
