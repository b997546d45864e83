"""The co-creation editor in Debian's headless Chromium: select bars on the piano roll, regenerate,
play, A/B, edit a note by hand, undo, and download a version, checking the real results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .test_browser import ARGS, CHROMIUM, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"),
]
TOLERANCE = 60  # tunesmith.cocreate.revise.TOLERANCE: a humanised onset belongs to the bar of start + this


def _tracks(page: Any) -> dict[str, list[list[int]]]:
    return {t["name"]: t["notes"] for t in page.evaluate("editor.ed.piece.tracks")}


def _drag(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    box = page.locator("#roll").bounding_box()
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + (start[0] + end[0]) / 2, box["y"] + (start[1] + end[1]) / 2)
    page.mouse.move(box["x"] + end[0], box["y"] + end[1])
    page.mouse.up()


def _open_version(page: Any, previous: int) -> int:
    wait_until(
        page, f"editor.ed.piece && editor.ed.piece.id !== {previous} && !editor.ed.busy", timeout=180_000
    )
    return int(page.evaluate("editor.ed.piece.id"))


@pytest.mark.parametrize("server", [{"default_outputs": ("wav",)}], indirect=True)
def test_select_regenerate_play_edit_undo_download(server: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    from tunesmith.io import load

    url, tmp = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        violations: list[str] = []
        page.on("console", lambda m: violations.extend([m.text] if "Security Policy" in m.text else []))
        page.goto(f"{url}/static/editor.html")  # signs in as the local user; no piece yet
        wait_until(page, "document.querySelector('#who').textContent.includes('signed in')")
        assert "open the editor from a piece" in page.inner_text("#ed-error")
        original = page.evaluate("""async () => {
            const job = await api("POST", "/api/compose", {style: "folk", bars: 8, form: "AB", candidates: 1,
                                                           model: "rules", seed: 11, outputs: ["wav"]});
            return (await waitJob(job.job_id)).pieces[0].piece_id;
        }""")
        page.goto(f"{url}/static/editor.html?piece={original}")
        wait_until(page, f"editor.ed.piece && editor.ed.piece.id === {original}")
        bar = page.evaluate("editor.ed.piece.bar_ticks")
        parent = _tracks(page)

        # Select bars 3-4 by dragging across them; regenerate the melody with the bass locked.
        x3, x4 = page.evaluate(f"[editor.geo.xOf({2.5 * bar}), editor.geo.xOf({3.5 * bar})]")
        _drag(page, (x3, 150), (x4, 160))
        assert page.inner_text("#ed-bars") == "3-4"
        page.check("#ed-tracks input.lock[data-role='bass']")
        page.select_option("#ed-track", "melody")
        page.click("#ed-regen")
        revised = _open_version(page, original)
        child = _tracks(page)
        assert child.keys() == parent.keys()
        span = range(2 * bar, 4 * bar)
        for name, notes in parent.items():
            outside = [n for n in notes if (n[1] + TOLERANCE) // bar * bar not in span]
            assert [n for n in child[name] if (n[1] + TOLERANCE) // bar * bar not in span] == outside, name
            if "melody" not in name:
                assert child[name] == notes, name
        melody = next(n for n in parent if n.startswith("melody"))
        assert child[melody] != parent[melody]  # the selected bars really changed
        assert f"from version {original}" in page.inner_text("#ed-facts")

        # Play the new version, then A/B against the previous one.
        wait_until(page, "isFinite(document.querySelector('#ed-player').duration)")
        page.evaluate("document.querySelector('#ed-player').play()")
        wait_until(page, "document.querySelector('#ed-player').currentTime > 0.2", timeout=20_000)
        assert f"/api/pieces/{revised}/files/wav" in page.evaluate("document.querySelector('#ed-player').src")
        page.click("#ed-ab")
        wait_until(
            page, f"document.querySelector('#ed-player').src.includes('/api/pieces/{original}/files/wav')"
        )
        page.click("#ed-ab")
        wait_until(
            page, f"document.querySelector('#ed-player').src.includes('/api/pieces/{revised}/files/wav')"
        )

        # Edit a note by hand: drag the melody's first note up two semitones and save.
        page.check("#ed-editmode")
        first = child[melody][0]
        x, y = page.evaluate(
            f"[editor.geo.xOf({first[1]}) + 2, editor.geo.yOf({first[0]}) + editor.geo.rowH() / 2]"
        )
        dy = page.evaluate("editor.geo.rowH()") * 2
        _drag(page, (x, y), (x, y - dy))
        assert page.inner_text("#ed-pending") == "1 edit"
        page.click("#ed-save")
        edited = _open_version(page, revised)
        moved = _tracks(page)
        expected = sorted([[first[0] + 2, *first[1:]], *child[melody][1:]], key=lambda n: (n[1], n[0]))
        assert moved[melody] == expected
        assert all(moved[n] == child[n] for n in child if n != melody)

        # Undo: back to the regenerated version (the edited one stays in the list).
        page.click("#ed-undo")
        wait_until(page, f"editor.ed.piece.id === {revised}")
        assert _tracks(page) == child
        wait_until(page, "document.querySelectorAll('#ed-versions li').length === 3")
        assert page.locator(f"#ed-versions li[data-version='{edited}']").count() == 1
        assert page.locator(f"#ed-versions li[data-version='{revised}'] .title.current").count() == 1

        # Download the hand-edited version's MIDI, MusicXML and JSON; each parses and is that version.
        got: dict[str, Path] = {}
        for kind in ("mid", "musicxml", "json"):
            with page.expect_download() as info:
                page.click(f"#ed-versions li[data-version='{edited}'] a[data-kind='{kind}']")
            got[kind] = tmp / f"edited.{kind}"
            info.value.save_as(got[kind])
        midi = load(got["mid"])[0]
        track = next(t for t in midi.tracks if t.name == melody)
        assert [[n.pitch, n.start, n.duration, n.velocity] for n in track.notes] == expected
        assert load(got["musicxml"])[0].tracks
        data = json.loads(got["json"].read_text())
        assert [s.get("edits") is not None for s in data["revisions"]] == [False, True]
        page.screenshot(path=str(tmp / "editor.png"), full_page=True)
        assert violations == []
        browser.close()
    Path("/tmp/tunesmith-editor.png").write_bytes((tmp / "editor.png").read_bytes())
