"""A part's own math context, over its question's, for that part only.

tests/rubric/files/part-contexts.yaml: ``t`` is a time step (a scalar) in
(a) and (c), and the target vector in (b), where ``y`` is also read as ``t``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import api
from grader.pipeline import GradingSession
from tests.part_grading import grade_part, session_for

FILES = Path(__file__).parent / "files"
RUBRIC = FILES / "part-contexts.yaml"


def session() -> GradingSession:
    return session_for(RUBRIC)


def grade(part_id: str, text: str):
    return grade_part(RUBRIC, part_id, text)


# (id, part, answer, score, needs review)
CASES = [
    ("a-scalar-t", "q1.a", r"$\eta / t$", 1, False),
    ("b-vector-t", "q1.b", r"$X^T(Xw - t)$", 1, False),
    ("b-alias-y", "q1.b", r"$X^T(Xw - y)$", 1, False),
    ("b-wrong-sign", "q1.b", r"$X^T(Xw + t)$", 0, False),
    ("c-scalar-t-after-b", "q1.c", r"$\eta / t$", 1, False),
    # the alias is (b)'s only: y means nothing in (a)
    ("a-no-alias", "q1.a", r"$\eta / y$", 0, True),
]


@pytest.mark.parametrize(
    ("part_id", "text", "score", "review"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_letter_means_what_its_part_says(part_id, text, score, review):
    part = grade(part_id, text)
    assert part.score == pytest.approx(score), (part.feedback, part.review_reasons)
    assert part.needs_review is review, part.review_reasons


def test_part_context_is_kept_per_part():
    rubric = session().rubric
    question, part_a = rubric.part("q1.a")
    _, part_b = rubric.part("q1.b")
    assert session().math_context(question, part_a) is session().math_context(question)
    assert "t" in session().math_context(question, part_b).shapes
    assert "t" not in session().math_context(question).shapes


def test_without_the_part_context_the_alias_is_lost(tmp_path):
    assert api.validate(RUBRIC).ok
    text = RUBRIC.read_text(encoding="utf-8")
    start = text.index("        context:\n          symbols:\n            t: n x 1")
    end = text.index("        checks:", start)
    stripped = tmp_path / "no-part-context.yaml"
    stripped.write_text(text[:start] + text[end:], encoding="utf-8")
    assert grade_part(stripped, "q1.b", r"$X^T(Xw - y)$").score == 0


def test_a_bad_part_context_points_at_its_line(tmp_path):
    text = RUBRIC.read_text(encoding="utf-8").replace("t: n x 1", "t: n x x x 1")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    line = text.splitlines().index("            t: n x x x 1") + 1
    problems = api.validate(bad).lines()
    assert problems == [
        f"{bad}:{line}: symbol 't': cannot read shape 'n x x x 1': expected 'rows x cols'"
    ]
