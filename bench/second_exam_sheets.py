"""A second exam's blind sheets graded against their hand marks (issue 18).

tests/files/logreg-pca-exam/ holds a 30-mark exam on logistic regression,
softmax and cross-entropy, ridge regression and PCA (exam.md: paper and
marking scheme), eight sheets with code (sheets/sN/) and their hand marks
(marks.yaml), all written blind: the author saw no rubric and no code. Its
rubrics were written from the docs alone by another author who saw neither
the code nor the sheets: rubric-first/ (with the docs before issue 18's
features), and any later one passed with --rubric. Prints part agreement
(within 0.25 of the hand mark), over-marks, silent and flagged under-marks.

    python bench/second_exam_sheets.py                      # the first rubric
    python bench/second_exam_sheets.py --rubric PATH --parts
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hand_marks import grade_against_hand_marks, print_figures

ROOT = Path(__file__).resolve().parent.parent
EXAM = ROOT / "tests" / "files" / "logreg-pca-exam"
TOLERANCE = 0.25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", action="store_true", help="print every disagreeing part")
    parser.add_argument(
        "--rubric", type=Path, default=EXAM / "rubric-first" / "rubric.yaml", help="the rubric"
    )
    options = parser.parse_args()
    counts, lines = grade_against_hand_marks(EXAM, tolerance=TOLERANCE, rubric_path=options.rubric)
    print_figures(
        counts,
        lines,
        agreeing=f"parts within {TOLERANCE} of the hand marks",
        show_parts=options.parts,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
