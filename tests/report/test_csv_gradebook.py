"""The CSV gradebook: one row per student, a column per question and the total,
and it reads back to the same numbers (round trip)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.report import csv as gradebook
from grader.report.models import GradeReport, QuestionReport, RubricInfo, SubmissionInfo

FILES = Path(__file__).parent / "files" / "batch"


def load(name: str) -> GradeReport:
    return GradeReport.model_validate_json((FILES / f"{name}.json").read_text())


def test_header_and_rows():
    text = gradebook.render([load("alice"), load("bob")])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "Linear regression (q1)",
        "Backpropagation (q2)",
        "Total",
    ]
    assert rows[1] == ["alice", "", "alice", "", "", "5.5", "4", "9.5"]
    assert rows[2] == ["bob", "", "bob", "", "", "3.5", "2.6667", "6.1667"]
    assert len(rows) == 3


def test_points_possible_row_and_failed_sheet():
    text = gradebook.render([load("alice")], failed=["carol"], points_possible=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["Points Possible", "", "", "", "", "5.5", "4", "9.5"]
    # A sheet that could not be graded has empty cells, never a zero.
    assert rows[3] == ["carol", "", "carol", "", "", "", "", ""]
    read_back = {row.student: row for row in gradebook.read(text)}
    assert set(read_back) == {"alice", "carol"}
    assert read_back["carol"].total is None and read_back["carol"].scores == {
        "q1": None,
        "q2": None,
    }


@pytest.mark.parametrize("name", ["alice", "bob"], ids=["full-marks", "partial"])
def test_round_trip(name):
    report = load(name)
    (row,) = gradebook.read(gradebook.render(report))
    assert row.student == report.submission.id
    assert row.total == pytest.approx(report.score, abs=1e-4)
    assert row.scores == pytest.approx({q.id: q.score for q in report.questions}, abs=1e-4)


def test_commas_and_quotes_in_ids_and_titles_survive():
    report = load("alice").model_copy(deep=True)
    report.submission.id = 'Smith, "Jo"'
    report.questions[0].title = "Regression, linear"
    (row,) = gradebook.read(gradebook.render(report))
    assert row.student == 'Smith, "Jo"'
    assert set(row.scores) == {"q1", "q2"}


scores = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)


@given(
    st.lists(st.tuples(st.text(min_size=1, max_size=12), scores, scores), min_size=1, max_size=6)
)
def test_round_trip_property(students):
    reports = [
        GradeReport(
            submission=SubmissionInfo(id=sid, path=f"{i}.md"),
            rubric=RubricInfo(id="r", sha256="0" * 64),
            score=a + b,
            max_score=200,
            questions=[
                QuestionReport(id="q1", score=a, max_score=100),
                QuestionReport(id="q2", title="Two", score=b, max_score=100),
            ],
        )
        for i, (sid, a, b) in enumerate(students)
    ]
    rows = gradebook.read(gradebook.render(reports))
    assert [row.student for row in rows] == [sid for sid, _, _ in students]
    for row, (_, a, b) in zip(rows, students, strict=True):
        assert row.scores["q1"] == pytest.approx(a, abs=1e-4)
        assert row.scores["q2"] == pytest.approx(b, abs=1e-4)
        assert row.total == pytest.approx(a + b, abs=1e-4)


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx"])
def test_a_name_that_starts_like_a_formula_is_not_a_formula(name):
    report = load("alice").model_copy(deep=True)
    report.submission.id = name
    text = gradebook.render([report])
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[0] == "'" + name and row[2] == "'" + name
    assert gradebook.read(text)[0].student == name  # read back as written
