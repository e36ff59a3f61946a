"""JSON renderer: the grader.report/1 document."""

from __future__ import annotations

import json

import pytest

from grader.report import json as json_report
from grader.report.models import (
    AnswerView,
    CheckReport,
    GradeReport,
    LineSpan,
    PartReport,
    QuestionReport,
    RubricInfo,
    SubmissionInfo,
)


def sample_report() -> GradeReport:
    check = CheckReport(
        id="derivation",
        kind="derivation",
        verdict="partial",
        score=3.0,
        max_score=3.5,
        feedback=[
            "line 25: a slip in the gradient (the sign is wrong), put right on the next line (-0.5)."
        ],
    )
    part = PartReport(
        id="q1.b",
        question_id="q1",
        title="Gradient",
        score=3.0,
        max_score=3.5,
        needs_review=True,
        review_reasons=["line 13: OCR suspect ('f' read where 1/2 makes the line right)"],
        feedback=list(check.feedback),
        answer=AnswerView(
            found=True,
            text="$$J = ...$$",
            lines=LineSpan(start=11, end=31),
            how_found="label",
            read_as=["line 11: J = 1/2 ||y - X beta||^2"],
            repairs=["line 17: removed \\cancel strokes"],
        ),
        checks=[check],
    )
    return GradeReport(
        submission=SubmissionInfo(id="student", path="student.md"),
        rubric=RubricInfo(id="ml-exam", title="ML", sha256="ab" * 32),
        score=3.0,
        max_score=3.5,
        needs_review=True,
        questions=[
            QuestionReport(
                id="q1", title="Linear regression", score=3.0, max_score=3.5, parts=["q1.b"]
            )
        ],
        parts=[part],
        warnings=["line 110: text not assigned to any part"],
    )


def test_schema_and_contract_keys():
    data = json.loads(json_report.render(sample_report()))
    assert data["schema"] == "grader.report/1"
    assert set(data) >= {"schema", "submission", "rubric", "score", "max_score", "parts"}
    assert data["rubric"]["sha256"] == "ab" * 32
    part = data["parts"][0]
    assert set(part) >= {"id", "score", "max_score", "needs_review", "feedback", "checks"}
    assert set(part["checks"][0]) >= {"id", "kind", "verdict", "score", "max_score", "message"}


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "json-lines"])
def test_round_trip(indent):
    text = json_report.render(sample_report(), indent=indent)
    assert (indent is None) == ("\n" not in text)
    again = GradeReport.model_validate(json.loads(text))
    assert again == sample_report()


def test_unicode_is_kept():
    report = sample_report()
    report.parts[0].feedback = ["β is a column"]
    assert "β is a column" in json_report.render(report)
