"""Originality over HTTP: check an upload, identify a clip, show a composed piece's certificate."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tunesmith.errors import NotFoundError

from .conftest import compose_piece


@pytest.fixture(autouse=True)
def _no_corpus_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search the store only: building the whole corpus index here would take tens of seconds."""
    from tunesmith.compose import engines
    from tunesmith.evaluate import similarity

    def missing() -> None:
        raise NotFoundError("no corpus index in this test")

    monkeypatch.setattr(similarity, "corpus_melody_index", missing)
    monkeypatch.setattr(engines, "corpus_melody_index", missing)


def test_composed_piece_has_a_certificate_and_its_midi_checks_as_a_match(client: TestClient) -> None:
    piece_id = compose_piece(client)
    cert = client.get(f"/api/originality/certificate/{piece_id}").json()
    assert cert["certificate"]["piece_id"] == piece_id and cert["check"]["problems"] == []
    assert client.get("/api/originality/registry").json()["ok"] is True
    midi = client.get(f"/api/pieces/{piece_id}/files/mid").content
    r = client.post("/api/originality/check", files={"file": ("piece.mid", midi, "audio/midi")})
    assert r.status_code == 200, r.text
    best = r.json()["matches"][0]
    assert best["id"] == f"piece:{piece_id}" and best["match"] is True


def test_identify_rejects_bad_audio_clearly(client: TestClient) -> None:
    from pedalboard.io import AudioFile

    r = client.post("/api/originality/identify", files={"file": ("clip.txt", b"hello", "text/plain")})
    assert r.status_code in (400, 415, 422) and "audio must be" in r.json()["detail"]
    r = client.post(
        "/api/originality/identify", files={"file": ("clip.wav", b"not a wav at all", "audio/wav")}
    )
    assert r.status_code in (400, 415, 422) and "not readable audio" in r.json()["detail"]
    buf = io.BytesIO()
    with AudioFile(buf, "w", 8000, 1, format="wav") as fh:
        fh.write(np.zeros((1, 8000 * 5), dtype=np.float32))
    r = client.post("/api/originality/identify", files={"file": ("clip.wav", buf.getvalue(), "audio/wav")})
    assert r.status_code == 422 and "silent" in r.json()["detail"]
    buf = io.BytesIO()
    with AudioFile(buf, "w", 8000, 1, format="wav") as fh:
        fh.write((0.3 * np.sin(np.arange(8000) * 0.3)).astype(np.float32)[None, :])
    r = client.post("/api/originality/identify", files={"file": ("clip.wav", buf.getvalue(), "audio/wav")})
    assert r.status_code == 422 and "at least 3 s" in r.json()["detail"]
    r = client.post("/api/originality/identify", files={"file": ("clip.wav", b"", "audio/wav")})
    assert r.status_code in (400, 415, 422) and "empty" in r.json()["detail"]


def test_certificate_of_unregistered_piece_is_404_and_sign_in_is_needed(
    client: TestClient, app_client: TestClient
) -> None:
    assert client.get("/api/originality/certificate/1").status_code == 404  # a corpus piece
    assert client.get("/static/originality.html").status_code == 200
    client.post("/api/auth/logout")
    assert app_client.get("/api/originality/registry").status_code == 401
