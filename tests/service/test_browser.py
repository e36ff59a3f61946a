"""The student page in real headless Chromium: type an answer with LaTeX, see
it rendered by KaTeX, press Check, see the feedback; screenshot not blank."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

ANSWER = r"$$\frac{\partial L}{\partial z_2} = a_2 - y$$"


def png_distinct_colours(path: Path, limit: int = 64) -> int:
    """Count distinct RGB(A) pixel values in a PNG (stdlib only), up to ``limit``."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], None
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour_type = header[0], header[1], header[2], header[3]
    channels = {2: 3, 6: 4}[colour_type]
    assert depth == 8
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    seen: set[bytes] = set()
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        filter_type = raw[offset]
        line = bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + left) & 255
            elif filter_type == 2:
                line[i] = (line[i] + up) & 255
            elif filter_type == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif filter_type == 4:
                estimate = left + up - up_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + best) & 255
        for i in range(0, stride, channels * 7):
            seen.add(bytes(line[i : i + 3]))
        if len(seen) >= limit:
            return len(seen)
        previous = line
    return len(seen)


def test_type_render_check_and_screenshot(live_server, tmp_path):
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
    assert png_distinct_colours(shot) >= 8, "the screenshot looks blank"
