"""Features of pieces and plans, and their cache on store rows."""

from __future__ import annotations

from pathlib import Path

from tunesmith.compose.api import compose
from tunesmith.compose.plan import make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.feedback.features import (
    CONTROL_FEATURES,
    FEATURES,
    piece_features,
    plan_features,
    stored_features,
)
from tunesmith.io import load_one
from tunesmith.store import open_store
from tunesmith.store.pieces import add_piece

DATA = Path(__file__).resolve().parents[1] / "data"


def test_piece_features_match_the_controls() -> None:
    request = ComposeRequest(
        style="march",
        bars=8,
        form="AB",
        candidates=1,
        model="rules",
        seed=4,
        tempo=132,
        mode="minor",
        valence=-0.5,
        arousal=0.4,
    )
    score = compose(request).score
    f = piece_features(score, {"request": request.to_dict()})
    assert set(f) == set(FEATURES)
    assert f["tempo"] == 132 and f["major"] == 0.0 and f["valence"] == -0.5 and f["arousal"] == 0.4
    assert f["note_density"] > 0 and 40 < f["register"] < 100
    p = plan_features(make_plan(request))
    assert set(p) == set(CONTROL_FEATURES) and p["tempo"] == 132 and p["major"] == 0.0


def test_stored_features_are_cached(tmp_path: Path) -> None:
    score = load_one(DATA / "melody_chords.mid")
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, store.session() as s:
        piece, _ = add_piece(
            s, score, source="library", fmt=".mid", file_data=(DATA / "melody_chords.mid").read_bytes()
        )
        first = stored_features(s, piece)
        assert first is not None and piece.features is not None
        piece.file_data = None  # the cache answers without reading the file again
        assert stored_features(s, piece) == first
        bare, _ = add_piece(s, load_one(DATA / "waltz_96ppq.mid"), source="library")
        assert stored_features(s, bare) is None  # nothing to read
