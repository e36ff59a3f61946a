"""HTML feedback: self-contained (KaTeX inlined, no network), escapes what the
student wrote, and - in headless Chromium, when installed - renders the math."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.report import html
from grader.report.models import GradeReport
from grader.report.stats import StatsCollector

FILES = Path(__file__).parent / "files" / "batch"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--virtual-time-budget=5000",
]


def rendered_dom(page: Path) -> str:
    """The page's DOM after headless Chromium has loaded it (scripts run)."""
    command = [CHROMIUM, *CHROMIUM_FLAGS, "--dump-dom", page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120).stdout


def screenshot(page: Path, shot: Path) -> None:
    """A 900 x 1300 screenshot of the page by headless Chromium."""
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--screenshot={shot}", "--window-size=900,1300"]
    subprocess.run([*command, page.as_uri()], capture_output=True, timeout=120)


def load(name: str) -> GradeReport:
    return GradeReport.model_validate_json((FILES / f"{name}.json").read_text())


def test_inline_page_needs_no_network():
    page = html.render(load("bob"))
    assert not re.search(r"(src|href)=\"https?:", page)
    assert "url(fonts/" not in page  # every font is a data URI
    assert "data:font/woff2;base64," in page
    assert "renderMathInElement" in page


def test_page_shows_scores_feedback_and_lines():
    page = html.render(load("bob"))
    assert "6.17 / 9.5" in page
    assert "2.5 / 3.5" in page
    assert "Refers to lines 8-12, line 9" in page
    assert "sigmoid derivative $a_1(1-a_1)$" in page
    assert "A person will check this part: OCR repair" in page


def test_student_text_is_escaped():
    report = load("alice").model_copy(deep=True)
    report.parts[0].answer.text = "<script>alert(1)</script> $x < y$"
    page = html.render(report, assets="relative")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; $x &lt; y$" in page


def test_relative_assets_point_at_copied_files(tmp_path):
    html.copy_assets(tmp_path / "assets")
    page = html.render(load("alice"), assets="relative", asset_prefix="assets")
    for link in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert (tmp_path / link).is_file(), link
    assert list((tmp_path / "assets" / "katex" / "fonts").glob("*.woff2"))


def test_summary_embeds_charts_and_lists_review_queue():
    from grader.report.item_analysis import analyse_class

    collector = StatsCollector()
    collector.add(load("alice"))
    collector.add(load("bob"))
    collector.add_failure("carol", "took longer than the per-sheet limit of 300 s")
    stats = collector.result()
    analysis = analyse_class([load("alice"), load("bob")])
    page = html.render_summary(
        stats, analysis=analysis, feedback_links={"bob": "feedback/bob.html"}
    )
    # a total chart, one per question (2) and the facility/discrimination scatter
    assert page.count('role="img"') == 4 and "data:image/png" not in page
    assert "Total score (2 sheets)" in page and "score (0 to " in page
    assert "Item analysis" in page and "Cronbach" in page
    assert '<a href="feedback/bob.html">bob</a>' in page
    assert "carol" in page and "per-sheet limit" in page
    assert "q2.c" in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_math_renders_in_headless_chromium(tmp_path, decode_png):
    page = tmp_path / "bob.html"
    page.write_text(html.render(load("bob")), encoding="utf-8")
    dom = rendered_dom(page)
    # Five math snippets in the report: two display lines, three inline.
    assert dom.count('class="katex"') + dom.count('class="katex-display"') >= 5
    assert 'class="katex-error"' not in dom
    assert "$$" not in re.sub(r"<style>.*?</style>|<script>.*?</script>", "", dom, flags=re.S)

    shot = tmp_path / "bob.png"
    screenshot(page, shot)
    width, height, channels, rows = decode_png(shot.read_bytes())
    assert (width, height) == (900, 1300)
    dark = sum(
        1
        for row in rows[::4]
        for i in range(0, len(row), channels * 4)
        if row[i] + row[i + 1] + row[i + 2] < 200
    )
    sampled = (height // 4) * (width // 4)
    assert dark > sampled * 0.002  # text was drawn: not a blank page
    assert dark < sampled * 0.5  # and not a black one


def _class_of(count: int) -> list[GradeReport]:
    """``count`` reports made from alice's and bob's, with scores spread out."""
    reports = []
    for index in range(count):
        report = load("alice" if index % 2 else "bob").model_copy(deep=True)
        report.submission.id = f"s{index:04d}"
        for part in report.parts:
            part.score = round(part.max_score * ((index * 7 + len(part.id)) % 11) / 10, 2)
        for question in report.questions:
            question.score = sum(p.score for p in report.parts if p.id in question.parts)
        report.score = sum(p.score for p in report.parts)
        reports.append(report)
    return reports


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_summary_of_a_large_class_draws_its_charts_in_chromium(tmp_path, decode_png):
    from grader.report.item_analysis import analyse_class

    reports = _class_of(500)
    collector = StatsCollector()
    for report in reports:
        collector.add(report)
    page = tmp_path / "summary.html"
    page.write_text(
        html.render_summary(collector.result(), analysis=analyse_class(reports)), encoding="utf-8"
    )
    dom = rendered_dom(page)
    # every chart is in the rendered page with its title and axis labels
    for title in (
        "Total score (500 sheets)",
        "q1 score (500 sheets)",
        "Parts: facility against discrimination (500 sheets)",
    ):
        assert title in dom
    assert dom.count("score (0 to ") >= 3 and "discrimination (r with the rest)" in dom
    shot = tmp_path / "summary.png"
    screenshot(page, shot)
    width, height, channels, rows = decode_png(shot.read_bytes())
    blue = sum(  # the histogram bars' colour (#4a7bb7) is on the screen
        1
        for row in rows[::3]
        for i in range(0, len(row), channels * 3)
        if abs(row[i] - 0x4A) < 24 and abs(row[i + 1] - 0x7B) < 24 and abs(row[i + 2] - 0xB7) < 24
    )
    assert blue > 50
