"""Speed of reading a sheet and finding its parts (target: well under 10 ms a sheet).

    python bench/submission_speed.py [SHEET ...]

Defaults to the example sheets in submissions/, with the ML exam's layout
built from rubrics/ml-exam.yaml the way grading builds it. Prints the median
and best time per sheet over repeated runs, then the CPU time for a
pathological sheet just under the 5 MB limit (90,000 lines, a label on every
third line, a question label every few lines): part finding stays linear.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

from grader.api import load_rubric
from grader.pipeline import layout_from_rubric
from grader.submission import Sheet, discover_submissions, find_answers, find_parts, read_submission

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
    if not paths:
        sheet = Sheet(lines=_pathological_lines())
        start = time.process_time()
        find_parts(sheet, layout)
        seconds = time.process_time() - start
        size = sum(len(line) + 1 for line in sheet.lines) / 1e6
        print(f"pathological sheet: {len(sheet.lines)} lines, {size:.1f} MB: {seconds:.2f} s CPU")


def _pathological_lines() -> list[str]:
    rng = random.Random(1)
    lines: list[str] = []
    size = 0
    while size < 4_900_000:
        roll = rng.random()
        if roll < 0.1:
            line = f"{rng.randint(1, 4)}. item"
        elif roll < 0.2:
            line = f"({rng.choice('abcde')}) part"
        elif roll < 0.3:
            line = ""
        elif roll < 0.35:
            line = f"Q{rng.randint(1, 4)}"
        else:
            line = "some prose with the gradient and words " * 2
        lines.append(line)
        size += len(line) + 1
    return lines


if __name__ == "__main__":
    main(sys.argv[1:])
