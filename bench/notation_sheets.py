"""The notation sheets (tests/files/notation-sheets/) graded against their hand marks.

Twenty ML-exam sheets written blind (their author saw only the marking scheme
and issue 10's list of notations) answer Q1(b), Q1(c), Q2(c) and Q2(d) in
the notations students use. Prints, per part: parts graded as the hand marks
say, over-marks (a false credit), silent under-marks (marks lost with no
review flag) and flagged under-marks.

    python bench/notation_sheets.py            # the figures
    python bench/notation_sheets.py --parts    # and every part that disagrees
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ROOT / "tests" / "files" / "notation-sheets"
PARTS = ("q1.b", "q1.c", "q2.c", "q2.d")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", action="store_true", help="print every disagreeing part")
    options = parser.parse_args()
    from grader import api

    rubric = api.load_rubric(ROOT / "rubrics" / "ml-exam.yaml")
    marks = yaml.safe_load((SHEETS / "marks.yaml").read_text(encoding="utf-8"))
    counts: Counter = Counter()
    lines = []
    for sheet in sorted(marks):
        report = api.grade(SHEETS / f"{sheet}.md", rubric)
        by_id = {part.id: part for part in report.parts}
        for part_id in PARTS:
            expected = float(marks[sheet][part_id]["mark"])
            part = by_id[part_id]
            counts["parts"] += 1
            if abs(part.score - expected) <= 1e-3:
                counts["right"] += 1
                continue
            if part.score > expected:
                kind = "over-mark"
            elif part.needs_review:
                kind = "flagged under-mark"
            else:
                kind = "silent under-mark"
            counts[kind] += 1
            lines.append(
                f"{sheet} {part_id}: hand {expected:g}, graded {part.score:g} ({kind}); "
                f"hand: {marks[sheet][part_id]['why']}"
            )
    share = 100 * counts["right"] / counts["parts"]
    print(f"parts graded as the hand marks: {counts['right']}/{counts['parts']} ({share:.0f}%)")
    print(f"over-marks (false credit): {counts['over-mark']}")
    print(f"silent under-marks: {counts['silent under-mark']}")
    print(f"flagged under-marks (review): {counts['flagged under-mark']}")
    if options.parts:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
