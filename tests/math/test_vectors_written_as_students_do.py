"""diag(s): the square matrix with the vector s on its diagonal (the softmax
Jacobian diag(s) - s s^T), in every spelling."""

from __future__ import annotations

import pytest

from grader.math import equivalent
from grader.math.context import MathContext

CONTEXT = MathContext.from_mapping(
    {"symbols": {"s": "n x 1", "r": "1 x n", "I": "n x n", "x": "scalar"}}
)

PAIRS = [
    (r"\operatorname{diag}(s) - s s^T", r"\mathrm{diag}(s) - s s^\top", "equal"),
    (r"\text{diag}(s) - s s^T", "diag(s) - s s^T", "equal"),
    ("diag(r) - r^T r", "diag(r^T) - r^T r", "equal"),  # a row vector's entries too
    ("diag(s) - s s^T", "I - s s^T", "not_equal"),
    ("diag(s)", "s s^T", "not_equal"),
    ("diag(x)", "x", "equal"),  # a 1x1 diagonal matrix is its number
]


@pytest.mark.parametrize(("a", "b", "verdict"), PAIRS, ids=[f"{a} vs {b}" for a, b, _ in PAIRS])
def test_diag_of_a_vector(a, b, verdict):
    assert equivalent(a, b, CONTEXT).verdict == verdict


def test_diag_is_square_so_a_vector_added_to_it_is_a_shape_error():
    result = equivalent("diag(s) - s s^T", "diag(s) - s^T s", CONTEXT)
    assert result.verdict == "not_equal"
    assert result.diagnosis == "shape_mismatch"
    assert "diag(s)" in result.reason  # printed as written, not DiagMatrix(s)


# A tuple of numbers or scalars is a vector, as students write one: a column,
# (a, b)^T too; after \in it stays an interval's notation (not read).
TUPLES = [
    (r"v = (0.894, 0.447)", r"v = \begin{bmatrix} 0.894 \\ 0.447 \end{bmatrix}", "equal"),
    (
        r"v = (2, 1)^T/\sqrt{5}",
        r"v = \frac{1}{\sqrt 5}\begin{bmatrix} 2 \\ 1 \end{bmatrix}",
        "equal",
    ),
    (r"v = (2, 1)^\top", r"v = \begin{bmatrix} 2 \\ 1 \end{bmatrix}", "equal"),
    (r"v = (2, 1)", r"v = \begin{bmatrix} 1 \\ 2 \end{bmatrix}", "not_equal"),
    (r"v = (0.894, -0.447)", r"v = \begin{bmatrix} 0.894 \\ 0.447 \end{bmatrix}", "not_equal"),
]
VECTORS = MathContext.from_mapping({"symbols": {"v": "2 x 1"}})


@pytest.mark.parametrize(("a", "b", "verdict"), TUPLES, ids=[a for a, _, _ in TUPLES])
def test_a_tuple_is_a_vector(a, b, verdict):
    assert equivalent(a, b, VECTORS).verdict == verdict


def test_an_interval_after_in_is_not_a_vector():
    from grader.math import MathParseError, parse_math

    with pytest.raises(MathParseError):
        parse_math(r"x \in (0, 1)", MathContext.from_mapping({"symbols": {"x": "scalar"}}))
