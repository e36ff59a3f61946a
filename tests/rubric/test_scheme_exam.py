"""End to end: examples/scheme-exam, an exam whose scheme uses alternatives
between kinds, accepted milestone forms, a part's own context, a tolerance
with \\approx, and shapes in sentences. Expected marks are exam.md's."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from grader import api

EXAM = Path(__file__).resolve().parents[2] / "examples" / "scheme-exam"
RUBRIC = EXAM / "rubric.yaml"
PARTS = ("q1.a", "q1.b", "q2.a", "q2.b", "q2.c", "q2.d", "q3.a")

EXPECTED = {
    # sheet: marks per part, in PARTS order (exam.md, "Expected marks")
    "perfect": (1, 1, 1, 1, 2, 1, 1),
    "variants": (1, 1, 1, 1, 2, 1, 1),
    "mistakes": (0, 0, 0, 0, 0, 0, 0),
}

# (sheet, part, the alternative that gave the mark, or None)
CHOSEN = [
    ("perfect", "q1.b", "formula"),
    ("variants", "q1.b", "in-words"),
    ("mistakes", "q1.b", None),
]

FEEDBACK = [
    (
        "mistakes",
        "q1.a",
        "line 5: the answer: the value is not right. Evaluate the logistic function at z = 1.",
    ),
    ("mistakes", "q2.d", "line 19: X^T X multiplies a d x n matrix by an n x d one."),
]


@cache
def report(sheet: str):
    return api.grade(EXAM / "sheets" / f"{sheet}.md", api.load_rubric(RUBRIC))


def part(sheet: str, part_id: str):
    return next(p for p in report(sheet).parts if p.id == part_id)


def test_the_rubric_validates():
    result = api.validate(RUBRIC)
    assert result.ok, result.lines()
    assert all(e.status == "passed" for e in result.examples)


@pytest.mark.parametrize("sheet", EXPECTED)
def test_marks_per_part(sheet):
    assert tuple(part(sheet, p).score for p in PARTS) == pytest.approx(EXPECTED[sheet])


@pytest.mark.parametrize(("sheet", "part_id", "chosen"), CHOSEN)
def test_the_report_names_the_alternative(sheet, part_id, chosen):
    assert part(sheet, part_id).checks[0].details["alternative"] == chosen


@pytest.mark.parametrize(("sheet", "part_id", "phrase"), FEEDBACK)
def test_feedback_points_at_the_line(sheet, part_id, phrase):
    assert phrase in part(sheet, part_id).feedback


def test_only_the_rounded_exact_answer_goes_to_review():
    flagged = {(sheet, p.id) for sheet in EXPECTED for p in report(sheet).parts if p.needs_review}
    assert flagged == {("mistakes", "q3.a")}
