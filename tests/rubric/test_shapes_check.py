"""`shapes` checks end to end: typed answers in words through ``grader.api.check``.

The ML exam's Q1(c) (y n x 1, X n x (d+1), beta (d+1) x 1; 0.5 for all three,
0.25 for two; beta as a row is a known mistake) and a small rubric of its own
(a matrix W m x p and a vector b), so that nothing here depends on one exam.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from grader import api

ROOT = Path(__file__).resolve().parents[2]
ML_EXAM = ROOT / "rubrics" / "ml-exam.yaml"


@cache
def ml_exam():
    return api.load_rubric(ML_EXAM)


def check_answer(tmp_path: Path, part_id: str, text: str, rubric) -> object:
    folder = tmp_path / "sheet"
    folder.mkdir(exist_ok=True)
    (folder / "answers.json").write_text(json.dumps({part_id: text}), encoding="utf-8")
    report = api.check(folder, rubric)
    return next(p for p in report.parts if p.id == part_id)


def shapes_check(part):
    return next(c for c in part.checks if c.kind == "shapes")


FULL_MARKS = [
    ("words-commas", "y is n x 1, X is n x (d+1), beta is (d+1) x 1"),
    ("colons-lines", "y: n x 1\nX: n x d+1\nbeta: (d+1) x 1"),
    ("unicode", "y ∈ ℝ^(n×1); X ∈ ℝ^(n×(d+1)); β ∈ ℝ^(d+1)"),
    ("by-and", "y is an n by 1 vector, X is n by (d+1) and B is a (d+1)-dimensional column vector"),
    ("shape-tuples", "y has shape (n, 1)\nX has shape (n, d+1)\nbeta has shape (d+1, 1)"),
    (
        "inline-latex",
        r"$y \in \mathbb{R}^n$, $X \in \mathbb{R}^{n \times (d+1)}$, $\beta \in \mathbb{R}^{d+1}$",
    ),
    ("plain-powers", "y in R^{n x 1}, x in R^{n x (d+1)}, beta in R^{(d+1) x 1}"),
    (
        "sentence",
        "The target y is n x 1.\nThe design matrix X has n rows and d+1 columns.\nbeta is (d+1) x 1.",
    ),
]


@pytest.mark.parametrize("text", [r[1] for r in FULL_MARKS], ids=[r[0] for r in FULL_MARKS])
def test_typed_shape_answers_get_full_marks(tmp_path, text):
    part = check_answer(tmp_path, "q1.c", text, ml_exam())
    assert part.score == pytest.approx(0.5), part.feedback
    assert not shapes_check(part).needs_review, shapes_check(part).review_reasons


WRONG = [
    # (id, answer, score, words the feedback must contain)
    ("beta-row", "y is n x 1, X is n x (d+1), beta is 1 x (d+1)", 0.25, "row vector"),
    (
        "beta-row-words",
        "y is n x 1, X is n x (d+1), beta is a (d+1)-dimensional row vector",
        0.25,
        "row vector",
    ),
    ("x-swapped", "y is n x 1, X is (d+1) x n, beta is (d+1) x 1", 0.25, "shape of X is not right"),
    ("one-missing", "y is n x 1, X is n x (d+1)", 0.25, "shape of beta is not stated"),
    ("two-wrong", "y is 1 x n, X is (d+1) x n, beta is (d+1) x 1", 0.0, "shape of y is not right"),
]


@pytest.mark.parametrize(
    ("text", "score", "feedback"), [r[1:] for r in WRONG], ids=[r[0] for r in WRONG]
)
def test_wrong_shapes_are_caught(tmp_path, text, score, feedback):
    part = check_answer(tmp_path, "q1.c", text, ml_exam())
    assert part.score == pytest.approx(score)
    assert any(feedback in line for line in shapes_check(part).feedback), part.feedback
    assert not shapes_check(part).needs_review


def test_the_row_beta_answer_gets_the_known_mistake_feedback(tmp_path):
    part = check_answer(
        tmp_path, "q1.c", "y is n x 1, X is n x (d+1), beta is 1 x (d+1)", ml_exam()
    )
    assert part.score == pytest.approx(0.25)
    assert "beta is written as a row vector; check its orientation." in " ".join(
        shapes_check(part).feedback
    )


def test_shape_text_that_does_not_read_goes_to_review(tmp_path):
    text = "y is n-dimensional thing, X is n x (d+1), beta is (d+1) x 1"
    check = shapes_check(check_answer(tmp_path, "q1.c", text, ml_exam()))
    assert check.score == pytest.approx(0.25)  # the two shapes that read still count
    assert check.needs_review
    assert any("n-dimensional thing" in reason for reason in check.review_reasons)


def test_unreadable_text_about_a_shape_that_was_read_is_not_flagged(tmp_path):
    text = "y is n x 1, X is n x (d+1), beta is (d+1) x 1\nX^T X is (d+1) x (d+1) whatever"
    check = shapes_check(check_answer(tmp_path, "q1.c", text, ml_exam()))
    assert check.score == pytest.approx(0.5)
    assert not check.needs_review


def test_an_answer_without_shapes_scores_zero_without_review(tmp_path):
    text = "I did not have time for this part"
    check = shapes_check(check_answer(tmp_path, "q1.c", text, ml_exam()))
    assert check.score == 0
    assert not check.needs_review


# --- a rubric of its own: the reader is not specific to the ML exam -------------

OWN_RUBRIC = """\
id: layers
questions:
  - id: q1
    context:
      symbols:
        W: m x p
        b: m x 1
      aliases:
        weights: W
    parts:
      - id: a
        points: 1
        checks:
          - kind: shapes
            id: dims
            points: 1
            shapes:
              W: m x p
              b: m x 1
            mistakes:
              - name: W
                shape: p x m
                feedback: "W maps p inputs to m outputs: it has m rows."
"""

OWN = [
    ("words", "W is m x p and b is an m-dimensional vector", 1.0, ""),
    ("alias-and-tuple", "weights has shape (m, p); b: m x 1", 1.0, ""),
    ("transposed-w", "W is p x m, b is m x 1", 0.5, "it has m rows"),
]


@pytest.mark.parametrize(
    ("text", "score", "feedback"), [r[1:] for r in OWN], ids=[r[0] for r in OWN]
)
def test_a_rubric_of_its_own(tmp_path, text, score, feedback):
    path = tmp_path / "layers.yaml"
    path.write_text(OWN_RUBRIC, encoding="utf-8")
    part = check_answer(tmp_path, "q1.a", text, api.load_rubric(path))
    assert part.score == pytest.approx(score), part.feedback
    assert feedback in " ".join(shapes_check(part).feedback)


# --- the sample sheet and the rubric still hold ----------------------------------


def test_the_sample_sheet_keeps_its_marks():
    report = api.check(ROOT / "submissions" / "seed-student-ocr.md", ml_exam())
    assert next(p for p in report.parts if p.id == "q1.c").score == pytest.approx(0.5)
    assert report.score == pytest.approx(23.33, abs=0.01)


def test_the_ml_exam_rubric_validates():
    result = api.validate(ML_EXAM)
    assert result.problems == []
    assert [e.id for e in result.examples if e.status != "passed"] == []
