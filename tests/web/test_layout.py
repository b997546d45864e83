"""The page on a phone (390×844) and a desktop (1280×900) in Debian's headless Chromium: nothing
wider than the screen, no control cut off, no progress bar while idle. Screenshots of both sizes are
written to /tmp/tunesmith-phone.png and /tmp/tunesmith-desktop.png for a person to look at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.web.test_browser import ARGS, CHROMIUM, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"),
]

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}

# Every visible element whose box reaches past the right edge of the viewport (cut off controls).
CUT_OFF = """() => [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.right > innerWidth + 0.5;
}).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' right=' +
       Math.round(e.getBoundingClientRect().right))"""


def _check_fits(page: object, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    viewport = page.evaluate("innerWidth")  # type: ignore[attr-defined]
    assert width <= viewport, f"{where}: document is {width} px wide in a {viewport} px viewport"
    assert page.evaluate(CUT_OFF) == [], where  # type: ignore[attr-defined]


@pytest.mark.parametrize("server", [{"default_outputs": ("mid", "png")}], indirect=True)
def test_page_fits_phone_and_desktop(server: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, tmp = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for name, (w, h) in SIZES.items():
            page = browser.new_page(viewport={"width": w, "height": h})
            page.goto(url)
            page.wait_for_selector("#signin:not([hidden])")
            _check_fits(page, f"{name} sign-in")
            page.click("#local-signin")
            page.wait_for_selector("#app:not([hidden])")
            page.wait_for_selector("#library li")
            assert not page.is_visible("#job-progress"), f"{name}: progress bar shown while idle"
            _check_fits(page, f"{name} idle")
            page.select_option("#f-model", "rules")
            page.fill("#f-bars", "8")
            page.select_option("#f-form", "AB")
            page.fill("#f-candidates", "2")
            page.fill("#f-seed", "11")
            page.click("#compose-btn")
            page.wait_for_selector("#piece-card:not([hidden])", timeout=120_000)
            wait_until(page, "document.querySelector('#pianoroll').naturalWidth > 100", timeout=60_000)
            page.wait_for_selector("#recommendations li .title")
            assert not page.is_visible("#job-progress"), f"{name}: progress bar left after the job"
            _check_fits(page, f"{name} with a piece")
            page.screenshot(path=str(tmp / f"{name}.png"), full_page=True)
            page.close()
        browser.close()
    for name in SIZES:
        shutil.copyfile(tmp / f"{name}.png", f"/tmp/tunesmith-{name}.png")


def test_api_docs_render_offline(server: tuple[str, Path]) -> None:
    """Swagger UI at /docs shows the API's operations and asks nothing of any other host."""
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(f"{url}/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        assert page.locator(".opblock").count() >= 15
        assert "tunesmith" in page.inner_text(".info")
        browser.close()
    outside = [u for u in requested if not u.startswith(url) and not u.startswith("data:")]
    assert outside == [], outside
