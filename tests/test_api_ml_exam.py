"""End to end: the ML exam's rubric on the example sheets, with the real engines.

Expected marks are the marking scheme's (rubrics/ml-exam.md), worked out by
hand per sheet in submissions/README.md.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from grader import api

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
SUBMISSIONS = ROOT / "submissions"
SHEET_PARTS = ("a", "b", "c", "d")  # the code parts are (e)


@cache
def graded(name: str):
    return api.grade(SUBMISSIONS / name, api.load_rubric(RUBRIC))


def part(report, part_id):
    return next(p for p in report.parts if p.id == part_id)


def sheet_marks(report, question_id: str) -> float:
    return sum(
        p.score for p in report.parts if p.question_id == question_id and p.id[-1] in SHEET_PARTS
    )


def test_the_rubric_validates_and_its_examples_pass():
    result = api.validate(RUBRIC)
    assert result.problems == []
    failed = [e for e in result.examples if e.status != "passed"]
    assert failed == []
    assert len(result.examples) >= 20


# --- the sample OCR sheet: the marking scheme's 23.3 of 30 ---------------------


@pytest.mark.parametrize(
    ("part_id", "score"),
    [("q1.b", 3.0), ("q1.c", 0.5), ("q2.c", 3.3333), ("q1.e", 0), ("q2.e", 0), ("q3.e", 0)],
    ids=lambda v: str(v),
)
def test_sample_sheet_part_marks(part_id, score):
    assert part(graded("seed-student-ocr.md"), part_id).score == pytest.approx(score, abs=1e-3)


def test_sample_sheet_total_and_updates():
    report = graded("seed-student-ocr.md")
    assert report.score == pytest.approx(23.33, abs=0.01)
    assert report.max_score == 30
    updates = [c for c in part(report, "q2.d").checks if c.kind == "expression"]
    assert len(updates) == 4 and sum(c.score for c in updates) == pytest.approx(1.0)


def test_sample_sheet_feedback_on_the_two_math_mistakes():
    report = graded("seed-student-ocr.md")
    q1b = " ".join(part(report, "q1.b").feedback)
    assert "line 25: a slip in the gradient" in q1b
    q2c = " ".join(part(report, "q2.c").feedback)
    assert "dL/dz1" in q2c and "sigmoid" in q2c


def test_sample_sheet_ocr_lines_go_to_review_not_deductions():
    q1b = part(graded("seed-student-ocr.md"), "q1.b")
    assert q1b.needs_review
    reasons = " ".join(q1b.review_reasons)
    assert "line 13" in reasons and "OCR" in reasons  # the "f" OCR made of 1/2
    assert "line 19" in reasons  # the garbled side note


def test_sample_sheet_code_parts_are_not_submitted():
    report = graded("seed-student-ocr.md")
    for part_id, file in (("q1.e", "linreg.py"), ("q2.e", "backprop.py"), ("q3.e", "lstm.py")):
        code = part(report, part_id)
        assert code.score == 0 and not code.needs_review
        assert code.feedback == [f"{file} was not submitted"]


# --- the typed sheets: sheet marks per question (submissions/README.md) ---------

TYPED = [
    ("typed-perfect", {"q1": 8, "q2": 8, "q3": 5, "q4": 4}),
    ("typed-mistakes", {"q1": 6, "q2": 6.6667, "q3": 5, "q4": 4}),
    ("typed-misconceptions", {"q1": 8, "q2": 7.5, "q3": 3, "q4": 4}),
    ("blank.md", {"q1": 0, "q2": 0, "q3": 0, "q4": 0}),
    ("seed-student-ocr.md", {"q1": 7.5, "q2": 7.3333, "q3": 4.5, "q4": 4}),
]


@pytest.mark.parametrize(("name", "marks"), TYPED, ids=[t[0] for t in TYPED])
def test_sheet_marks_per_question(name, marks):
    report = graded(name)
    got = {q: round(sheet_marks(report, q), 4) for q in marks}
    assert got == pytest.approx(marks, abs=1e-3)


MISTAKES = [
    ("q1.b", 1.75, ["matrix shapes in the gradient", "divide by a matrix"]),
    ("q1.c", 0.25, ["row vector"]),
    (
        "q2.c",
        2.6667,
        ["dL/dw2 has the wrong sign", "sigmoid", "follows correctly from an earlier error"],
    ),
]


@pytest.mark.parametrize(("part_id", "score", "phrases"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_typed_mistakes_get_their_marks_and_feedback(part_id, score, phrases):
    graded_part = part(graded("typed-mistakes"), part_id)
    assert graded_part.score == pytest.approx(score, abs=1e-3)
    feedback = " ".join(graded_part.feedback)
    for phrase in phrases:
        assert phrase in feedback


@pytest.mark.parametrize("part_id", ["q1.b", "q1.c", "q2.c", "q2.d"], ids=str)
def test_perfect_sheet_gets_full_marks_on_math_parts(part_id):
    graded_part = part(graded("typed-perfect"), part_id)
    assert graded_part.score == graded_part.max_score, graded_part.feedback


def test_blank_sheet_scores_zero_and_flags_every_sheet_part():
    report = graded("blank.md")
    assert report.score == 0
    sheet_parts = [p for p in report.parts if p.id[-1] in SHEET_PARTS]
    assert all(p.needs_review and not p.answer.found for p in sheet_parts)


def test_student_view_never_shows_references():
    """No reference form or model answer of the rubric reaches `grader check`."""
    from grader.report import json as json_report
    from grader.report import markdown, terminal

    rubric = api.load_rubric(RUBRIC)
    references = set()
    for _, rubric_part in rubric.iter_parts():
        if rubric_part.reference:
            references.add(rubric_part.reference.strip())
        for check in rubric_part.checks:
            if check.kind == "expression":
                references.update([check.answer, *check.accept])
            if check.kind == "derivation":
                # a value milestone's statement is just the quantity's name (dL/dz1)
                references.update(m.statement for m in check.milestones if "=" in m.statement)
            if check.kind == "concepts" and check.reference:
                references.add(check.reference.strip())
    for name in ("seed-student-ocr.md", "typed-mistakes", "typed-perfect", "blank.md"):
        sheet = SUBMISSIONS / name
        sheet_text = (sheet / "sheet.md" if sheet.is_dir() else sheet).read_text(encoding="utf-8")
        report = api.check(sheet, rubric)
        outputs = [
            terminal.render(report, student=True),
            markdown.render(report),
            json_report.render(report),
        ]
        # a reference the student wrote down themselves may be shown: on the
        # sheet, or as the student's own line was read
        own = sheet_text + "\n".join(line for p in report.parts for line in p.answer.read_as)
        hidden = [r for r in references if len(r) > 4 and r not in own]
        for output in outputs:
            leaked = [r for r in hidden if r in output]
            assert leaked == [], (name, leaked)
        assert all(not c.details for p in report.parts for c in p.checks)


def test_report_json_round_trips():
    report = graded("seed-student-ocr.md")
    data = json.loads(json.dumps(report.to_json_dict()))
    assert data["schema"] == "grader.report/1"
    assert data["rubric"] == {
        "id": "ml-exam",
        "title": report.rubric.title,
        "sha256": api.load_rubric(RUBRIC).sha256,
    }
