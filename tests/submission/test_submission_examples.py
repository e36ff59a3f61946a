"""The example sheets in submissions/: every non-code part found by its label."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.submission import find_answers, read_submission

EXAMPLES = Path(__file__).resolve().parents[2] / "submissions"
SHEET_PARTS = [
    "q1.a", "q1.b", "q1.c", "q1.d",
    "q2.a", "q2.b", "q2.c", "q2.d",
    "q3.a", "q3.b", "q3.c", "q3.d",
    "q4.a", "q4.b",
]  # fmt: skip
CODE_PARTS = ["q1.e", "q2.e", "q3.e"]

# example -> (part id, a phrase its answer holds)
PHRASES = {
    "typed-perfect": {"q1.b": r"\beta = (X^T X)^{-1} X^T y", "q3.c": "The forget gate decides"},
    "typed-mistakes": {"q1.b": r"\frac{X^T y}{X^T X}", "q2.c": "(y - a_2) a_1"},
    "typed-misconceptions": {"q2.a": "forward pass", "q3.b": "exploding gradients"},
}


@pytest.mark.parametrize("name", sorted(PHRASES), ids=sorted(PHRASES))
def test_typed_sheets_have_every_part_labelled(name, ml_layout):
    submission = read_submission(EXAMPLES / name)
    assert submission.warnings == []
    assert (
        sorted(submission.code_files) == ["backprop.py", "linreg.py", "lstm.py"]
        or name == "typed-misconceptions"
    )
    finding = find_answers(submission, ml_layout)
    for part_id in SHEET_PARTS:
        answer = finding.parts[part_id]
        assert answer.how_found == "label", part_id
        assert answer.problems == [], part_id
        assert answer.text.strip(), part_id
    for part_id in CODE_PARTS:
        assert not finding.parts[part_id].found
    for part_id, phrase in PHRASES[name].items():
        assert phrase in finding.parts[part_id].text
    assert all(u.reason == "before the first question label" for u in finding.unassigned)


def test_blank_sheet_has_every_part_missing(ml_layout):
    submission = read_submission(EXAMPLES / "blank.md")
    finding = find_answers(submission, ml_layout)
    assert finding.missing == [p for q in ml_layout for p in (x.id for x in q.parts)]
    assert [f.start_line for f in finding.questions.values()] == [3, 5, 7, 9]
    assert all(finding.parts[p].problems for p in SHEET_PARTS)
