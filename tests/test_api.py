"""The public API with fake engines: grading a sheet, batches, validation.

Fakes stand in for the engines (``grader.checks.fake``), so these tests pin
the pipeline: part finding -> adapters -> scoring -> report.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

from grader import api
from grader.checks.base import CheckOutcome, ItemOutcome, UnavailableAdapter
from grader.checks.fake import FakeAdapter
from grader.errors import RubricError, SubmissionError

RUBRIC = """
id: tiny
title: Tiny exam
total: 3
questions:
  - id: q1
    title: Derivatives
    parts:
      - id: a
        title: the derivative
        answer_kind: math
        points: 2
        checks:
          - kind: expression
            id: derivative
            points: 1
            answer: "2 x + 3"
            mistakes:
              - {id: lost-constant, answer: "2 x", marks: 0.5, feedback: "A term went missing."}
          - kind: concepts
            id: rule
            points: 1
            ideas: [{id: power, phrasings: ["power rule"], feedback: "Name the rule."}]
        reference: "By the power rule, $2x + 3$."
        examples:
          - id: lost-constant
            answer: "$2x$"
            score: 0.5
            feedback: ["went missing"]
      - id: b
        title: why
        answer_kind: text
        points: 1
        checks:
          - kind: concepts
            id: why
            points: 1
            ideas: [{id: slope, phrasings: ["slope"]}]
"""

SHEET = """\
## Q1

(a) By the power rule the derivative is $2x + 3$.

(b) It is the slope of the tangent.
"""


@pytest.fixture
def rubric_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rubric") / "tiny.yaml"
    path.write_text(textwrap.dedent(RUBRIC).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "student.md"
    path.write_text(SHEET, encoding="utf-8")
    return path


def fakes(expression: CheckOutcome | None = None, concepts: float = 1.0) -> dict:
    right = CheckOutcome(items=[ItemOutcome("answer", "correct", 3)])
    return {
        "expression": FakeAdapter("expression", {"derivative": expression or right}),
        "concepts": FakeAdapter(
            "concepts",
            {
                "rule": CheckOutcome(engine_score=concepts, engine_max=1.0),
                "why": CheckOutcome(engine_score=1.0, engine_max=1.0),
            },
        ),
    }


def test_grade_builds_the_report(rubric_path, sheet):
    adapters = fakes(concepts=0.0)
    report = api.grade(sheet, api.load_rubric(rubric_path), adapters=adapters)
    assert (report.score, report.max_score) == (2.0, 3.0)
    assert report.rubric.id == "tiny"
    assert report.rubric.sha256 == hashlib.sha256(rubric_path.read_bytes()).hexdigest()
    assert report.submission.id == "student"
    assert [p.id for p in report.parts] == ["q1.a", "q1.b"]
    part_a = report.parts[0]
    assert part_a.answer.found and part_a.answer.lines.start == 3
    assert [c.score for c in part_a.checks] == [1.0, 0.0]
    # the adapters saw each part's own answer, label taken off
    assert "power rule" in adapters["expression"].calls[0][1]
    assert "(a)" not in adapters["expression"].calls[0][1]
    assert report.questions[0].score == 2.0


def test_grade_accepts_a_rubric_path_and_is_deterministic(rubric_path, sheet):
    first = api.grade(sheet, rubric_path, adapters=fakes())
    second = api.grade(sheet, rubric_path, adapters=fakes())
    assert first.to_json_dict() == second.to_json_dict()


def test_known_mistake_gives_its_marks_and_feedback(rubric_path, sheet):
    mistake = CheckOutcome(items=[ItemOutcome("answer", "wrong", 3, mistake="lost-constant")])
    report = api.grade(sheet, rubric_path, adapters=fakes(expression=mistake))
    part = report.parts[0]
    assert part.score == 1.5
    assert part.feedback == ["line 3: A term went missing."]


def test_a_broken_engine_sends_the_part_to_review(rubric_path, sheet):
    class Broken:
        kind = "expression"

        def grade(self, check, answer, context):
            raise ZeroDivisionError("engine bug")

    adapters = {**fakes(), "expression": Broken()}
    report = api.grade(sheet, rubric_path, adapters=adapters)
    check = report.parts[0].checks[0]
    assert check.verdict == "not_graded" and check.needs_review
    assert "ZeroDivisionError: engine bug" in check.review_reasons[0]
    assert report.parts[1].score == 1.0  # the rest is still graded


def test_a_kind_without_engine_is_review_not_zero(rubric_path, sheet):
    adapters = {**fakes(), "concepts": UnavailableAdapter("concepts", "ImportError: not built")}
    report = api.grade(sheet, rubric_path, adapters=adapters)
    part_b = report.parts[1]
    assert part_b.needs_review
    assert part_b.review_reasons == ["no engine for check kind 'concepts': ImportError: not built"]
    assert part_b.checks[0].verdict == "not_graded"


def test_missing_part_is_flagged(rubric_path, tmp_path):
    sheet = tmp_path / "half.md"
    sheet.write_text("## Q1\n\n(a) By the power rule: $2x + 3$.\n", encoding="utf-8")
    report = api.grade(sheet, rubric_path, adapters=fakes())
    part_b = report.parts[1]
    assert not part_b.answer.found
    assert part_b.needs_review and part_b.score == 0
    assert part_b.feedback[0] == "No answer to this part was found on the sheet."


def test_check_is_the_student_view(rubric_path, sheet):
    outcome = CheckOutcome(
        items=[ItemOutcome("answer", "correct", 3)], details={"compared_with": "2 x + 3"}
    )
    graded = api.grade(sheet, rubric_path, adapters=fakes(expression=outcome))
    assert graded.parts[0].checks[0].details
    student = api.check(sheet, rubric_path, adapters=fakes(expression=outcome))
    assert all(not c.details for p in student.parts for c in p.checks)
    assert "2 x + 3" not in json.dumps(student.to_json_dict())


def test_grade_paths_goes_on_after_bad_input(rubric_path, sheet, tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    latin = tmp_path / "latin.md"
    latin.write_bytes("(a) d\xe9riv\xe9e: $2x+3$\n".encode("latin-1"))
    paths = [sheet, tmp_path / "missing.md", empty, latin]
    outcomes = list(api.grade_paths(paths, rubric_path, adapters=fakes(), strict=True))
    assert [o.ok for o in outcomes] == [True, False, False, False]
    assert outcomes[1].error == "no such file or folder"
    assert outcomes[2].error == "empty answer sheet (no text in it)"
    assert "not UTF-8" in outcomes[3].error
    lenient = list(api.grade_paths([empty, latin], rubric_path, adapters=fakes()))
    assert [o.ok for o in lenient] == [True, True]
    assert any("not UTF-8" in w for w in lenient[1].report.warnings)


def test_strict_grade_raises_for_an_empty_sheet(rubric_path, tmp_path):
    empty = tmp_path / "blank.md"
    empty.write_text("   \n\n", encoding="utf-8")
    with pytest.raises(SubmissionError, match="empty answer sheet"):
        api.grade(empty, rubric_path, adapters=fakes(), strict=True)


def test_folder_of_submissions(rubric_path, sheet, tmp_path):
    other = tmp_path / "other.md"
    other.write_text(SHEET.replace("slope", "gradient"), encoding="utf-8")
    outcomes = list(api.grade_paths([tmp_path], rubric_path, adapters=fakes()))
    assert sorted(Path(o.path).name for o in outcomes) == ["other.md", "student.md"]


def test_validate_runs_examples_like_unit_tests(rubric_path):
    right = CheckOutcome(items=[ItemOutcome("answer", "correct", 1)])
    adapters = fakes(expression=right)
    result = api.validate(rubric_path, adapters=adapters)
    # the reference scores 2 of 2; the example was meant to score 0.5 and does not
    statuses = {(e.part_id, e.example_id): e.status for e in result.examples}
    assert statuses == {("q1.a", "reference"): "passed", ("q1.a", "lost-constant"): "failed"}
    assert not result.ok
    (line,) = result.lines()
    assert line.startswith(
        f"{rubric_path}:25: q1.a example 'lost-constant': it scores 2, expected 0.5"
    )
    assert "feedback does not mention 'went missing'" in line


def test_validate_reports_load_errors_as_lines(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: r\nquestions:\n  - id: q1\n    parts:\n      - {id: a, points: x, checks: []}\n"
    )
    result = api.validate(path)
    assert not result.ok
    assert result.lines()[0].startswith(f"{path}:5: questions[q1].parts[a].points:")


def test_load_rubric_raises_rubric_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: [\n")
    with pytest.raises(RubricError) as caught:
        api.load_rubric(path)
    assert caught.value.exit_code == 2 and caught.value.path == str(path)


def test_public_face_exports():
    import grader

    for name in ("grade", "check", "load_rubric", "validate", "Rubric"):
        assert name in grader.__all__
        assert getattr(grader, name) is not None


def test_yaml_answer_file(rubric_path, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("q1:\n  a: By the power rule, $2x + 3$.\n1b: the slope\n", encoding="utf-8")
    adapters = fakes()
    report = api.grade(answers, rubric_path, adapters=adapters)
    assert [p.answer.found for p in report.parts] == [True, True]
    assert report.parts[0].answer.how_found == "answer_file"
    assert adapters["concepts"].calls[-1] == ("why", "the slope")
