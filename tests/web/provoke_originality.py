"""Provokers for the originality routes (joined into test_openapi's table)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from httpx import Response

NOBODY = {"Authorization": "Bearer not-a-token"}
DATA = Path(__file__).resolve().parent.parent / "data"
MIDI = (DATA / "melody_chords.mid").read_bytes()
C = "/api/originality/certificate/{piece_id}"


def _wav(seconds: float, loud: bool) -> bytes:
    from pedalboard.io import AudioFile

    rate = 8000
    t = np.arange(int(rate * seconds)) / rate
    audio = (0.3 * np.sin(2 * np.pi * 440 * t) * (t % 0.5 < 0.25)) if loud else np.zeros_like(t)
    buf = io.BytesIO()
    with AudioFile(buf, "w", rate, 1, format="wav") as fh:
        fh.write(audio[None, :].astype(np.float32))
    return buf.getvalue()


def _generated(w: Any) -> int:
    return int(w.c.get(f"/api/jobs/{w.job}").json()["pieces"][0]["piece_id"])


def _check(w: Any, data: bytes, name: str = "x.mid", headers: dict[str, str] | None = None) -> Response:
    return w.c.post("/api/originality/check", files={"file": (name, data)}, headers=headers or {})


def _identify(w: Any, data: bytes, name: str = "clip.wav", headers: dict[str, str] | None = None) -> Response:
    return w.c.post("/api/originality/identify", files={"file": (name, data)}, headers=headers or {})


def _identify_rendered(w: Any) -> Response:
    """A piece composed with audio is fingerprinted; a clip of it is then named."""
    from tests.web.conftest import FAST, wait_job

    job = w.c.post("/api/compose", json={**FAST, "outputs": ["mid", "wav"], "seed": 11}).json()["job_id"]
    piece = wait_job(w.c, job, timeout=240)["pieces"][0]
    wav = w.c.get(piece["files"]["wav"]).content
    return _identify(w, wav[: 44 + 44100 * 2 * 2 * 8])  # the first 8 s (16-bit stereo)


ORIGINALITY: dict[tuple[str, str, int], Callable[[Any], Response]] = {
    ("POST", "/api/originality/check", 200): lambda w: _check(w, MIDI),
    ("POST", "/api/originality/check", 401): lambda w: _check(w, MIDI, headers=NOBODY),
    ("POST", "/api/originality/check", 413): lambda w: w.with_setting(
        w.ctx.settings, "max_upload_bytes", 100, lambda: _check(w, MIDI)
    ),
    ("POST", "/api/originality/check", 415): lambda w: _check(w, b"plain words, not music"),
    ("POST", "/api/originality/check", 422): lambda w: _check(w, (DATA / "truncated.mid").read_bytes()),
    ("POST", "/api/originality/identify", 200): _identify_rendered,
    ("POST", "/api/originality/identify", 401): lambda w: _identify(w, _wav(6, True), headers=NOBODY),
    ("POST", "/api/originality/identify", 413): lambda w: w.with_setting(
        w.ctx.settings, "max_audio_bytes", 1000, lambda: _identify(w, _wav(6, True))
    ),
    ("POST", "/api/originality/identify", 415): lambda w: _identify(w, b"hello", "clip.txt"),
    ("POST", "/api/originality/identify", 422): lambda w: _identify(w, _wav(5, False)),
    ("GET", C, 200): lambda w: w.c.get(f"/api/originality/certificate/{_generated(w)}"),
    ("GET", C, 401): lambda w: w.c.get(f"/api/originality/certificate/{_generated(w)}", headers=NOBODY),
    ("GET", C, 404): lambda w: w.c.get(f"/api/originality/certificate/{w.piece}"),
    ("GET", C, 422): lambda w: w.c.get("/api/originality/certificate/one"),
    ("GET", "/api/originality/registry", 200): lambda w: w.c.get("/api/originality/registry"),
    ("GET", "/api/originality/registry", 401): lambda w: w.c.get("/api/originality/registry", headers=NOBODY),
}
