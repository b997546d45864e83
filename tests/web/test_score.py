"""The score view: engraved SVG pages of a piece, drawn server-side by Verovio, with limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import compose_piece

from tunesmith.errors import OutputError
from tunesmith.render import score_svg


def test_a_composed_piece_has_engraved_svg_pages(client: TestClient) -> None:
    piece = compose_piece(client)
    info = client.get(f"/api/pieces/{piece}/score")
    assert info.status_code == 200, info.text
    pages = info.json()["pages"]
    assert pages >= 1 and info.json()["total_pages"] >= pages
    page = client.get(f"/api/pieces/{piece}/score/1")
    assert page.status_code == 200 and page.headers["content-type"].startswith("image/svg+xml")
    svg = page.text
    assert svg.startswith("<svg") and "Verovio" in svg and svg.count('class="note"') > 10
    assert "http://" not in svg.replace("http://www.w3.org", "")  # nothing to load from the internet
    assert client.get(f"/api/pieces/{piece}/score/{pages + 1}").status_code == 404
    assert client.get("/api/pieces/999999/score").status_code == 404


def test_the_page_shows_the_score_next_to_the_piano_roll(client: TestClient) -> None:
    page = client.get("/").text
    assert '<div id="score-view"></div>' in page and '<script src="/static/score.js"></script>' in page
    assert "/score/" in client.get("/static/score.js").text


def test_size_and_time_limits_stop_the_engraving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tunesmith.io import save
    from tunesmith.score import Note, Score, Track

    path = tmp_path / "x.musicxml"
    save(Score(tracks=[Track("t", 0, False, [Note(60 + i % 12, i * 240, 240) for i in range(400)])]), path)
    with pytest.raises(OutputError, match="longer than"):
        score_svg.score_pages(path, time_limit_s=0.01)
    monkeypatch.setattr(score_svg, "MAX_MUSICXML_BYTES", 1000)
    with pytest.raises(OutputError, match="too large to engrave"):
        score_svg.score_pages(path)
