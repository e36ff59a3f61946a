"""The free-text sheets (tests/files/text-sheets/) graded against their hand marks.

Fifteen ML-exam sheets whose free-text answers were written blind (their
author saw only the exam paper and its marking scheme) in varied English:
paraphrase, non-native, terse, rambling, lists, misconceptions stated
confidently. Prints part agreement (within 0.25 of the hand mark, the
issue's measure), over-marks (a false credit), silent under-marks (marks lost
with no review flag) and flagged under-marks.

    python bench/text_sheets.py            # the figures
    python bench/text_sheets.py --parts    # and every part that disagrees
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ROOT / "tests" / "files" / "text-sheets"
TOLERANCE = 0.25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", action="store_true", help="print every disagreeing part")
    parser.add_argument("--sheets", type=Path, default=SHEETS, help="folder of sheets + marks.yaml")
    options = parser.parse_args()
    from grader import api

    rubric = api.load_rubric(ROOT / "rubrics" / "ml-exam.yaml")
    marks = yaml.safe_load((options.sheets / "marks.yaml").read_text(encoding="utf-8"))
    counts: Counter = Counter()
    lines = []
    for sheet in sorted(marks):
        report = api.grade(options.sheets / f"{sheet}.md", rubric)
        by_id = {part.id: part for part in report.parts}
        for part_id, hand in marks[sheet].items():
            if not isinstance(hand, dict) or "mark" not in hand:
                continue
            expected = float(hand["mark"])
            part = by_id[part_id]
            counts["parts"] += 1
            if abs(part.score - expected) <= TOLERANCE + 1e-9:
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
                f"hand: {hand.get('why', '')}"
            )
    share = 100 * counts["right"] / counts["parts"]
    print(
        f"parts within {TOLERANCE} of the hand marks: {counts['right']}/{counts['parts']} "
        f"({share:.0f}%)"
    )
    print(f"over-marks (false credit): {counts['over-mark']}")
    print(f"silent under-marks: {counts['silent under-mark']}")
    print(f"flagged under-marks (review): {counts['flagged under-mark']}")
    if options.parts:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
