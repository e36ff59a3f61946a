"""GitHub Classroom's autograding result (grader.report.classroom) against
the schema its reporter reads (the model is in tests/test_batch_action.py,
with the sources)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from grader.report import classroom
from grader.report.models import GradeReport

FILES = Path(__file__).parent / "files" / "batch"


def _schema():
    path = Path(__file__).resolve().parents[1] / "test_batch_action.py"
    spec = importlib.util.spec_from_file_location("classroom_schema", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("classroom_schema", module)
    spec.loader.exec_module(module)
    return module


def load(name: str) -> GradeReport:
    return GradeReport.model_validate_json((FILES / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("name", "status", "failing"),
    [("alice", "pass", []), ("bob", "fail", ["q1.a", "q1.b", "q2.c"])],
    ids=["full-marks", "partial"],
)
def test_one_test_per_part_with_its_points(name, status, failing):
    report = load(name)
    encoded = classroom.encode(classroom.to_dict(report, sheet="sheet.md"))
    result = _schema().classroom_result(encoded)
    assert result.status == status
    assert result.max_score == pytest.approx(report.max_score)
    assert [t.score for t in result.tests] == [p.score for p in report.parts]
    assert sum(t.score for t in result.tests) == pytest.approx(report.score)
    assert [t.name.split(":")[0] for t in result.tests if t.status != "pass"] == failing
    assert all(t.filename == "sheet.md" for t in result.tests)


def test_a_submission_that_cannot_be_graded_is_an_error_with_why():
    result = _schema().classroom_result(
        classroom.encode(classroom.error_dict("empty answer sheet"))
    )
    assert result.status == "error" and "empty answer sheet" in result.tests[0].message
