"""Scoring fixes found grading a second exam (examples/stats-exam).

- no_working_marks is the mark for a bare final answer, also when the final
  milestone alone is worth more (a bare ``p = k/n`` got the estimator's 1.5
  instead of the scheme's 1);
- a part that is found but has nothing to mark ("I don't know." under a math
  part) says so, instead of a 0 with no feedback.
"""

from __future__ import annotations

import pytest

from grader.checks.base import CheckOutcome, ItemOutcome
from grader.report.models import AnswerView
from grader.rubric.models import DerivationCheck, Part
from grader.scoring import score_check, score_part


def derivation(final_points: float, no_working_marks: float | None) -> DerivationCheck:
    return DerivationCheck.model_validate(
        {
            "kind": "derivation",
            "id": "d",
            "points": 2 + final_points,
            "no_working_marks": no_working_marks,
            "milestones": [
                {"id": "first", "statement": "A", "points": 2},
                {"id": "final", "statement": "B", "points": final_points},
            ],
        }
    )


CASES = [
    # (name, final milestone points, no_working_marks, expected score)
    ("final-worth-more", 1.5, 1, 1.0),
    ("final-worth-less", 0.5, 1, 1.0),
    ("final-worth-same", 1, 1, 1.0),
    ("no-marks-for-no-working", 1.5, 0, 0.0),
    ("default-keeps-the-milestone", 1.5, None, 1.5),
]


@pytest.mark.parametrize(
    ("final_points", "no_working", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bare_final_answer_gets_no_working_marks(final_points, no_working, expected):
    check = derivation(final_points, no_working)
    outcome = CheckOutcome(
        items=[ItemOutcome("first", "missing"), ItemOutcome("final", "correct", line_no=3)]
    )
    result = score_check(check, outcome)
    assert result.score == pytest.approx(expected)


def test_working_shown_is_scored_by_milestones():
    check = derivation(1.5, 1)
    outcome = CheckOutcome(
        items=[
            ItemOutcome("first", "correct", line_no=1),
            ItemOutcome("final", "correct", line_no=3),
        ]
    )
    assert score_check(check, outcome).score == pytest.approx(3.5)


def expression_part() -> Part:
    return Part.model_validate(
        {
            "id": "b",
            "points": 2,
            "checks": [{"kind": "expression", "id": "e", "points": 2, "answer": "x"}],
        }
    )


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (True, "This answer has nothing that could be marked."),
        (False, "No answer to this part was found on the sheet."),
    ],
    ids=["found-but-no-math", "not-found"],
)
def test_an_answer_with_nothing_to_mark_says_so(found, expected):
    part = expression_part()
    check = score_check(part.checks[0], CheckOutcome(status="no_answer"))
    answer = AnswerView(found=found, text="I don't know." if found else "")
    report = score_part("q1.b", "q1", part, [check], answer=answer)
    assert report.score == 0
    assert report.feedback == [expected]


def test_a_graded_wrong_answer_keeps_its_own_feedback():
    part = expression_part()
    outcome = CheckOutcome(items=[ItemOutcome("answer", "not_found")])
    check = score_check(part.checks[0], outcome)
    report = score_part("q1.b", "q1", part, [check], answer=AnswerView(found=True, text="y"))
    assert "This answer has nothing that could be marked." not in report.feedback
    assert report.feedback
