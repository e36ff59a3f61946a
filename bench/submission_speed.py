"""Speed of reading a sheet and finding its parts (target: well under 10 ms a sheet).

    python bench/submission_speed.py [SHEET ...]

Defaults to the example sheets in submissions/, with the ML exam's layout
built from rubrics/ml-exam.yaml the way grading builds it. Prints the median
and best time per sheet over repeated runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from grader.api import load_rubric
from grader.checks.runner import layout_from_rubric
from grader.submission import discover_submissions, find_answers, read_submission

ROOT = Path(__file__).resolve().parents[1]


def main(paths: list[str]) -> None:
    layout = layout_from_rubric(load_rubric(ROOT / "rubrics" / "ml-exam.yaml"))
    targets = [Path(p) for p in paths] or discover_submissions(ROOT / "submissions")
    print(f"{'submission':32} {'lines':>6} {'median ms':>10} {'best ms':>8}")
    for path in targets:
        submission = read_submission(path)
        lines = len(submission.sheet.lines) if submission.sheet else 0
        times = []
        for _ in range(200):
            start = time.perf_counter()
            find_answers(read_submission(path), layout)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{path.name:32} {lines:6d} {statistics.median(times):10.2f} {min(times):8.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
