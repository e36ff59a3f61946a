"""The class summary (summary.html) of 500 sheets in headless Chromium.

    python bench/summary_render.py [--sheets 500]

Builds 500 reports (from the two fixture reports in tests/report/files/batch,
scores spread out), renders summary.html with its item analysis and inline
SVG charts, then times Chromium loading it (--dump-dom: parse, layout, and
the DOM written out), next to Chromium loading an empty page: the difference
is what the summary costs to show.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "report" / "files" / "batch"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def reports(count: int):
    from grader.report.models import GradeReport

    sources = [
        GradeReport.model_validate_json((FILES / f"{n}.json").read_text()) for n in ("alice", "bob")
    ]
    made = []
    for index in range(count):
        report = sources[index % 2].model_copy(deep=True)
        report.submission.id = f"s{index:04d}"
        for part in report.parts:
            part.score = round(part.max_score * ((index * 7 + len(part.id)) % 11) / 10, 2)
        for question in report.questions:
            question.score = sum(p.score for p in report.parts if p.id in question.parts)
        report.score = sum(p.score for p in report.parts)
        made.append(report)
    return made


def load_seconds(chromium: str, page: Path) -> float:
    start = time.perf_counter()
    subprocess.run([chromium, *FLAGS, "--dump-dom", page.as_uri()], capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=500)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed")
        return 1
    from grader.report import html
    from grader.report.item_analysis import analyse_class
    from grader.report.stats import StatsCollector

    class_reports = reports(args.sheets)
    start = time.perf_counter()
    collector = StatsCollector()
    for report in class_reports:
        collector.add(report)
    text = html.render_summary(collector.result(), analysis=analyse_class(class_reports))
    built = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as work:
        page, empty = Path(work) / "summary.html", Path(work) / "empty.html"
        page.write_text(text, encoding="utf-8")
        empty.write_text("<!doctype html><title>empty</title>", encoding="utf-8")
        load_seconds(chromium, empty)  # warm the disk cache
        base = min(load_seconds(chromium, empty) for _ in range(3))
        shown = min(load_seconds(chromium, page) for _ in range(3))
    print(f"summary of {args.sheets} sheets: {len(text) / 1024:.0f} KB, built in {built:.2f} s")
    print(
        f"headless Chromium: {shown:.2f} s to load and lay it out, {base:.2f} s for an empty page: "
        f"{shown - base:.2f} s for the summary"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
