import json
from pathlib import Path

import pytest

from tunesmith.errors import ControlError
from tunesmith.score import Note, Score, Track
from tunesmith.theory.key import Key
from tunesmith.theory.keydetect import (
    PROFILES,
    detect_key,
    estimate_key,
    key_correlations,
    pitch_class_histogram,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "bach_chorale_notes.json"
Q = 480


def _scale_cadence(key: Key) -> list[Note]:
    """Scale up and down, then a I-IV-V-I cadence with the tonic in the bass (harmonic minor V)."""
    t = key.tonic
    steps = [0, 2, 4, 5, 7, 9, 11, 12] if key.mode == "major" else [0, 2, 3, 5, 7, 8, 10, 12]
    notes: list[Note] = []
    tick = 0
    for step in steps + steps[::-1]:
        notes.append(Note(60 + t + step, tick, Q))
        tick += Q
    third = 4 if key.mode == "major" else 3
    sixth = 9 if key.mode == "major" else 8
    chords = [(0, third, 7), (5, sixth, 12), (7, 11, 14), (0, third, 7)]
    for bass, *upper in chords:
        notes.append(Note(48 + t + bass, tick, 2 * Q))
        notes.extend(Note(60 + t + u, tick, 2 * Q) for u in upper)
        tick += 2 * Q
    return notes


@pytest.mark.parametrize("mode", ["major", "minor"])
def test_synthetic_scale_and_cadence_in_all_keys(mode):
    for tonic in range(12):
        key = Key(tonic, mode)
        for profile in ("auto", *PROFILES):
            assert detect_key(_scale_cadence(key), profile=profile) == key, (key.name, profile)


def test_bach_chorale_extract():
    pieces = json.loads(DATA.read_text())
    assert len(pieces) == 8
    for piece in pieces:
        notes = [Note(p, s, d) for p, s, d in piece["notes"]]
        estimate = estimate_key(notes)
        assert estimate.key == Key.parse(piece["key"]), piece["name"]
        assert 0.5 < estimate.confidence <= 1.0


def test_score_input_and_drums_ignored():
    key = Key.parse("Eb")
    drums = Track("drums", is_drum=True, notes=[Note(37, i * Q, Q) for i in range(64)])
    score = Score(tracks=[Track("piano", notes=_scale_cadence(key)), drums])
    assert detect_key(score) == key


def test_weighted_pairs_and_histogram():
    pairs = [(60, 4.0), (64, 2.0), (67, 3.0), (62, 1.0), (65, 1.0), (71, 1.0)]
    assert detect_key(pairs) == Key.parse("C")
    hist = pitch_class_histogram([Note(60, 0, 480), Note(72, 480, 240), Note(67, 0, 960)])
    assert hist[0] == 720.0
    assert hist[7] == 960.0
    assert pitch_class_histogram([Note(60, 0, 480), Note(72, 480, 240)], weighting="count")[0] == 2.0


def test_correlations_rank_and_range():
    hist = [1.0 if pc in (0, 2, 4, 5, 7, 9, 11) else 0.0 for pc in range(12)]
    hist[0] += 1.0
    scored = key_correlations(hist, "krumhansl")
    assert len(scored) == 24
    assert all(-1.0 <= s <= 1.0 for _, s in scored)
    best = max(scored, key=lambda ks: ks[1])[0]
    assert best == Key.parse("C")


def test_confidence_is_lower_for_ambiguous_input():
    clear = estimate_key(_scale_cadence(Key.parse("G")))
    ambiguous = estimate_key([(pc + 60, 1.0) for pc in range(12)])  # the chromatic scale
    assert clear.confidence > ambiguous.confidence
    assert ambiguous.confidence < 0.2
    assert clear.ranking[0][0] == clear.key


def test_errors():
    with pytest.raises(ControlError):
        detect_key([])
    with pytest.raises(ControlError):
        detect_key([(60, 1.0)], profile="nonexistent")
    with pytest.raises(ControlError):
        key_correlations([1.0] * 11)
