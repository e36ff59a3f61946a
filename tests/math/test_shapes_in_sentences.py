"""``read_shape_statements`` on sentences: subjects resolved, never guessed."""

from __future__ import annotations

import pytest

from grader.math import MathContext
from grader.math.shapes import read_shape_statements

CONTEXT = MathContext.from_mapping({"symbols": {"C": "d x d", "X": "n x d", "g": "p x 1"}})

# (text, it, it_words, [(name, rows x cols)], [unread reason])
CASES = [
    ("It is a d x d matrix", "C", (), [("C", "d x d")], []),
    ("It is a d x d matrix", None, (), [], ["'It' does not say which symbol"]),
    ("C is d x d. It is symmetric", None, (), [("C", "d x d")], []),
    ("C is symmetric. It is d x d.", None, (), [("C", "d x d")], []),
    ("X is n x d. It is d x d.", None, (), [("X", "n x d")], ["'It' does not say which symbol"]),
    ("So C = X^T X / n is a d x d matrix.", None, (), [("C", "d x d")], []),
    ("C = X^T X/n has shape d x d", None, (), [("C", "d x d")], []),
    ("We get C, which is d x d.", None, (), [("C", "d x d")], []),
    ("Since C = X^T X / n, it is a d x d matrix.", "g", (), [("C", "d x d")], []),
    ("Its shape is p x 1.", "g", (), [("g", "p x 1")], []),
    ("The gradient has shape p x 1", "g", ("gradient",), [("g", "p x 1")], []),
    ("The gradient has shape p x 1", "g", (), [], ["no symbol name before the shape"]),
    ("The estimate is 0.5. It is p x 1", "g", (), [("g", "p x 1")], []),
    ("X^T X is d x d", "C", (), [], ["no symbol name before the shape"]),
    ("we see that C is d x d since X is n x d", None, (), [("C", "d x d"), ("X", "n x d")], []),
    ("Here C, the covariance, is d x d", None, (), [("C", "d x d")], []),
    ("The covariance matrix C is symmetric and d x d", None, (), [("C", "d x d")], []),
]


def _shape(shape) -> str:
    return f"{shape[0]} x {shape[1]}"


@pytest.mark.parametrize(
    ("text", "it", "words", "statements", "unread"), CASES, ids=[f"{c[0]}|{c[1]}" for c in CASES]
)
def test_shape_statements_in_sentences(text, it, words, statements, unread):
    reading = read_shape_statements(text, CONTEXT, names={"C", "X", "g"}, it=it, it_words=words)
    assert [(s.name, _shape(s.shape)) for s in reading.statements] == statements
    assert [u.reason for u in reading.unreadable] == unread
