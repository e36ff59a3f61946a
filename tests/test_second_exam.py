"""End to end: a second exam (examples/stats-exam), not the one the grader was
built on: maximum likelihood, ridge regression, a derivative, bias and
variance. Expected marks are the marking scheme's, worked out by hand in
examples/stats-exam/exam.md before grading.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from grader import api

EXAM = Path(__file__).resolve().parents[1] / "examples" / "stats-exam"
RUBRIC = EXAM / "rubric.yaml"
PARTS = ("q1.a", "q2.a", "q2.b", "q2.c", "q3.a", "q3.b")

EXPECTED = {
    # sheet: marks per part, in PARTS order (exam.md, "Expected marks")
    "perfect": (5, 1, 2, 2, 3, 2),
    "mistakes": (3.5, 0.5, 0, 1, 2, 1),
    "blankish": (1, 0, 0, 0, 0, 1),
    "ocr-noisy": (5, 1, 2, 2, 3, 2),
}

FEEDBACK = [
    # (sheet, part, phrase the part's feedback must contain)
    ("mistakes", "q1.a", "line 9: Check the sign of the second term"),
    ("mistakes", "q1.a", "line 17: the estimator follows correctly from an earlier error"),
    ("mistakes", "q2.a", "I is added to X^T X"),
    ("mistakes", "q2.b", "X X^T is n x n"),
    ("mistakes", "q2.c", "the derivative of -x^2 is -2x"),
    ("mistakes", "q3.a", "A penalty restricts the model"),
    ("mistakes", "q3.b", "A high training error is underfitting"),
    ("blankish", "q1.a", "the working is not shown"),
    ("blankish", "q2.a", "The shape of w is not stated"),
    ("blankish", "q2.b", "This answer has nothing that could be marked"),
    ("blankish", "q3.a", "Say what bias is"),
    ("blankish", "q3.b", "Say how overfitting shows"),
]


@cache
def graded(name: str):
    return api.grade(EXAM / "sheets" / f"{name}.md", api.load_rubric(RUBRIC))


def part(report, part_id):
    return next(p for p in report.parts if p.id == part_id)


def test_the_rubric_validates_and_its_examples_pass():
    result = api.validate(RUBRIC)
    assert result.problems == []
    assert result.examples and all(e.status == "passed" for e in result.examples), [
        (e.part_id, e.example_id, e.message) for e in result.examples if e.status != "passed"
    ]
    assert result.ok


@pytest.mark.parametrize("sheet", list(EXPECTED), ids=list(EXPECTED))
def test_each_part_gets_the_marking_schemes_marks(sheet):
    report = graded(sheet)
    got = tuple(part(report, p).score for p in PARTS)
    assert got == pytest.approx(EXPECTED[sheet]), dict(zip(PARTS, got, strict=True))
    assert report.score == pytest.approx(sum(EXPECTED[sheet]))
    assert report.max_score == 15


@pytest.mark.parametrize(
    ("sheet", "part_id", "phrase"),
    FEEDBACK,
    ids=[f"{s}-{p}-{i}" for i, (s, p, _) in enumerate(FEEDBACK)],
)
def test_feedback_says_what_is_wrong(sheet, part_id, phrase):
    feedback = " ".join(part(graded(sheet), part_id).feedback)
    assert phrase in feedback


@pytest.mark.parametrize("sheet", ["perfect", "ocr-noisy"], ids=["perfect", "ocr-noisy"])
def test_right_answers_are_not_sent_to_review(sheet):
    report = graded(sheet)
    assert [p.id for p in report.parts if p.needs_review] == []


def test_ocr_repairs_are_reported():
    # the repairs of the sheet's Unicode are shown, with their lines, not hidden
    repairs = part(graded("ocr-noisy"), "q2.b").answer.repairs
    assert "line 25: read 'ŵ' as '\\hat{w}'" in repairs
    assert "line 25: read '⁻¹' as '^{-1}'" in repairs
    q1_repairs = part(graded("ocr-noisy"), "q1.a").answer.repairs
    assert "line 19: read 'p̂' as '\\hat{p}'" in q1_repairs


def test_a_part_with_no_answer_is_flagged_not_silently_zero():
    report = graded("blankish")
    missing = part(report, "q2.c")
    assert missing.score == 0
    assert missing.needs_review


@pytest.mark.parametrize(
    ("answer", "marks"),
    [
        # issue 10: \ln L(p) and \hat p_{MLE} (once 0 of 5 with no review flag)
        (
            "$$\\ln L(p) = k \\ln p + (n-k)\\ln(1-p)$$\n\n"
            "$$\\frac{d \\ln L(p)}{dp} = \\frac{k}{p} - \\frac{n-k}{1-p} = 0$$\n\n"
            "$$\\hat p_{MLE} = \\frac{k}{n}$$\n",
            5,
        ),
        # the same with the derivative's sign slip: 0.5 of its 2 (the scheme's rule)
        (
            "$$\\ln L(p) = k \\ln p + (n-k)\\ln(1-p)$$\n\n"
            "$$\\frac{d \\ln L(p)}{dp} = \\frac{k}{p} + \\frac{n-k}{1-p} = 0$$\n\n"
            "$$\\hat p_{MLE} = \\frac{k}{n}$$\n",
            3.5,
        ),
    ],
    ids=["ln-and-hat-p", "sign-slip"],
)
def test_a_derivation_in_ln_and_hat_p_notation(tmp_path, answer, marks):
    sheet = tmp_path / "sheet.md"
    sheet.write_text("# Answers\n\n## Q1\n\n(a)\n\n" + answer, encoding="utf-8")
    part = next(p for p in api.grade(sheet, api.load_rubric(RUBRIC)).parts if p.id == "q1.a")
    assert part.score == pytest.approx(marks)
