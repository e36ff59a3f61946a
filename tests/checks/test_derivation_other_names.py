"""A missing derivation step may be on the sheet under another name (the
student's own E or \\ell_i for the rubric's J or L): a derivative the engine
read but could not place goes to review, never a silent charge."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import api

RUBRIC = Path(__file__).resolve().parents[2] / "rubrics" / "ml-exam.yaml"
REASON = "was read but is not a quantity of this question"

SHEETS = [
    (
        "the student's own name for J",
        "$$E = \\frac{1}{2}\\|y - X\\beta\\|^2$$\n"
        "$$\\frac{\\partial E}{\\partial \\beta} = X^T X \\beta - X^T y$$\n",
        "line 4: d(E)/d(beta)",
    ),
    (
        "the rubric's own name: no such flag",
        "$$\\frac{\\partial J}{\\partial \\beta} = X^T X \\beta - X^T y$$\n",
        None,
    ),
]


@pytest.fixture(scope="module")
def rubric():
    return api.load_rubric(RUBRIC)


@pytest.mark.parametrize(("body", "flagged"), [s[1:] for s in SHEETS], ids=[s[0] for s in SHEETS])
def test_a_derivative_of_another_name_goes_to_review(tmp_path, rubric, body, flagged):
    sheet = tmp_path / "sheet.md"
    sheet.write_text("Q1\n(b)\n" + body, encoding="utf-8")
    part = next(p for p in api.grade(sheet, rubric).parts if p.id == "q1.b")
    derivation = next(c for c in part.checks if c.kind == "derivation")
    reasons = [r for r in derivation.review_reasons if REASON in r]
    if flagged is None:
        assert not reasons
    else:
        assert part.score < part.max_score
        assert reasons and reasons[0].startswith(flagged)
        assert part.needs_review
