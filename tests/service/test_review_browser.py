"""The review page in real headless Chromium: open a graded class, decide a
group with the keyboard, regrade the class, see the decision kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.service.conftest import serve_in_thread

playwright_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
TOKEN = "review-token"
_STATUS_IS = "document.getElementById('status').textContent.startsWith('{}:')"


def _grade(out: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(ROOT / "submissions"),
            "--rubric",
            str(RUBRIC),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def review_server(tmp_path):
    from grader.service.app import ServiceSettings, create_app

    out = tmp_path / "out"
    _grade(out)
    settings = ServiceSettings(
        rubrics={"ml-exam": RUBRIC},
        instructor_token=TOKEN,
        workers=1,
        rate_per_minute=0,
        results={"ml-exam": out},
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url, out


def test_decide_a_group_with_the_keyboard_and_keep_it_across_a_regrade(review_server):
    from grader import review

    url, out = review_server
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(url + "/review?exam=ml-exam")
        page.fill("#token", TOKEN)
        page.fill("#author", "ada")
        page.click("#open")
        page.locator("#parts button").first.wait_for(timeout=30_000)
        page.locator('#parts button[data-part="q2.c"]').click()
        page.wait_for_function(_STATUS_IS.format("q2.c"), timeout=30_000)
        page.locator("body").click(position={"x": 5, "y": 5})
        group_key = page.locator(".group.selected").get_attribute("data-group")
        page.keyboard.press("m")
        page.keyboard.type("1.5")
        page.keyboard.press("Enter")
        try:
            page.wait_for_function(
                "document.getElementById('status').textContent.startsWith('Saved')",
                timeout=30_000,
            )
        except playwright_api.TimeoutError:
            focused = page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
            pytest.fail(
                f"not saved: status {page.locator('#status').inner_text()!r}, focus {focused}"
            )
        decided = page.locator(f'.group[data-group="{group_key}"] .decided')
        decided.wait_for(timeout=10_000)
        assert "mark 1.5 by ada" in decided.inner_text()

        _grade(out)  # regrade the class: same answers, so the decision stands
        page.reload()
        page.fill("#token", TOKEN)
        page.click("#open")
        page.locator("#parts button").first.wait_for(timeout=30_000)
        page.locator('#parts button[data-part="q2.c"]').click()
        page.wait_for_function(_STATUS_IS.format("q2.c"), timeout=30_000)
        kept = page.locator(f'.group[data-group="{group_key}"] .decided')
        kept.wait_for(timeout=30_000)
        assert "mark 1.5 by ada" in kept.inner_text()
        browser.close()
    reports = review.read_reports(out)
    with review.open_store(out / "decisions.sqlite") as store:
        current = store.current(reports[0].rubric.id)
    decided_reports = [review.apply_decisions(r, current) for r in reports]
    marks = [p.score for r in decided_reports for p in r.parts if p.id == "q2.c" and p.decision]
    assert marks and set(marks) == {1.5}


def test_a_student_asks_for_a_regrade_and_reads_the_answer(review_server):
    import httpx

    url, _ = review_server
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.goto(url + "/")
        page.locator('textarea[data-part="q2.c"]').wait_for(timeout=30_000)
        page.click("#regrade summary")
        page.fill("#regrade-student", "typed-mistakes")
        page.select_option("#regrade-part", "q2.c")
        page.fill("#regrade-message", "My dL/dw2 follows from my (b): please apply ECF")
        page.click("#regrade-send")
        page.wait_for_function(
            "document.getElementById('regrade-status').textContent.startsWith('Sent')",
            timeout=30_000,
        )
        waiting = page.locator("#regrade-list li").first
        waiting.wait_for(timeout=10_000)
        assert "waiting for an answer" in waiting.inner_text()

        headers = {"Authorization": f"Bearer {TOKEN}"}
        (request,) = httpx.get(f"{url}/api/review/ml-exam/regrade-requests", headers=headers).json()
        assert request["message"].startswith("My dL/dw2")
        answered = httpx.post(
            f"{url}/api/review/ml-exam/regrade-requests/{request['id']}",
            headers=headers,
            json={"answer": "Agreed: 3.5 / 4", "author": "ada", "mark": 3.5},
        )
        assert answered.status_code == 200

        page.reload()
        page.locator('textarea[data-part="q2.c"]').wait_for(timeout=30_000)
        page.click("#regrade summary")
        answer = page.locator("#regrade-list li").first
        answer.wait_for(timeout=10_000)
        assert "answered: Agreed: 3.5 / 4" in answer.inner_text()
        browser.close()
