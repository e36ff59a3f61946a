"""The student page in real headless Chromium: type an answer with LaTeX, see
it rendered by KaTeX, press Check, see the feedback; screenshot not blank."""

from __future__ import annotations

import shutil

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

ANSWER = r"$$\frac{\partial L}{\partial z_2} = a_2 - y$$"


def test_type_render_check_and_screenshot(live_server, tmp_path, decode_png):
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(live_server + "/")
        box = page.locator('textarea[data-part="q2.c"]')
        box.wait_for()
        box.fill(ANSWER)
        preview = page.locator('[data-preview="q2.c"] .katex')
        preview.first.wait_for(timeout=10_000)
        assert preview.count() >= 1
        page.click("#check")
        feedback = page.locator('[data-feedback="q2.c"] .score')
        feedback.wait_for(timeout=30_000)
        assert "Score:" in feedback.inner_text()
        assert "Checked:" in page.locator("#status").inner_text()
        shot = tmp_path / "page.png"
        page.locator('[data-part="q2.c"]').scroll_into_view_if_needed()
        page.screenshot(path=str(shot), full_page=False)
        browser.close()
    width, height, channels, rows = decode_png(shot.read_bytes())
    colours = {row[i : i + 3] for row in rows[::7] for i in range(0, len(row), channels * 7)}
    assert len(colours) >= 8, "the screenshot looks blank"
