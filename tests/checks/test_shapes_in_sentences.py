"""Shape statements anywhere in a sentence, with the subject resolved
(tests/checks/files/shapes-in-words.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.part_grading import grade_part

RUBRIC = Path(__file__).parent / "files" / "shapes-in-words.yaml"


def grade(part_id: str, text: str):
    return grade_part(RUBRIC, part_id, text)


# (id, part, answer, score, needs review)
CASES = [
    ("it-is", "q1.a", "It is a d x d matrix.", 1, False),
    ("name-then-sentence", "q1.a", "C is d x d. It is symmetric.", 1, False),
    ("sentence-then-it", "q1.a", "C is symmetric. It is d x d.", 1, False),
    ("defined-then-shaped", "q1.a", "So C = X^T X / n is a d by d matrix.", 1, False),
    ("which", "q1.a", "We get C, which is d x d.", 1, False),
    ("since-it", "q1.a", "Since C = X^T X / n, it is a d x d matrix.", 1, False),
    ("latex-times", "q1.b", r"The gradient has shape $p \times 1$.", 1, False),
    ("its-shape", "q1.b", "Its shape is p x 1, like the parameters.", 1, False),
    ("it-wrong", "q1.b", "It is a 1 x p row vector.", 0, False),
    ("wrong-shape", "q1.a", "It is an n x n matrix.", 0, False),
    # two names: "it" is the sentence's own subject, never a guess
    ("two-names-it", "q1.c", "X is n x d. C = X^T X / n and it is d x d.", 1, False),
    # "It" after "X is n x d." is not X restated: unread, so C goes to a marker
    ("two-names-unresolved", "q1.c", "X is n x d.\nIt is d x d.", 0.5, True),
    # another quantity, not named: read by no rule, so a marker looks
    ("the-other-noun", "q1.b", "The Hessian has shape p x p.", 0, True),
]


@pytest.mark.parametrize(
    ("part_id", "text", "score", "review"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_shapes_in_sentences(part_id, text, score, review):
    part = grade(part_id, text)
    assert part.score == pytest.approx(score), (part.feedback, part.review_reasons)
    assert part.needs_review is review, part.review_reasons


def test_a_known_wrong_shape_said_with_it_gets_its_feedback():
    part = grade("q1.b", "It is a 1 x p row vector.")
    assert part.feedback == ["line 1: A gradient has the shape of the parameter vector."]


def test_what_it_was_read_as_names_the_symbol():
    part = grade("q1.a", "Since C = X^T X / n, it is a d x d matrix.")
    assert "line 1: C is d x d" in part.answer.read_as
