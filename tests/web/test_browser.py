"""The page in Debian's headless Chromium (Playwright): sign up, compose, play, rate, see it.

The real server runs with uvicorn on a free loopback port in a thread of this process. Skipped only
when /usr/bin/chromium is absent (scripts/test.sh installs it); Playwright's own browsers are never
downloaded.
"""

from __future__ import annotations

import time
import wave
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium is not installed at /usr/bin/chromium (scripts/test.sh installs it)",
    ),
]


def wait_until(page: Any, expression: str, timeout: float = 30_000) -> None:
    """Poll a JavaScript expression until it is true. (Playwright's wait_for_function compiles its
    predicate inside the page, which the page's Content-Security-Policy forbids: no eval.)"""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


@pytest.mark.parametrize("server", [{"default_outputs": ("wav", "png")}], indirect=True)
def test_sign_up_compose_play_rate_and_see_recommendations(server: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, tmp = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        violations: list[str] = []
        page.on("console", lambda m: violations.extend([m.text] if "Security Policy" in m.text else []))
        page.goto(url)
        page.fill("#login-name", "listener")
        page.fill("#login-password", "a long password")
        page.click("#register-btn")
        page.wait_for_selector("#app:not([hidden])")
        assert "listener" in page.inner_text("#who")
        # Set controls: a short two-candidate piece (rules melody keeps the test fast).
        page.select_option("#f-style", "folk")
        page.fill("#f-bars", "8")
        page.select_option("#f-form", "AB")
        page.select_option("#f-model", "rules")
        page.fill("#f-candidates", "2")
        page.fill("#f-seed", "7")
        page.click("#pad", position={"x": 170, "y": 20})  # happy and excited
        assert float(page.inner_text("#pad-v")) > 0.5
        page.click("#compose-btn")
        page.wait_for_selector("#piece-card:not([hidden])", timeout=120_000)
        wait_until(page, "document.querySelectorAll('#candidates button').length === 2")
        # The audio loads, and its duration is the rendered file's.
        wait_until(page, "isFinite(document.querySelector('#player').duration)", timeout=30_000)
        duration = page.evaluate("document.querySelector('#player').duration")
        wavs = sorted((tmp / "files" / "generated").rglob("*.wav"))
        assert len(wavs) == 2
        with wave.open(str(wavs[0])) as w:
            expected = w.getnframes() / w.getframerate()
        assert abs(duration - expected) < 0.05, (duration, expected)
        page.evaluate("document.querySelector('#player').play()")
        wait_until(page, "document.querySelector('#player').currentTime > 0.2", timeout=20_000)
        assert page.evaluate("document.querySelector('#pianoroll').naturalWidth") > 100
        # Switch to the second candidate and back.
        first_title = page.inner_text("#piece-title")
        page.click("#candidates button:nth-child(2)")
        wait_until(page, f"document.querySelector('#piece-title').textContent !== {first_title!r}")
        page.click("#candidates button:nth-child(1)")
        wait_until(page, f"document.querySelector('#piece-title').textContent === {first_title!r}")
        # Rate it and see the rating and a recommendation.
        page.click("#stars button[data-stars='4']")
        page.fill("#comment", "bright and bouncy")
        page.click("#rate-btn")
        page.wait_for_selector("#rate-status:has-text('saved')")
        page.wait_for_selector(f"#my-ratings li:has-text({first_title!r})")
        assert "★★★★" in page.inner_text("#my-ratings")
        page.wait_for_selector("#recommendations li .title")
        assert page.locator("#recommendations li").count() >= 1
        page.screenshot(path=str(tmp / "page.png"), full_page=True)
        # A bad control shows the API's message next to the form.
        page.fill("#f-tempo", "300")
        page.eval_on_selector("#compose-form", "f => f.noValidate = true")
        page.click("#compose-btn")
        page.wait_for_selector("#compose-error:has-text('allowed: 30 to 240 bpm')")
        assert violations == []  # the page works under its CSP (no inline script or style)
        browser.close()
    shot = Path("/tmp/tunesmith-web-page.png")
    shot.write_bytes((tmp / "page.png").read_bytes())
