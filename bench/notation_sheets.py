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
from pathlib import Path

from hand_marks import grade_against_hand_marks, print_figures

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ROOT / "tests" / "files" / "notation-sheets"
PARTS = ("q1.b", "q1.c", "q2.c", "q2.d")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", action="store_true", help="print every disagreeing part")
    options = parser.parse_args()
    counts, lines = grade_against_hand_marks(SHEETS, parts=PARTS)
    print_figures(
        counts, lines, agreeing="parts graded as the hand marks", show_parts=options.parts
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
