"""The exercise sheet and the session page in Debian's headless Chromium: make an exercise, hand in
an answer, see the grade; draw a path, make a session, hear it and see its report."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_browser import ARGS, CHROMIUM, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"),
]


def test_exercise_sheet_and_session_page(server: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, tmp = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{url}/static/learn.html")
        wait_until(page, "document.querySelector('#who').textContent.includes('signed in')")
        page.select_option("#ex-kind", "intervals")
        page.select_option("#ex-level", "1")
        page.click("#ex-new")
        page.wait_for_selector("#ex-card:not([hidden])")
        assert "intervals" in page.inner_text("#ex-title")
        page.fill("#answer-text", "\n".join(["P5"] * 10))
        page.click("#answer-form button[type=submit]")
        page.wait_for_selector("#grade:not([hidden])")
        assert "%" in page.inner_text("#grade-score")
        assert page.locator("#answer-links a").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp / "learn.png"), full_page=True)

        page.goto(f"{url}/static/sessions.html")
        wait_until(page, "document.querySelectorAll('#s-preset option').length > 1")
        assert "not a medical device" in page.inner_text("#disclaimer")
        page.click("#traj", position={"x": 80, "y": 40})  # tense
        page.click("#traj", position={"x": 280, "y": 230})  # calm
        page.fill("#s-minutes", "0.5")
        page.select_option("#s-style", "ambient")
        page.click("#s-start")
        page.wait_for_selector("#s-result:not([hidden])", timeout=180_000)
        assert "loudness" in page.inner_text("#s-seams")
        page.screenshot(path=str(tmp / "sessions.png"), full_page=True)
        browser.close()
