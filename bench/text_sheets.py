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
from pathlib import Path

from hand_marks import grade_against_hand_marks, print_figures

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ROOT / "tests" / "files" / "text-sheets"
TOLERANCE = 0.25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", action="store_true", help="print every disagreeing part")
    parser.add_argument("--sheets", type=Path, default=SHEETS, help="folder of sheets + marks.yaml")
    options = parser.parse_args()
    counts, lines = grade_against_hand_marks(options.sheets, tolerance=TOLERANCE)
    print_figures(
        counts,
        lines,
        agreeing=f"parts within {TOLERANCE} of the hand marks",
        show_parts=options.parts,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
