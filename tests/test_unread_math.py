"""A found answer with math in it that no math check can read goes to review,
never a silent 0 ("no answer" with no flag); a sentence with no math in it
("I don't know.") is not flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import api
from grader.checks.mathlines import NO_MATH_READ, has_math_signs

RUBRIC = Path(__file__).resolve().parents[1] / "rubrics" / "ml-exam.yaml"

# sheet text -> (part, the math checks that must flag it)
UNREAD = [
    (
        "Q2\n(d) each weight is updated to w - lr * dL/dw at every step.\n",
        "q2.d",
        ["update-w1", "update-b1", "update-w2", "update-b2"],
    ),
    (
        "Q1\n(b) grad is X transpose times (X b - y), so b is X^T X inverse times X^T y\n",
        "q1.b",
        ["derivation"],
    ),
    ("Q2\n(d) every weight moves against its gradient ← scaled by η\n", "q2.d", ["update-w1"]),
]


@pytest.fixture(scope="module")
def rubric():
    return api.load_rubric(RUBRIC)


def _part(report, part_id):
    return next(p for p in report.parts if p.id == part_id)


@pytest.mark.parametrize(("sheet", "part_id", "checks"), UNREAD, ids=[u[0] for u in UNREAD])
def test_unread_math_goes_to_review(tmp_path, rubric, sheet, part_id, checks):
    path = tmp_path / "sheet.md"
    path.write_text(sheet, encoding="utf-8")
    part = _part(api.grade(path, rubric), part_id)
    assert part.answer.found
    assert part.needs_review
    assert NO_MATH_READ in part.review_reasons
    by_id = {c.id: c for c in part.checks}
    for check_id in checks:
        assert by_id[check_id].needs_review, check_id
        assert by_id[check_id].message == NO_MATH_READ
        assert by_id[check_id].score == 0


def test_a_sentence_without_math_is_not_flagged(tmp_path, rubric):
    path = tmp_path / "sheet.md"
    path.write_text("Q2\n(d) I don't know.\n", encoding="utf-8")
    part = _part(api.grade(path, rubric), "q2.d")
    assert NO_MATH_READ not in part.review_reasons
    updates = [c for c in part.checks if c.kind == "expression"]
    assert updates and all(c.verdict == "not_graded" and not c.needs_review for c in updates)


SIGNS = [
    ("w - lr * g", True),
    ("b = X^T y", True),
    ("w₁ ← w₁", True),
    ("∂L/∂w", True),
    ("I don't know.", False),
    ("Subject-verb agreement.", False),
    ("Too big: diverges.", False),
]


@pytest.mark.parametrize(("text", "expected"), SIGNS, ids=[t for t, _ in SIGNS])
def test_math_signs(text, expected):
    assert has_math_signs(text) is expected


# math written around inline formulas: the formulas alone are names, the
# statement is in the prose; when no line gives the answer, a person should look
AROUND_INLINE = [
    ("new $w_1$ = old $w_1$ − lr × ∂L/∂w_1, new $b_1$ = old $b_1$ − lr × ∂L/∂b_1", True),
    ("the new $w_1$ is the old $w_1$ minus a step", False),
]


@pytest.mark.parametrize(("line", "flagged"), AROUND_INLINE, ids=["prose math", "prose words"])
def test_math_around_inline_formulas_goes_to_review(tmp_path, rubric, line, flagged):
    path = tmp_path / "sheet.md"
    path.write_text(f"Q2\n(d) {line}\n", encoding="utf-8")
    part = _part(api.grade(path, rubric), "q2.d")
    update = next(c for c in part.checks if c.id == "update-w1")
    assert update.score == 0
    reason = "line 2: math written outside $...$ could not be read"
    assert (reason in update.review_reasons) is flagged
    assert update.needs_review is flagged


# A line's result is its last value: a right value earlier on the line, then a
# different one, is not credited; a right middle value goes to review (a wrong
# last step, or a last value misread), the restated question does not.
LAST_VALUE = [
    ("the right result", r"$$\frac{d}{dx}(x^3-2x) = 3x^2 - 2$$", 2, False),
    ("the question restated, then wrong", r"$$\frac{d}{dx}(x^3-2x) = 3x^3 - 2$$", 0, False),
    ("right, then a different value", r"$$f'(x) = 3x^2 - 2 = 3x^3 - 2$$", 0, True),
]
LAST_VALUE_RUBRIC = """\
id: last-value
title: last value
context:
  symbols: {x: scalar}
questions:
  - id: q1
    points: 2
    parts:
      - id: a
        answer_kind: math
        points: 2
        checks:
          - {kind: expression, id: d, points: 2, answer: "3x^2 - 2"}
"""


@pytest.mark.parametrize(
    ("line", "score", "flagged"), [r[1:] for r in LAST_VALUE], ids=[r[0] for r in LAST_VALUE]
)
def test_a_line_is_judged_by_its_last_value(tmp_path, line, score, flagged):
    (tmp_path / "rubric.yaml").write_text(LAST_VALUE_RUBRIC, encoding="utf-8")
    (tmp_path / "sheet.md").write_text(f"Q1\n(a) {line}\n", encoding="utf-8")
    rubric = api.load_rubric(tmp_path / "rubric.yaml")
    part = _part(api.grade(tmp_path / "sheet.md", rubric), "q1.a")
    assert part.score == score
    assert part.needs_review is flagged


def test_a_value_set_to_zero_is_still_the_lines_value(tmp_path):
    (tmp_path / "rubric.yaml").write_text(LAST_VALUE_RUBRIC, encoding="utf-8")
    (tmp_path / "sheet.md").write_text("Q1\n(a) $$f'(x) = 3x^2 - 2 = 0$$\n", encoding="utf-8")
    part = _part(
        api.grade(tmp_path / "sheet.md", api.load_rubric(tmp_path / "rubric.yaml")), "q1.a"
    )
    assert part.score == 2
