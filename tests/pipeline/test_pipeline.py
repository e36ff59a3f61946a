"""The typed pipeline, stage by stage, on the bundled rubric and submissions:
read -> find answers -> start checks -> grade parts -> report, and the
session that keeps a rubric's contexts and memo across sheets."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from grader import api, pipeline
from grader.errors import SubmissionError
from grader.pipeline import (
    AnswerToGrade,
    GradingSession,
    find_answers,
    grade_sheet,
    grade_text,
    layout_from_rubric,
    read_sheet,
)
from grader.report import json as json_report
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "submissions"
OCR_SHEET = SUBMISSIONS / "seed-student-ocr.md"


@pytest.fixture(scope="module")
def ml_exam():
    return load_rubric(ROOT / "rubrics" / "ml-exam.yaml")


def test_the_stages_are_defined_in_the_order_they_run():
    """A newcomer reads pipeline.py top to bottom and meets the stages in order."""
    stages = [
        pipeline.grade_sheet,
        pipeline.read_sheet,
        pipeline.find_answers,
        pipeline.grade_parts,
        pipeline.start_checks,
        pipeline.grade_part,
        pipeline.run_checks,
        pipeline.report_sheet,
    ]
    lines = [inspect.getsourcelines(stage)[1] for stage in stages]
    assert lines == sorted(lines)


# 1. read


@pytest.mark.parametrize(
    ("name", "sheet", "code_files"),
    [
        ("seed-student-ocr.md", True, []),
        ("typed-perfect", True, ["backprop.py", "linreg.py", "lstm.py"]),
        ("blank.md", True, []),
    ],
    ids=["ocr sheet", "folder with code", "blank sheet"],
)
def test_read_sheet_reads_sheets_and_code(name, sheet, code_files):
    submission = read_sheet(SUBMISSIONS / name)
    assert (submission.sheet is not None) == sheet
    assert sorted(submission.code_files) == code_files


def test_read_sheet_strict_refuses_an_empty_sheet(tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_text("\n", encoding="utf-8")
    assert read_sheet(empty).sheet.is_blank
    with pytest.raises(SubmissionError, match="empty answer sheet"):
        read_sheet(empty, strict=True)


# 2. find answers


def test_layout_follows_the_rubric(ml_exam):
    layout = layout_from_rubric(ml_exam)
    assert [q.id for q in layout] == [q.id for q in ml_exam.questions]
    assert [p.id for q in layout for p in q.parts] == [
        f"{q.id}.{p.id}" for q, p in ml_exam.iter_parts()
    ]


def test_find_answers_gives_every_part_in_the_rubrics_order(ml_exam):
    found = find_answers(ml_exam, read_sheet(OCR_SHEET), OCR_SHEET)
    assert [a.part_id for a in found.answers] == [f"{q.id}.{p.id}" for q, p in ml_exam.iter_parts()]
    on_sheet = [a for a in found.answers if a.part.kind != "code"]
    assert all(a.answer.found for a in on_sheet)
    assert all(a.answer.first_line >= 1 and a.answer.text for a in on_sheet)


def test_a_part_missing_from_the_sheet_says_so(ml_exam):
    found = find_answers(ml_exam, read_sheet(SUBMISSIONS / "blank.md"), SUBMISSIONS / "blank.md")
    sheet_parts = [a for a in found.answers if a.part.kind != "code"]
    assert sheet_parts and not any(a.answer.found for a in sheet_parts)
    assert all(a.problems for a in sheet_parts)


# 3-5. grade and report


def test_grade_sheet_is_what_api_grade_gives(ml_exam):
    session = GradingSession(ml_exam)
    direct = json_report.render(grade_sheet(session, OCR_SHEET))
    assert direct == json_report.render(api.grade(OCR_SHEET, ml_exam))


def test_one_session_grades_many_sheets_as_fresh_sessions_do(ml_exam):
    shared = GradingSession(ml_exam)
    names = ["typed-mistakes", "seed-student-ocr.md"]
    reused = [grade_sheet(shared, SUBMISSIONS / name) for name in names]
    fresh = [grade_sheet(GradingSession(ml_exam), SUBMISSIONS / name) for name in names]
    for one, other in zip(reused, fresh, strict=True):
        assert _without_timings(one) == _without_timings(other)


def test_the_session_builds_each_context_once_and_keeps_the_memo(ml_exam):
    session = GradingSession(ml_exam)
    grade_sheet(session, SUBMISSIONS / "typed-perfect")
    contexts = dict(session.contexts)
    math_questions = {q.id for q in ml_exam.questions if any(p.kind == "math" for p in q.parts)}
    assert None in contexts and math_questions and math_questions <= set(contexts)
    assert session.memo, "adapters remember how the rubric's forms read"
    grade_sheet(session, SUBMISSIONS / "typed-mistakes")
    assert all(session.contexts[key] is context for key, context in contexts.items())


def test_a_question_with_its_own_context_gets_it_over_the_exams(ml_exam):
    session = GradingSession(ml_exam)
    own = [q for q in ml_exam.questions if q.context]
    plain = [q for q in ml_exam.questions if not q.context]
    assert own and plain
    assert session.math_context(plain[0]) is session.math_context(None)
    assert session.math_context(own[0]) is not session.math_context(None)
    assert session.math_context(own[0]) is session.math_context(own[0])


def test_the_rubric_carries_no_grading_state(ml_exam):
    GradingSession(ml_exam).math_context(None)
    assert set(ml_exam.__pydantic_private__) == {"_source_path", "_sha256", "_tree"}


def test_grade_text_gives_a_reference_full_marks(ml_exam):
    session = GradingSession(ml_exam)
    question, part = next((q, p) for q, p in ml_exam.iter_parts() if p.reference)
    report = grade_text(session, question, part, part.reference)
    assert report.score == part.points
    assert report.id == f"{question.id}.{part.id}"


def test_answer_to_grade_names_its_part(ml_exam):
    question, part = next(ml_exam.iter_parts())
    todo = AnswerToGrade(question, part, answer=pipeline.AnswerInput(f"{question.id}.{part.id}"))
    assert todo.part_id == f"{question.id}.{part.id}"


def test_api_keeps_one_session_per_rubric_object(ml_exam):
    session = api.session_for(ml_exam)
    assert api.session_for(ml_exam) is session
    assert api.session_for(session) is session
    other = load_rubric(ROOT / "rubrics" / "ml-exam.yaml")
    assert api.session_for(other) is not session
    assert api.session_for(other).rubric is other


def _without_timings(report):
    data = report.model_dump(mode="json")
    for part in data["parts"]:
        for check in part["checks"]:
            for test in check["details"].get("tests", []):
                for key in ("cpu_seconds", "sandbox_seconds"):
                    test.get("details", {}).pop(key, None)
    return data
