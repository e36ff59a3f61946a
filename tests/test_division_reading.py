"""A known mistake that divides by a matrix, ``beta = (X^T y) / (X^T X)``, is
recognised however the student wrote the division: with parentheses, without
(``X^T y / X^T X``, which reads left to right as ``(X^T y / X^T) X``), or in
LaTeX, in an expression check and in a derivation's milestone."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import api

RUBRIC = Path(__file__).resolve().parents[1] / "rubrics" / "ml-exam.yaml"
LINES = [
    "b = (X^T y) / (X^T X)",
    "b = X^T y / X^T X",
    r"$\beta = X^T y / X^T X$",
]


@pytest.fixture(scope="module")
def rubric():
    return api.load_rubric(RUBRIC)


@pytest.mark.parametrize("line", LINES, ids=LINES)
def test_divide_by_matrix_mistake_is_recognised(tmp_path, rubric, line):
    sheet = tmp_path / "sheet.md"
    sheet.write_text(f"Q1\n(b)\nX^T X b = X^T y\n{line}\n", encoding="utf-8")
    part = next(p for p in api.grade(sheet, rubric).parts if p.id == "q1.b")
    feedback = " ".join(part.feedback)
    assert "divide by a matrix" in feedback, feedback
